// The `http:` section: the design's minimal `http: {listen: ...}` still
// works and serves no reports; http.reports needs a readable, non-empty
// token file unless it has a loopback listener of its own; listen addresses
// are parsed, not prefix-matched; the token never reaches a dump or an error.
#include "stream/config/http_config.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "state/net/url_check.hpp"
#include "stream/config/config.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch::stream;

namespace {

constexpr const char* kToken = "0123456789abcdef-token";

rolewatch::Expected<Config> with_http(const std::string& http) {
  return parse_config(
      "source: {brokers: embedded, topic: t, group: g}\nstate: {dir: ./state}\n" + http,
      [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
}

std::string token_file(const support::TempDir& dir, const std::string& contents) {
  auto path = (dir.path() / "token").string();
  std::ofstream(path) << contents;
  return path;
}

std::string error_of(const rolewatch::Expected<Config>& config) {
  REQUIRE_FALSE(config);
  return config.error().message;
}

}  // namespace

TEST_CASE("the minimal http section serves no reports", "[config][http]") {
  auto config = with_http("http:\n  listen: 127.0.0.1:9464\n");
  REQUIRE(config);
  CHECK(config->http.listen == "127.0.0.1:9464");
  CHECK_FALSE(config->http.reports.enabled);
  CHECK_THAT(redacted_dump(*config), !Catch::Contains("reports"));
}

TEST_CASE("http.reports with a token file serves reports on http.listen", "[config][http]") {
  support::TempDir dir;
  auto file = token_file(dir, std::string(kToken) + "\r\n");
  auto config =
      with_http("http:\n  listen: 127.0.0.1:9464\n  reports: {token_file: " + file + "}\n");
  REQUIRE(config);
  CHECK(config->http.reports.enabled);
  CHECK(config->http.reports.listen.empty());
  REQUIRE(config->http.reports.token);
  CHECK(config->http.reports.token->reveal() == kToken);  // trailing newline trimmed
  auto dump = redacted_dump(*config);
  CHECK_THAT(dump, Catch::Contains("token_file: " + file));
  CHECK(dump.find(kToken) == std::string::npos);
}

TEST_CASE("http.reports is refused without a usable token unless on a loopback listener",
          "[config][http]") {
  support::TempDir dir;
  CHECK_THAT(error_of(with_http("http:\n  listen: 127.0.0.1:9464\n  reports: {enabled: true}\n")),
             Catch::StartsWith("http.reports.token_file: required"));
  CHECK_THAT(error_of(with_http("http:\n  listen: 127.0.0.1:9464\n  reports: {token_file: " +
                                (dir.path() / "absent").string() + "}\n")),
             Catch::StartsWith("http.reports.token_file: cannot read"));
  auto empty = token_file(dir, "\n");
  CHECK_THAT(error_of(with_http(
                 "http:\n  listen: 127.0.0.1:9464\n  reports: {token_file: " + empty + "}\n")),
             Catch::Contains("is empty"));
  auto short_token = token_file(dir, "short\n");
  auto short_error = error_of(
      with_http("http:\n  listen: 127.0.0.1:9464\n  reports: {token_file: " + short_token + "}\n"));
  CHECK_THAT(short_error, Catch::Contains("shorter than 16"));
  CHECK(short_error.find("short\n") == std::string::npos);
  auto spaced = token_file(dir, "0123456789 abcdefgh\n");
  CHECK_THAT(error_of(with_http(
                 "http:\n  listen: 127.0.0.1:9464\n  reports: {token_file: " + spaced + "}\n")),
             Catch::Contains("whitespace"));
}

TEST_CASE("a reports listener of its own must be loopback unless a token file is given",
          "[config][http]") {
  auto local = with_http("http:\n  listen: 0.0.0.0:9464\n  reports: {listen: '127.0.0.1:9465'}\n");
  REQUIRE(local);
  CHECK(local->http.reports.enabled);
  CHECK(local->http.reports.listen == "127.0.0.1:9465");
  CHECK_FALSE(local->http.reports.token);
  CHECK(with_http("http:\n  listen: 127.0.0.1:9464\n  reports: {listen: '[::1]:9465'}\n"));
  CHECK(with_http("http:\n  listen: 127.0.0.1:9464\n  reports: {listen: 'localhost:9465'}\n"));
  for (const auto* wide : {"0.0.0.0:9465", "'[::]:9465'", "10.1.2.3:9465", "reports.local:9465"}) {
    CHECK_THAT(error_of(with_http("http:\n  listen: 127.0.0.1:9464\n  reports: {listen: " +
                                  std::string(wide) + "}\n")),
               Catch::StartsWith("http.reports.listen: not a loopback address"));
  }
  support::TempDir dir;
  auto file = token_file(dir, kToken);
  auto wide = with_http(
      "http:\n  listen: 127.0.0.1:9464\n  reports: {listen: 0.0.0.0:9465, "
      "token_file: " +
      file + "}\n");
  REQUIRE(wide);
  CHECK(wide->http.reports.token);
}

TEST_CASE("http.reports: {enabled: false} turns reports off even with other keys",
          "[config][http]") {
  auto config = with_http(
      "http:\n  listen: 127.0.0.1:9464\n  reports: {enabled: false, listen: 0.0.0.0:9465}\n");
  REQUIRE(config);
  CHECK_FALSE(config->http.reports.enabled);
}

TEST_CASE("listen addresses are parsed: out-of-range and malformed ports are errors",
          "[config][http]") {
  CHECK_THAT(error_of(with_http("http: {listen: '127.0.0.1:99999999999999999999'}\n")),
             Catch::StartsWith("http.listen: expected host:port"));
  CHECK_THAT(error_of(with_http("http: {listen: '127.0.0.1:'}\n")),
             Catch::StartsWith("http.listen: expected host:port"));
  CHECK_THAT(error_of(with_http("http: {listen: ':9464'}\n")),
             Catch::StartsWith("http.listen: expected host:port"));
  CHECK_THAT(error_of(with_http("http: {listen: 127.0.0.1:9464, report: {}}\n")),
             Catch::Contains("report"));
  auto v6 = parse_listen_address("[::1]:0");
  REQUIRE(v6);
  CHECK(v6->first == "::1");
  CHECK(v6->second == 0);
}

TEST_CASE("loopback hosts are 127.0.0.0/8, ::1 and localhost; wildcards and names are not",
          "[config][http]") {
  using rolewatch::state::is_loopback_host;  // the one check, also for reports.listen
  for (const auto* host : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "localhost"}) {
    CHECK(is_loopback_host(host));
  }
  for (const auto* host : {"0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "localhost.example.com",
                           "127.0.0.1.nip.io", "", "::ffff:10.0.0.1"}) {
    CHECK_FALSE(is_loopback_host(host));
  }
}
