// `source.auth.mode: managed-identity` and Graph's `token_mode:
// managed-identity` read their token endpoint through one function
// (stream/config/managed_identity_config): the keys each accepts, the
// IDENTITY_ENDPOINT/IDENTITY_HEADER fallback, the URL rule, and what
// check-config shows. Also the `log:` section's format key.
#include <catch2/catch.hpp>
#include <map>

#include "stream/config/config.hpp"
#include "stream/config/graph_config.hpp"
#include "support/env_lookup.hpp"

using namespace rolewatch::stream;

namespace {

EnvLookup env(std::map<std::string, std::string> values) {
  return support::env_lookup(std::move(values));
}

const EnvLookup kNoEnv = env({});

std::string with_auth(const std::string& auth) {
  return "source:\n  brokers: contoso-hub.servicebus.windows.net:9093\n  topic: t\n  group: g\n"
         "  auth: " +
         auth + "\nstate: {dir: ./state}\n";
}

std::string error_of(const std::string& yaml, const EnvLookup& lookup = kNoEnv) {
  auto config = parse_config(yaml, lookup);
  REQUIRE_FALSE(config.has_value());
  return config.error().message;
}

const std::map<std::string, std::string> kAppService = {
    {"IDENTITY_ENDPOINT", "http://127.0.0.1:41741/msi/token"},
    {"IDENTITY_HEADER", "app-service-header-S3CRET"}};

}  // namespace

TEST_CASE("Event Hubs managed identity needs only the mode and defaults to IMDS", "[config]") {
  auto config = parse_config(with_auth("{mode: managed-identity}"), kNoEnv);
  REQUIRE(config.has_value());
  const auto& auth = config->source.auth;
  CHECK(auth.mode == AuthMode::managed_identity);
  CHECK(auth.managed_identity_endpoint == "http://169.254.169.254/metadata/identity/oauth2/token");
  CHECK(auth.identity_header.empty());
  CHECK(auth.client_id.empty());  // the system-assigned identity
  CHECK(auth.scope.empty());      // derived from the brokers when the token is fetched
}

TEST_CASE("Event Hubs managed identity accepts client_id, an endpoint and a scope", "[config]") {
  auto config = parse_config(
      with_auth("{mode: managed-identity, client_id: mi-client-1, managed_identity_endpoint: "
                "'https://identity.example/token/', scope: "
                "'https://other.servicebus.windows.net/.default'}"),
      env(kAppService));  // a configured endpoint wins over the platform's
  REQUIRE(config.has_value());
  const auto& auth = config->source.auth;
  CHECK(auth.client_id == "mi-client-1");
  CHECK(auth.managed_identity_endpoint == "https://identity.example/token");
  CHECK(auth.identity_header.empty());
  CHECK(auth.scope == "https://other.servicebus.windows.net/.default");

  auto from_env = parse_config(with_auth("{mode: managed-identity}"),
                               env({{"AZURE_CLIENT_ID", "mi-client-2"}}));
  REQUIRE(from_env.has_value());
  CHECK(from_env->source.auth.client_id == "mi-client-2");
}

TEST_CASE("App Service and Container Apps identity endpoints come from IDENTITY_* variables",
          "[config]") {
  auto config = parse_config(with_auth("{mode: managed-identity}"), env(kAppService));
  REQUIRE(config.has_value());
  CHECK(config->source.auth.managed_identity_endpoint == "http://127.0.0.1:41741/msi/token");
  CHECK(config->source.auth.identity_header.reveal() == "app-service-header-S3CRET");
  // One variable alone is not the App Service protocol: IMDS.
  auto half = parse_config(with_auth("{mode: managed-identity}"),
                           env({{"IDENTITY_ENDPOINT", "http://127.0.0.1:41741/msi/token"}}));
  REQUIRE(half.has_value());
  CHECK(half->source.auth.managed_identity_endpoint.starts_with("http://169.254.169.254/"));

  auto graph = parse_graph_config(YAML::Load("{token_mode: managed-identity}"),
                                  ConfigContext{env(kAppService), {}});
  REQUIRE(graph.has_value());
  CHECK(graph->token.managed_identity_endpoint == "http://127.0.0.1:41741/msi/token");
  CHECK(graph->token.identity_header == "app-service-header-S3CRET");
}

