// The repairs of state/base/utf8.hpp, on their own: which bytes and escapes
// become U+FFFD, and that valid text passes unchanged and unflagged.
#include <catch2/catch.hpp>
#include <string>

#include "state/base/utf8.hpp"

using namespace rolewatch::state;
using namespace std::string_literals;

namespace {

const std::string R(kReplacementCharacter);

struct Repair {
  std::string text;
  bool repaired;
};

Repair utf8(std::string_view bytes) {
  Repair out;
  out.repaired = append_repaired_utf8(bytes, out.text);
  return out;
}

Repair unescape(std::string_view body) {
  Repair out;
  out.repaired = append_unescaped_json_lenient(body, out.text);
  return out;
}

Repair document(std::string_view json) {
  Repair out;
  out.repaired = append_repaired_json_document(json, out.text);
  return out;
}

}  // namespace

TEST_CASE("valid UTF-8 passes the repair unchanged and unflagged", "[utf8]") {
  for (std::string_view text :
       {"", "plain ascii", "caf\xC3\xA9", "\xE2\x9C\x93", "\xF0\x9F\x98\x80", "\xEF\xBF\xBD",
        "\xF4\x8F\xBF\xBF", "\xED\x9F\xBF"}) {
    auto out = utf8(text);
    CHECK(out.text == text);
    CHECK_FALSE(out.repaired);
  }
  auto nul = utf8("a\0b"s);
  CHECK(nul.text == "a\0b"s);  // NUL is valid UTF-8; fields handle it
  CHECK_FALSE(nul.repaired);
}

TEST_CASE("each maximal invalid UTF-8 subsequence becomes one U+FFFD", "[utf8]") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"a\xFF"
       "b",
       "a" + R + "b"},                      // never a lead byte
      {"\x80", R},                          // a lone continuation byte
      {"\xC0\xAF", R + R},                  // overlong '/'
      {"\xE0\x80\xAF", R + R + R},          // overlong, three bytes
      {"\xED\xA0\x80", R + R + R},          // an encoded surrogate
      {"\xF4\x90\x80\x80", R + R + R + R},  // above U+10FFFF
      {"\xE2\x82"
       "x",
       R + "x"},                                     // cut short: one U+FFFD
      {"\xF0\x9F\x98", R},                           // cut short at the end
      {"\xE2\x82\xE2\x82\xAC", R + "\xE2\x82\xAC"},  // then a valid euro sign
  };
  for (const auto& [bytes, repaired] : cases) {
    INFO(bytes);
    auto out = utf8(bytes);
    CHECK(out.text == repaired);
    CHECK(out.repaired);
  }
}

TEST_CASE("valid JSON string bodies unescape exactly and unflagged", "[utf8]") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"(Global Administrator)", "Global Administrator"},
      {R"(say \"hi\")", R"(say "hi")"},
      {R"(a\\b\/c\n\t\r\b\f)", "a\\b/c\n\t\r\b\f"},
      {R"(caf\u00e9 \ud83d\ude00)", "caf\xC3\xA9 \xF0\x9F\x98\x80"},
      {"caf\xC3\xA9", "caf\xC3\xA9"},
  };
  for (const auto& [body, text] : cases) {
    auto out = unescape(body);
    CHECK(out.text == text);
    CHECK_FALSE(out.repaired);
  }
}

TEST_CASE("JSON escapes that do not decode become U+FFFD and the rest is kept", "[utf8]") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"(Mallory\udc00)", "Mallory" + R},
      {R"(Mallory\ud800)", "Mallory" + R},
      {R"(\ud800x)", R + "x"},
      {R"(\udc00\ud800)", R + R},                         // reversed pair
      {R"(\ud800\ud800\udc00)", R + "\xF0\x90\x80\x80"},  // a lone high, then a pair
      {R"(\ud800\u0041)", R + "A"},
      {R"(a\u0000b)", "a" + R + "b"},
      {R"(\q)", R + "q"},
      {R"(\u12)", R + "12"},
      {R"(\u12zz!)", R + "12zz!"},
      {R"(end\)", "end" + R},
      {"raw\xFF\\u00e9", "raw" + R + "\xC3\xA9"},
      {"raw\0nul"s, "raw" + R + "nul"},
      {R"(inner " quote)", R"(inner " quote)"},  // kept, but not a valid body
  };
  for (const auto& [body, text] : cases) {
    INFO(body);
    auto out = unescape(body);
    CHECK(out.text == text);
    CHECK(out.repaired);
  }
}

TEST_CASE("a string token's body is found without its quotes and trailing space", "[utf8]") {
  CHECK(json_string_body(R"("abc")") == "abc");
  CHECK(json_string_body("\"abc\" \n\t") == "abc");
  CHECK(json_string_body(R"("a\"b")") == R"(a\"b)");
  CHECK(json_string_body(R"("")") == "");
  CHECK(json_string_body(R"(")") == "");
  CHECK(json_string_body("42") == "42");
}

TEST_CASE(
    "a document's bad bytes and unescaped control characters are repaired, its structure "
    "kept",
    "[utf8]") {
  auto clean = document("{\"a\": [\"x\\\"y\", \"caf\xC3\xA9\"]}\n");
  CHECK(clean.text == "{\"a\": [\"x\\\"y\", \"caf\xC3\xA9\"]}\n");
  CHECK_FALSE(clean.repaired);

  auto bytes = document("{\"a\":\"x\xC0\xAF\"}");
  CHECK(bytes.text == "{\"a\":\"x" + R + R + "\"}");
  CHECK(bytes.repaired);

  // Control characters inside strings only; whitespace between tokens stays.
  auto control = document("{\t\"a\":\r\n\"x\x01y\0z\tw\"}"s);
  CHECK(control.text == "{\t\"a\":\r\n\"x" + R + "y" + R + "z" + R + "w\"}");
  CHECK(control.repaired);

  // An escaped quote or backslash does not end or start a string.
  auto escapes = document("[\"a\\\"\x01\", \"b\\\\\", \"\x02\"]");
  CHECK(escapes.text == "[\"a\\\"" + R + "\", \"b\\\\\", \"" + R + "\"]");
}
