#include "state/base/json_writer.hpp"

#include <array>
#include <charconv>
#include <utility>

#include "state/base/utf8.hpp"

namespace rolewatch::state {
namespace {

// Escapes bytes already known to be valid UTF-8.
void append_escaped(std::string_view text, std::string& out) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::size_t plain = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte != '"' && byte != '\\') continue;
    out.append(text.substr(plain, i - plain));
    plain = i + 1;
    switch (byte) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[byte >> 4];
        out += kHex[byte & 0xF];
    }
  }
  out.append(text.substr(plain));
}

bool is_ascii(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

}  // namespace

void append_json_string(std::string_view text, std::string& out) {
  out += '"';
  if (is_ascii(text)) {
    append_escaped(text, out);
  } else {
    std::string valid;
    append_repaired_utf8(text, valid);
    append_escaped(valid, out);
  }
  out += '"';
}

JsonWriter& JsonWriter::open(char bracket) {
  out_ += bracket;
  after_value_ = false;
  return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
  out_ += bracket;
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin_object() {
  return open('{');
}

JsonWriter& JsonWriter::end_object() {
  return close('}');
}

JsonWriter& JsonWriter::key(std::string_view name) {
  if (after_value_) out_ += ',';
  append_json_string(name, out_);
  out_ += ':';
  after_value_ = false;
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  return open('[');
}

JsonWriter& JsonWriter::end_array() {
  return close(']');
}

JsonWriter& JsonWriter::element() {
  if (after_value_) out_ += ',';
  after_value_ = false;
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json_text) {
  out_.append(json_text);
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view text) {
  append_json_string(text, out_);
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::string_or_null(std::string_view text) {
  return text.empty() ? null() : string(text);
}

JsonWriter& JsonWriter::boolean(bool value) {
  out_ += value ? "true" : "false";
  after_value_ = true;
  return *this;
}

template <typename Integer>
JsonWriter& JsonWriter::integer(Integer value) {
  std::array<char, 24> digits{};
  const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
  out_.append(digits.data(), end);
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::number(std::int64_t value) {
  return integer(value);
}

JsonWriter& JsonWriter::number(std::uint64_t value) {
  return integer(value);
}

JsonWriter& JsonWriter::null() {
  out_ += "null";
  after_value_ = true;
  return *this;
}

std::string JsonWriter::take() {
  after_value_ = false;
  return std::exchange(out_, {});
}

}  // namespace rolewatch::state
