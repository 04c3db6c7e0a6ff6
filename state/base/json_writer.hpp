#pragma once
// Writes a JSON document straight into a string, without building a DOM:
// replay labels thousands of PIM activations a second, and building each
// document as an nlohmann::json tree (a std::map and a heap string per
// field) and then dumping it cost more than labelling it (docs/
// benchmarks.md, "Output without a DOM").
//
// The text is what nlohmann::json::dump() writes for the same document when
// the caller gives keys in its (sorted) order: no spaces; strings escaped
// the same way (\", \\, \b \f \n \r \t, other C0 controls as \u00xx, all
// else as is). Text that is not valid UTF-8 (which dump() would refuse) is
// repaired: each ill-formed sequence becomes U+FFFD (state/base/utf8.hpp).
#include <cstdint>
#include <string>
#include <string_view>

namespace rolewatch::state {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& key(std::string_view name);  // then exactly one value
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& element();  // in an array: then exactly one value
  JsonWriter& string(std::string_view text);
  JsonWriter& string_or_null(std::string_view text);  // null when empty
  JsonWriter& boolean(bool value);
  JsonWriter& number(std::int64_t value);
  JsonWriter& number(std::uint64_t value);
  JsonWriter& null();
  // A value that is JSON text already, written as it is: the caller's text
  // must be one JSON value as this writer (or nlohmann's dump) wrote it.
  JsonWriter& raw(std::string_view json_text);
  // The document so far; the writer is empty afterwards.
  std::string take();

 private:
  JsonWriter& open(char bracket);   // '{' or '['
  JsonWriter& close(char bracket);  // '}' or ']'
  template <typename Integer>
  JsonWriter& integer(Integer value);

  std::string out_;
  bool after_value_ = false;  // a comma goes before the next key or element
};

// Appends `text` as a JSON string (quotes included), escaped as above.
void append_json_string(std::string_view text, std::string& out);

}  // namespace rolewatch::state
