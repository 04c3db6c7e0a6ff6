#include "stream/delivery/sinks/plain_text.hpp"

#include <catch2/catch.hpp>

using namespace rolewatch::stream;

TEST_CASE("plain text escapes every Markdown special character with a backslash", "[delivery]") {
  CHECK(plain_text("mallory@contoso.com") == "mallory@contoso.com");
  CHECK(plain_text("Global Administrator") == "Global Administrator");
  CHECK(plain_text("[click](x)") == "\\[click\\]\\(x\\)");
  CHECK(plain_text("**bold** __u__ ~~s~~ `c`") ==
        "\\*\\*bold\\*\\* \\_\\_u\\_\\_ \\~\\~s\\~\\~ \\`c\\`");
  CHECK(plain_text("# h > q | t") == "\\# h \\> q \\| t");
  CHECK(plain_text("<b>&amp;") == "\\<b\\>\\&amp;");
  CHECK(plain_text("a\\b") == "a\\\\b");
}

TEST_CASE("plain text escapes a list marker only where a list item would start", "[delivery]") {
  CHECK(plain_text("- item") == "\\- item");
  CHECK(plain_text("+ item") == "\\+ item");
  CHECK(plain_text("12. item") == "12\\. item");
  CHECK(plain_text("a-b 1. c") == "a-b 1. c");
  CHECK(plain_text("10.0.0.1") == "10.0.0.1");
  CHECK(plain_text("3.") == "3\\.");
  CHECK(plain_text("2025-03-04") == "2025-03-04");
}

TEST_CASE("plain text never lets a URL become a link", "[delivery]") {
  auto wj = std::string(kWordJoiner);
  CHECK(plain_text("https://evil.example/x") == "https:" + wj + "//evil.example/x");
  CHECK(plain_text("see WWW.evil.example") == "see WWW" + wj + ".evil.example");
  CHECK(plain_text("awww.example") == "awww.example");  // not a www. host
  CHECK(plain_text("ftp://h") == "ftp:" + wj + "//h");
}

TEST_CASE("plain text shows control characters as escapes, on one line", "[delivery]") {
  // The escape's own backslash is escaped for Markdown, so "\n" shows as typed.
  CHECK(plain_text("a\nb") == "a\\\\nb");
  CHECK(plain_text("a\x1b[31mb") == "a\\\\x1b\\[31mb");
  CHECK(plain_text("a\xE2\x80\xA8"
                   "b") == "a\\\\u2028b");
}
