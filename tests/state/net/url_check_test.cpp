// Loopback checks with libcurl's URL parser (issue 12, finding 5): the old
// prefix match sent a client secret in cleartext to 192.0.2.2 when given
// `http://localhost@192.0.2.2/`.
#include "state/net/url_check.hpp"

#include <catch2/catch.hpp>

using namespace rolewatch::state;

TEST_CASE("plain http counts as loopback only when the host really is this machine", "[net][url]") {
  for (const char* url :
       {"http://127.0.0.1", "http://127.0.0.1:8080/token", "http://127.1.2.3/x",
        "http://localhost:9/x", "http://LOCALHOST/x", "HTTP://127.0.0.1/x", "http://[::1]",
        "http://[::1]:8080/x", "http://[0:0:0:0:0:0:0:1]/", "http://[::ffff:127.0.0.1]/"}) {
    CAPTURE(url);
    CHECK(is_loopback_http_url(url));
  }
}

TEST_CASE("spellings that only look like loopback are not loopback", "[net][url]") {
  for (const char* url :
       {"http://localhost@192.0.2.2/", "http://localhost:80@192.0.2.2/",
        "http://127.0.0.1@192.0.2.2/", "http://127.0.0.1:x@evil.example/",
        "http://127.0.0.1.evil.example/", "http://localhost.evil.example/", "http://localhost./",
        "http://[::1]@192.0.2.2/", "http://user:pw@127.0.0.1/", "http://192.0.2.2/#@127.0.0.1",
        "http://192.0.2.2/?127.0.0.1", "http://128.0.0.1/", "https://127.0.0.1/",
        "ftp://127.0.0.1/", "127.0.0.1:8080", "http://", "", "http://127.0.0.1 /",
        "http://[fe80::1%25eth0]/"}) {
    CAPTURE(url);
    CHECK_FALSE(is_loopback_http_url(url));
  }
}

TEST_CASE("the parsed URL names the host libcurl will connect to", "[net][url]") {
  auto parsed = parse_http_url("http://localhost@192.0.2.2/token");
  REQUIRE(parsed);
  CHECK(parsed->scheme == "http");
  CHECK(parsed->host == "192.0.2.2");
  CHECK(parsed->has_userinfo);
  CHECK_FALSE(parsed->loopback);
  auto upper = parse_http_url("HTTPS://Login.Example/x");
  REQUIRE(upper);
  CHECK(upper->scheme == "https");
  auto v6 = parse_http_url("http://[::1]:9/x");
  REQUIRE(v6);
  CHECK(v6->host == "[::1]");
  CHECK(v6->loopback);
}

TEST_CASE("credential endpoints take https anywhere or plain http to loopback only", "[net][url]") {
  CHECK(check_https_or_loopback("https://login.microsoftonline.com"));
  CHECK(check_https_or_loopback("http://127.0.0.1:8080"));
  CHECK(check_https_or_loopback("http://[::1]:8080"));
  auto remote = check_https_or_loopback("http://localhost@192.0.2.2/");
  REQUIRE_FALSE(remote);
  CHECK(remote.error().message == "a URL with user:password@ is refused");
  auto plain = check_https_or_loopback("http://127.0.0.1.evil.example");
  REQUIRE_FALSE(plain);
  CHECK(plain.error().message ==
        "expected an https:// URL (plain http only to 127.0.0.1, [::1] or localhost)");
  CHECK_FALSE(check_https_or_loopback("https://user:pw@login.example/"));
  CHECK_FALSE(check_https_or_loopback("file:///etc/passwd"));
  CHECK_FALSE(check_https_or_loopback("not a url"));
}

TEST_CASE("loopback hosts are 127.0.0.0/8, ::1 and localhost", "[net][url]") {
  CHECK(is_loopback_host("127.0.0.1"));
  CHECK(is_loopback_host("127.255.255.254"));
  CHECK(is_loopback_host("[::1]"));
  CHECK(is_loopback_host("::1"));
  CHECK(is_loopback_host("LocalHost"));
  CHECK_FALSE(is_loopback_host("126.0.0.1"));
  CHECK_FALSE(is_loopback_host("127.0.0.1.nip.io"));
  CHECK_FALSE(is_loopback_host("0.0.0.0"));
  CHECK_FALSE(is_loopback_host("[::2]"));
  CHECK_FALSE(is_loopback_host(""));
}
