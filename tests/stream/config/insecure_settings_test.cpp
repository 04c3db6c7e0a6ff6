// Insecure settings (issue 12, finding 7) used to pass silently. Each is now
// refused, naming the key and saying where `allow_insecure: true` goes;
// with it the setting is accepted and a warning is logged every time the
// configuration is read (every start). Plain http to a remote Graph or
// token endpoint (finding 5) is refused whatever allow_insecure says.
#include "stream/config/insecure_settings.hpp"

#include <catch2/catch.hpp>

#include "stream/config/config.hpp"
#include "stream/config/graph_config.hpp"
#include "stream/delivery/sinks/sink_factory.hpp"
#include "support/delivery_fixtures.hpp"
#include "support/hostile_text.hpp"

using namespace rolewatch;
using namespace rolewatch::stream;
using namespace std::chrono_literals;

namespace {

constexpr const char* kKey = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

Expected<std::unique_ptr<Sink>> sink(const std::string& type, const std::string& yaml) {
  ConfigContext no_env{[](const std::string&) { return std::optional<std::string>(); }, {}};
  return make_sink(support::sink_config(type, "s", YAML::Load(yaml)), no_env);
}

std::string sink_error(const std::string& type, const std::string& yaml) {
  auto made = sink(type, yaml);
  REQUIRE_FALSE(made);
  return made.error().message;
}

std::string refusal(const std::string& key, const std::string& what, const std::string& where) {
  return key + ": " + what + ": refused as insecure; add `allow_insecure: true` next to it (in " +
         where + ") to accept it";
}

// Accepted with allow_insecure: exactly one warning, naming the key.
void accepted_with_warning(const std::string& type, const std::string& yaml,
                           const std::string& key) {
  support::LogCapture log;
  auto made = sink(type, yaml + "allow_insecure: true\n");
  REQUIRE(made);
  auto lines = log.lines();
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains("[warning]") &&
                           Catch::Contains("insecure setting accepted (allow_insecure: true in "
                                           "sinks.s): " +
                                           key));
}

const std::string kSigned = std::string("secret: ") + kKey + "\n";

std::string source(const std::string& brokers, const std::string& extra) {
  return "source:\n  brokers: '" + brokers + "'\n  topic: t\n  group: g\n" + extra +
         "state: {dir: ./state}\n";
}

std::string config_error(const std::string& yaml) {
  auto config = parse_config(yaml, [](const std::string&) { return std::optional<std::string>(); });
  REQUIRE_FALSE(config);
  return config.error().message;
}

Expected<state::GraphConfig> graph(const std::string& yaml) {
  return parse_graph_config(
      YAML::Load("{tenant_id: t, client_id: c, client_secret: s, " + yaml + "}"));
}

}  // namespace

TEST_CASE("tls_verify: false is refused unless the sink allows insecure settings",
          "[config][insecure]") {
  for (const char* type : {"webhook", "teams", "alertmanager"}) {
    CAPTURE(type);
    auto yaml = "url: https://receiver.example/hook\ntls_verify: false\n" + kSigned;
    if (std::string(type) != "webhook")
      yaml = "url: https://receiver.example/hook\ntls_verify: false\n";
    CHECK(sink_error(type, yaml) ==
          refusal("sinks.s.tls_verify", "false (the receiver's TLS certificate is not verified)",
                  "sinks.s"));
    accepted_with_warning(type, yaml, "sinks.s.tls_verify");
  }
  CHECK(sink("teams", "url: https://receiver.example/hook\ntls_verify: true\n"));
}

TEST_CASE("a timeout of 0 (none) is insecure, and timeouts lie within 1s and 10m",
          "[config][insecure]") {
  auto yaml = "url: https://receiver.example/hook\ntimeout: 0s\n" + kSigned;
  CHECK(sink_error("webhook", yaml) ==
        refusal("sinks.s.timeout", "0 means no timeout at all (a stuck peer blocks for ever)",
                "sinks.s"));
  accepted_with_warning("webhook", yaml, "sinks.s.timeout");
  CHECK(sink_error("webhook", "url: https://r.example/\ntimeout: 500ms\n" + kSigned) ==
        "sinks.s.timeout: must be between 1s and 10m");
  CHECK(sink_error("webhook", "url: https://r.example/\ntimeout: 11m\n" + kSigned) ==
        "sinks.s.timeout: must be between 1s and 10m");
  CHECK(sink("webhook", "url: https://r.example/\ntimeout: 1s\n" + kSigned));
  CHECK(sink("webhook", "url: https://r.example/\ntimeout: 10m\n" + kSigned));
}