TEST_CASE("Event Hubs managed identity refuses the keys of the other modes", "[config]") {
  for (const char* key : {"tenant_id: t", "client_secret: s", "token_file: /f",
                          "authority_host: 'https://login.microsoftonline.com'", "identity: x"}) {
    CAPTURE(key);
    auto message = error_of(with_auth(std::string("{mode: managed-identity, ") + key + "}"));
    CHECK_THAT(message, Catch::StartsWith("source.auth."));
    CHECK_THAT(message, Catch::EndsWith(": unknown key"));
  }
}

TEST_CASE("a managed identity endpoint is https, this machine or IMDS, in both sections",
          "[config][insecure]") {
  for (const char* url : {"http://127.0.0.1:8080/token", "http://[::1]/token",
                          "http://169.254.169.254/metadata/identity/oauth2/token"}) {
    CAPTURE(url);
    CHECK(parse_config(
        with_auth(std::string("{mode: managed-identity, managed_identity_endpoint: '") + url +
                  "'}"),
        kNoEnv));
  }
  for (const char* url :
       {"http://identity.example/token", "http://169.254.169.254.evil/",
        "http://localhost@192.0.2.2/", "http://user:pw@169.254.169.254/", "ftp://127.0.0.1/"}) {
    CAPTURE(url);
    auto message = error_of(with_auth(
        std::string("{mode: managed-identity, managed_identity_endpoint: '") + url + "'}"));
    CHECK_THAT(message, Catch::StartsWith("source.auth.managed_identity_endpoint: "));
    CHECK(message.find(url) == std::string::npos);  // the URL may carry a secret
    // allow_insecure does not apply: credentials' URLs are refused outright.
    auto graph = parse_graph_config(YAML::Load(std::string("{token_mode: managed-identity, "
                                                           "allow_insecure: true, "
                                                           "managed_identity_endpoint: '") +
                                               url + "'}"));
    REQUIRE_FALSE(graph);
    CHECK_THAT(graph.error().message, Catch::StartsWith("graph.managed_identity_endpoint: "));
  }
}

TEST_CASE("check-config shows the managed identity mode and never the identity header",
          "[config]") {
  auto config =
      parse_config(with_auth("{mode: managed-identity, client_id: mi-client-1}"), env(kAppService));
  REQUIRE(config.has_value());
  auto dump = redacted_dump(*config);
  auto auth = YAML::Load(dump)["source"]["auth"];
  CHECK(auth["mode"].as<std::string>() == "managed-identity");
  CHECK(auth["client_id"].as<std::string>() == "mi-client-1");
  CHECK(auth["managed_identity_endpoint"].as<std::string>() == "http://127.0.0.1:41741/msi/token");
  CHECK(auth["identity_header"].as<std::string>() == "<redacted>");
  CHECK(dump.find("app-service-header-S3CRET") == std::string::npos);
}

TEST_CASE("log.format is text or json, text by default, and check-config shows it", "[config]") {
  auto plain = parse_config(with_auth("{mode: managed-identity}"), kNoEnv);
  REQUIRE(plain.has_value());
  CHECK(plain->log.format == LogFormat::text);
  CHECK(YAML::Load(redacted_dump(*plain))["log"]["format"].as<std::string>() == "text");
  auto json = parse_config(
      with_auth("{mode: managed-identity}") + "log: {format: json, level: warn}\n", kNoEnv);
  REQUIRE(json.has_value());
  CHECK(json->log.format == LogFormat::json);
  CHECK(json->log.level == "warn");
  CHECK(YAML::Load(redacted_dump(*json))["log"]["format"].as<std::string>() == "json");
  CHECK(error_of(with_auth("{mode: managed-identity}") + "log: {format: xml}\n") ==
        "log.format: expected text or json");
  CHECK(error_of(with_auth("{mode: managed-identity}") + "log: {colour: true}\n") ==
        "log.colour: unknown key");
}
