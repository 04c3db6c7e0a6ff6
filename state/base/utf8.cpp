#include "state/base/utf8.hpp"

#include <optional>

namespace rolewatch::state {
namespace {

// Bytes in the well-formed UTF-8 sequence at s[at] (Unicode Table 3-7), or
// 0 when it is ill-formed, with `skip` set to the bytes one U+FFFD replaces:
// the bad lead byte alone, or the lead and the continuation bytes that were
// still valid before the sequence broke off.
std::size_t valid_sequence(std::string_view s, std::size_t at, std::size_t& skip) {
  const auto lead = static_cast<unsigned char>(s[at]);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // bounds of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    skip = 1;  // continuation byte, C0/C1 (overlong) or F5..FF
    return 0;
  }
  for (std::size_t k = 1; k < length; ++k) {
    const auto c = at + k < s.size() ? static_cast<unsigned char>(s[at + k]) : 0;
    if (c < (k == 1 ? low : 0x80) || c > (k == 1 ? high : 0xBF)) {
      skip = k;
      return 0;
    }
  }
  return length;
}

std::optional<std::uint32_t> read_hex4(std::string_view text, std::size_t at) {
  if (at + 4 > text.size()) return std::nullopt;
  std::uint32_t value = 0;
  for (std::size_t i = at; i < at + 4; ++i) {
    const char c = text[i];
    value <<= 4;
    if (c >= '0' && c <= '9') {
      value |= static_cast<std::uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      value |= static_cast<std::uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      value |= static_cast<std::uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
  }
  return value;
}

bool is_high_surrogate(std::uint32_t cp) {
  return cp >= 0xD800 && cp <= 0xDBFF;
}
bool is_low_surrogate(std::uint32_t cp) {
  return cp >= 0xDC00 && cp <= 0xDFFF;
}

// Decodes the \uXXXX escape at body[i] (a backslash), joining a surrogate
// pair; advances i past what it consumed. False (and U+FFFD appended) when
// the escape does not decode to a non-NUL character: then only "\u" is
// consumed if the hex digits are bad, and only the first half of a broken
// pair, so what follows is read on its own.
bool append_unicode_escape(std::string_view body, std::size_t& i, std::string& out) {
  const auto cp = read_hex4(body, i + 2);
  if (!cp) {
    i += 2;
    out += kReplacementCharacter;
    return false;
  }
  i += 6;
  if (is_high_surrogate(*cp) && body.substr(i, 2) == "\\u") {
    if (const auto low = read_hex4(body, i + 2); low && is_low_surrogate(*low)) {
      i += 6;
      append_utf8(out, 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00));
      return true;
    }
  }
  if (*cp == 0 || is_high_surrogate(*cp) || is_low_surrogate(*cp)) {
    out += kReplacementCharacter;
    return false;
  }
  append_utf8(out, *cp);
  return true;
}

// Decodes the escape at body[i] (a backslash); false when it did not decode.
bool append_escape(std::string_view body, std::size_t& i, std::string& out) {
  if (i + 1 == body.size()) {  // a trailing backslash
    ++i;
    out += kReplacementCharacter;
    return false;
  }
  constexpr std::string_view kFrom = "\"\\/bfnrt", kTo = "\"\\/\b\f\n\r\t";
  const char c = body[i + 1];
  if (const auto at = kFrom.find(c); at != std::string_view::npos) {
    out += kTo[at];
    i += 2;
    return true;
  }
  if (c == 'u') return append_unicode_escape(body, i, out);
  // Unknown escape: replace the backslash; the character after it is read
  // as text unless it is a byte UTF-8 repair must see first.
  ++i;
  out += kReplacementCharacter;
  return false;
}

}  // namespace

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool append_repaired_utf8(std::string_view bytes, std::string& out) {
  bool repaired = false;
  std::size_t i = 0;
  while (i < bytes.size()) {
    std::size_t run = i;  // ASCII needs no checking
    while (run < bytes.size() && static_cast<unsigned char>(bytes[run]) < 0x80) ++run;
    out.append(bytes.substr(i, run - i));
    i = run;
    if (i == bytes.size()) break;
    std::size_t skip = 0;
    if (const auto length = valid_sequence(bytes, i, skip); length > 0) {
      out.append(bytes.substr(i, length));
      i += length;
    } else {
      out += kReplacementCharacter;
      i += skip;
      repaired = true;
    }
  }
  return repaired;
}

std::string_view json_string_body(std::string_view token) {
  if (token.empty() || token.front() != '"') return token;
  const auto last = token.find_last_not_of(" \t\n\r");
  if (last == 0) return {};
  return token.substr(1, token[last] == '"' ? last - 1 : last);
}

bool append_unescaped_json_lenient(std::string_view body, std::string& out) {
  bool repaired = false;
  std::size_t i = 0;
  while (i < body.size()) {
    std::size_t end = i;  // one pass: plain ASCII is copied as a run
    while (end < body.size()) {
      const auto c = static_cast<unsigned char>(body[end]);
      if (c == '\\' || c == '"' || c == 0 || c >= 0x80) break;
      ++end;
    }
    out.append(body.substr(i, end - i));
    i = end;
    if (i == body.size()) break;
    const auto c = static_cast<unsigned char>(body[i]);
    std::size_t skip = 0;
    if (c == '\\') {
      repaired |= !append_escape(body, i, out);
    } else if (c >= 0x80) {
      const auto length = valid_sequence(body, i, skip);
      out.append(length > 0 ? body.substr(i, length) : kReplacementCharacter);
      i += length > 0 ? length : skip;
      repaired |= length == 0;
    } else {  // an unescaped quote is kept; NUL is replaced
      out.append(c == '"' ? std::string_view("\"") : kReplacementCharacter);
      ++i;
      repaired = true;
    }
  }
  return repaired;
}

bool append_repaired_json_document(std::string_view json, std::string& out) {
  out.reserve(out.size() + json.size() + json.size() / 8);
  bool repaired = false;
  bool in_string = false;
  std::size_t i = 0;
  while (i < json.size()) {
    const auto c = static_cast<unsigned char>(json[i]);
    if (c >= 0x80) {
      std::size_t skip = 0;
      const auto length = valid_sequence(json, i, skip);
      if (length == 0) repaired = true;
      out.append(length > 0 ? json.substr(i, length) : kReplacementCharacter);
      i += length > 0 ? length : skip;
      continue;
    }
    if (in_string && c < 0x20) {
      out += kReplacementCharacter;
      repaired = true;
      ++i;
      continue;
    }
    out += static_cast<char>(c);
    ++i;
    if (c == '"') {
      in_string = !in_string;
    } else if (c == '\\' && in_string && i < json.size() && json[i] == '"') {
      out += '"';  // an escaped quote does not end the string
      ++i;
    } else if (c == '\\' && in_string && i < json.size() && json[i] == '\\') {
      out += '\\';  // nor does the quote after an escaped backslash start one
      ++i;
    }
  }
  return repaired;
}

}  // namespace rolewatch::state