TEST_CASE("an unsigned webhook is refused unless allowed; a hub signature counts as signed",
          "[config][insecure]") {
  auto yaml = std::string("url: https://soar.example/hook\n");
  CHECK(sink_error("webhook", yaml) ==
        refusal("sinks.s.secret",
                "missing (the webhook is unsigned: a receiver cannot tell a forged alert)",
                "sinks.s"));
  accepted_with_warning("webhook", yaml, "sinks.s.secret");
  CHECK(sink("webhook", yaml + "hub_secret: github-style-secret\n"));
  CHECK(sink("webhook", yaml + kSigned));
}

TEST_CASE("a sink's plain http goes to this machine only, unless allowed", "[config][insecure]") {
  for (const char* url :
       {"http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9093"}) {
    CAPTURE(url);
    support::LogCapture log;
    CHECK(sink("webhook", std::string("url: '") + url + "'\n" + kSigned));
    CHECK(log.lines().empty());
  }
  const std::string what =
      "plain http to a host other than this machine (alerts and headers travel unencrypted)";
  for (const char* url : {"http://alertmanager:9093", "http://localhost@192.0.2.2/",
                          "http://localhost:80@192.0.2.2/", "http://127.0.0.1.evil.example/"}) {
    CAPTURE(url);
    auto yaml = std::string("url: '") + url + "'\n";
    CHECK(sink_error("alertmanager", yaml) == refusal("sinks.s.url", what, "sinks.s"));
    accepted_with_warning("alertmanager", yaml, "sinks.s.url");
  }
  CHECK(sink_error("webhook", "url: 'http://'\n" + kSigned) ==
        "sinks.s.url: not a valid absolute URL");
  CHECK(sink_error("webhook", "url: 'HTTP://127.0.0.1/hook'\n" + kSigned) ==
        "sinks.s.url: must start with http:// or https://");
}

TEST_CASE("plaintext Kafka to a remote broker needs source.allow_insecure", "[config][insecure]") {
  for (const char* protocol : {"SASL_PLAINTEXT", "PLAINTEXT", "plaintext"}) {
    CAPTURE(protocol);
    auto props = std::string("  properties: {security.protocol: ") + protocol + "}\n";
    CHECK(config_error(source("kafka.example:9092", props)) ==
          refusal("source.properties.security.protocol",
                  std::string(protocol) +
                      " to a remote broker (records and any SASL credentials travel unencrypted)",
                  "source"));
    support::LogCapture log;
    REQUIRE(parse_config(source("kafka.example:9092", props + "  allow_insecure: true\n")));
    REQUIRE(log.lines().size() == 1);
    CHECK_THAT(log.lines()[0], Catch::Contains("(allow_insecure: true in source): "
                                               "source.properties.security.protocol"));
  }
  // The embedded broker and brokers on this machine are not remote.
  auto plaintext = std::string("  properties: {security.protocol: PLAINTEXT}\n");
  CHECK(parse_config(source("127.0.0.1:9092", plaintext)));
  CHECK(parse_config(source("127.0.0.1:9092,[::1]:9093,localhost:9094", plaintext)));
  CHECK_FALSE(parse_config(source("127.0.0.1:9092,kafka.example:9092", plaintext)));
  CHECK(parse_config(source("embedded", plaintext)));
  CHECK(
      parse_config(source("kafka.example:9093", "  properties: {security.protocol: SASL_SSL}\n")));
}

