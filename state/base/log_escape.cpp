#include "state/base/log_escape.hpp"

#include <cstdint>

namespace rolewatch::state {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_hex_byte(std::string& out, unsigned char byte) {
  out += "\\x";
  out.push_back(kHex[byte >> 4]);
  out.push_back(kHex[byte & 0xF]);
}

void append_code_point(std::string& out, std::uint32_t code_point) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(code_point >> shift) & 0xF]);
}

// C0 and DEL: one byte, always ASCII.
bool escape_ascii_control(unsigned char c, std::string& out) {
  switch (c) {
    case '\n':
      out += "\\n";
      return true;
    case '\r':
      out += "\\r";
      return true;
    case '\t':
      out += "\\t";
      return true;
    default:
      break;
  }
  if (c >= 0x20 && c != 0x7F) return false;
  append_hex_byte(out, c);
  return true;
}

// Length of the well-formed UTF-8 sequence starting at text[at], 0 if there is none.
std::size_t sequence_length(std::string_view text, std::size_t at, std::uint32_t& code_point) {
  auto lead = static_cast<unsigned char>(text[at]);
  std::size_t length = lead >= 0xF0 && lead <= 0xF4   ? 4
                       : lead >= 0xE0                 ? (lead <= 0xEF ? 3 : 0)
                       : lead >= 0xC2 && lead <= 0xDF ? 2
                                                      : 0;
  if (length == 0 || at + length > text.size()) return 0;
  code_point = lead & (0xFF >> (length + 1));
  for (std::size_t i = 1; i < length; ++i) {
    auto next = static_cast<unsigned char>(text[at + i]);
    if ((next & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (next & 0x3F);
  }
  bool overlong = (length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000);
  bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
  if (overlong || surrogate || code_point > 0x10FFFF) return 0;
  return length;
}

bool escaped_code_point(std::uint32_t code_point) {
  return (code_point >= 0x80 && code_point <= 0x9F) || code_point == 0x2028 || code_point == 0x2029;
}

}  // namespace

bool append_log_escaped(std::string_view text, std::string& out) {
  bool escaped = false;
  out.reserve(out.size() + text.size());
  for (std::size_t at = 0; at < text.size();) {
    auto c = static_cast<unsigned char>(text[at]);
    if (c < 0x80) {
      if (escape_ascii_control(c, out)) {
        escaped = true;
      } else {
        out.push_back(static_cast<char>(c));
      }
      ++at;
      continue;
    }
    std::uint32_t code_point = 0;
    auto length = sequence_length(text, at, code_point);
    if (length == 0) {
      append_hex_byte(out, c);  // not UTF-8: show the byte, never pass it to a terminal
      escaped = true;
      ++at;
      continue;
    }
    if (escaped_code_point(code_point)) {
      append_code_point(out, code_point);
      escaped = true;
    } else {
      out.append(text.substr(at, length));
    }
    at += length;
  }
  return escaped;
}

std::string log_escaped(std::string_view text) {
  std::string out;
  append_log_escaped(text, out);
  return out;
}

}  // namespace rolewatch::state
