// JsonWriter (state/base/json_writer.hpp): the text is what nlohmann::json
// dumps for the same document, and no string a record carries can break out
// of its quotes.
#include "state/base/json_writer.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

using rolewatch::state::JsonWriter;

TEST_CASE("a document is written as a JSON library dumps it", "[json_writer]") {
  JsonWriter out;
  out.begin_object();
  out.key("a").string("text");
  out.key("b").begin_object().key("c").number(std::int64_t{-42}).key("d").null().end_object();
  out.key("e").boolean(true);
  out.key("f").boolean(false);
  out.key("g").string_or_null("");
  out.key("h").number(std::numeric_limits<std::uint64_t>::max());
  out.key("i").begin_object().end_object();
  out.end_object();
  const auto text = out.take();
  CHECK(text == R"({"a":"text","b":{"c":-42,"d":null},"e":true,"f":false,"g":null,)"
                R"("h":18446744073709551615,"i":{}})");
  CHECK(nlohmann::json::parse(text).dump() == text);
  CHECK(out.take().empty());
}

TEST_CASE(
    "arrays of values and objects, and JSON text given whole, are written as the library "
    "dumps them",
    "[json_writer]") {
  JsonWriter out;
  out.begin_object();
  out.key("empty").begin_array().end_array();
  out.key("list").begin_array();
  out.element().number(std::int64_t{1});
  out.element().string("two");
  out.element().begin_object().key("three").null().end_object();
  out.element().begin_array().element().boolean(true).end_array();
  out.end_array();
  out.key("raw").raw(R"({"a":[1,"b"]})");
  out.key("z").number(std::uint64_t{0});
  out.end_object();
  const auto text = out.take();
  CHECK(text == R"({"empty":[],"list":[1,"two",{"three":null},[true]],"raw":{"a":[1,"b"]},"z":0})");
  CHECK(nlohmann::json::parse(text).dump() == text);
}

TEST_CASE("every control character, quote and backslash is escaped as the library escapes it",
          "[json_writer]") {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all += static_cast<char>(c);
  all += "\xC3\xA9\xE2\x80\xA8\xF0\x9F\x94\x91";  // é, U+2028, a key emoji: kept as they are
  std::string text;
  rolewatch::state::append_json_string(all, text);
  CHECK(text == nlohmann::json(all).dump());
  CHECK(nlohmann::json::parse(text).get<std::string>() == all);
}

TEST_CASE("bytes that are not UTF-8 become U+FFFD instead of failing the document",
          "[json_writer]") {
  std::string text;
  rolewatch::state::append_json_string(
      "a\xFF"
      "b\xE2\x82",
      text);
  CHECK(text ==
        "\"a\xEF\xBF\xBD"
        "b\xEF\xBF\xBD\"");
  CHECK(nlohmann::json::parse(text).get<std::string>() ==
        "a\xEF\xBF\xBD"
        "b\xEF\xBF\xBD");
}