TEST_CASE("disabled Kafka certificate checks need source.allow_insecure", "[config][insecure]") {
  CHECK(config_error(source("ns.servicebus.windows.net:9093",
                            "  properties: {enable.ssl.certificate.verification: 'false'}\n")) ==
        refusal("source.properties.enable.ssl.certificate.verification",
                "false (the broker's TLS certificate is not verified)", "source"));
  CHECK(config_error(source("ns.servicebus.windows.net:9093",
                            "  properties: {ssl.endpoint.identification.algorithm: none}\n")) ==
        refusal("source.properties.ssl.endpoint.identification.algorithm",
                "none (the broker's host name is not checked)", "source"));
  support::LogCapture log;
  REQUIRE(parse_config(source("ns.servicebus.windows.net:9093",
                              "  allow_insecure: true\n  properties:\n"
                              "    enable.ssl.certificate.verification: 'false'\n"
                              "    ssl.endpoint.identification.algorithm: none\n")));
  CHECK(log.lines().size() == 2);
  CHECK(parse_config(source("ns.servicebus.windows.net:9093",
                            "  properties: {ssl.endpoint.identification.algorithm: https}\n")));
}

TEST_CASE("an accepted insecure setting is warned about every time the configuration is read",
          "[config][insecure]") {
  auto yaml = source("kafka.example:9092",
                     "  allow_insecure: true\n  properties: {security.protocol: SASL_PLAINTEXT}\n");
  support::LogCapture log;
  REQUIRE(parse_config(yaml));
  REQUIRE(parse_config(yaml));
  CHECK(log.lines().size() == 2);
}

TEST_CASE("Graph and token endpoints take plain http to loopback only, allow_insecure or not",
          "[config][insecure][url]") {
  CHECK(graph("base_url: 'http://127.0.0.1:8080', authority: 'http://[::1]:8080'"));
  for (const char* url : {"http://localhost@192.0.2.2/", "http://localhost:80@192.0.2.2",
                          "http://127.0.0.1.evil.example", "http://graph.example"}) {
    CAPTURE(url);
    auto base = graph(std::string("base_url: '") + url + "', allow_insecure: true");
    REQUIRE_FALSE(base);
    CHECK_THAT(base.error().message, Catch::StartsWith("graph.base_url: "));
    auto authority = graph(std::string("authority: '") + url + "'");
    REQUIRE_FALSE(authority);
    CHECK_THAT(authority.error().message, Catch::StartsWith("graph.authority: "));
    CHECK(config_error(source("ns.servicebus.windows.net:9093",
                              "  auth: {mode: client-secret, tenant_id: t, client_id: c, "
                              "client_secret: s, authority_host: '" +
                                  std::string(url) + "'}\n"))
              .starts_with("source.auth.authority_host: "));
  }
  auto imds = parse_graph_config(YAML::Load("{token_mode: managed-identity}"));
  REQUIRE(imds);
  CHECK(imds->token.managed_identity_endpoint.starts_with("http://169.254.169.254/"));
  CHECK_FALSE(
      parse_graph_config(YAML::Load("{token_mode: managed-identity, managed_identity_endpoint: "
                                    "'http://169.254.169.254.evil/'}")));
}

TEST_CASE("Graph's request_timeout of 0 needs allow_insecure; others lie within 1s and 10m",
          "[config][insecure]") {
  auto zero = graph("request_timeout: 0s");
  REQUIRE_FALSE(zero);
  CHECK(zero.error().message == refusal("graph.request_timeout",
                                        "0 means no timeout at all (a stuck peer blocks for ever)",
                                        "graph"));
  support::LogCapture log;
  auto allowed = graph("request_timeout: 0s, allow_insecure: true");
  REQUIRE(allowed);
  CHECK(allowed->request_timeout == 0ms);
  CHECK(log.lines().size() == 1);
  CHECK_FALSE(graph("request_timeout: 100ms"));
  CHECK_FALSE(graph("request_timeout: 1h"));
  auto set = graph("request_timeout: 45s");
  REQUIRE(set);
  CHECK(set->request_timeout == 45s);
  CHECK(graph("")->request_timeout == 30s);
}

TEST_CASE("local brokers are the embedded one and loopback addresses", "[config][insecure]") {
  CHECK(local_brokers("embedded"));
  CHECK(local_brokers("127.0.0.1:9092"));
  CHECK(local_brokers("localhost:9092, 127.0.0.2:9093"));
  CHECK(local_brokers("[::1]:9092"));
  CHECK(local_brokers("PLAINTEXT://127.0.0.1:9092"));
  CHECK_FALSE(local_brokers("127.0.0.1.evil.example:9092"));
  CHECK_FALSE(local_brokers("127.0.0.1:9092,kafka:9092"));
  CHECK_FALSE(local_brokers(""));
}
