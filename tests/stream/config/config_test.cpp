#include "stream/config/config.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <map>

#include "stream/config/config_redaction.hpp"
#include "stream/config/env_expansion.hpp"
#include "stream/delivery/sinks/sink_factory.hpp"
#include "support/env_lookup.hpp"
#include "support/temp_dir.hpp"

using rolewatch::stream::AssignmentMode;
using rolewatch::stream::AuthMode;
using rolewatch::stream::Config;
using rolewatch::stream::EnvLookup;
using rolewatch::stream::parse_config;

namespace {

// The design's minimal file (docs/design.md §4), verbatim.
constexpr const char* kMinimal = R"(source:
  brokers: 127.0.0.1:9092      # or "embedded"
  topic: insights-logs-auditlogs
  group: rolewatch
state:
  dir: ./state
http:
  listen: 127.0.0.1:9464       # /metrics, /healthz, /readyz
sinks:
  - type: file                 # alert JSON lines
    path: ./alerts.jsonl
  - type: webhook              # Standard Webhooks v1 signed
    url: http://127.0.0.1:8080/hook
    secret: ${WEBHOOK_SECRET}  # whsec_...
)";

EnvLookup env(std::map<std::string, std::string> values) {
  return support::env_lookup(std::move(values));
}

const EnvLookup kNoEnv = env({});

std::string error_of(const std::string& yaml, const EnvLookup& lookup = kNoEnv) {
  auto config = parse_config(yaml, lookup);
  REQUIRE_FALSE(config.has_value());
  return config.error().message;
}

std::string with_source(const std::string& extra) {
  return "source:\n  brokers: ns.servicebus.windows.net:9093\n  topic: t\n  group: g\n" + extra +
         "state: {dir: ./state}\n";
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("the design's minimal configuration loads as written", "[config]") {
  auto config = parse_config(kMinimal, env({{"WEBHOOK_SECRET", "whsec_c2VjcmV0"}}));
  REQUIRE(config.has_value());
  CHECK(config->source.brokers == "127.0.0.1:9092");
  CHECK(config->source.topic == "insights-logs-auditlogs");
  CHECK(config->source.group == "rolewatch");
  CHECK(config->source.assignment == AssignmentMode::group);
  CHECK(config->source.batch.max_messages == 500);
  CHECK(config->source.batch.max_bytes == 16u << 20);
  CHECK(config->source.batch.max_wait_ms == 100);
  CHECK(config->source.max_skew == std::chrono::minutes(15));
  CHECK(config->source.idle_after == std::chrono::seconds(30));
  CHECK(config->source.auth.mode == AuthMode::none);
  CHECK(config->state_dir == "./state");
  CHECK(config->http.listen == "127.0.0.1:9464");
  REQUIRE(config->sinks.size() == 2);
  CHECK(config->sinks[0].type == "file");
  CHECK(config->sinks[0].name == "file");
  CHECK(config->sinks[1].type == "webhook");
  CHECK(config->sinks[1].path == "sinks[1]");
  // Kept as written: the sink expands it when it reads the key.
  CHECK(config->sinks[1].node["secret"].as<std::string>() == "${WEBHOOK_SECRET}");
  CHECK_FALSE(config->rules.empty());  // the compiled-in rules
}

TEST_CASE("a missing required key is named with its path", "[config]") {
  CHECK(error_of("source: {brokers: b, group: g}\nstate: {dir: s}\n") ==
        "source.topic: required key is missing");
  CHECK(error_of("state: {dir: s}\n") == "source: required section is missing");
  CHECK(error_of("source: {brokers: b, topic: t, group: g}\n") ==
        "state: required section is missing");
}

TEST_CASE("a value of the wrong type is named with its path", "[config]") {
  CHECK(error_of("source: {brokers: b, topic: [a, b], group: g}\nstate: {dir: s}\n") ==
        "source.topic: expected a string");
  CHECK(error_of(with_source("  batch: {max_messages: lots}\n")) ==
        "source.batch.max_messages: expected an integer");
  CHECK(error_of(with_source("  batch: {max_wait_ms: -5}\n")) ==
        "source.batch.max_wait_ms: must be between 0 and 60000");
  CHECK(error_of(with_source("  properties: [a, b]\n")) ==
        "source.properties: expected a mapping (key: value pairs)");
  CHECK(error_of(with_source("") + "sinks: {type: file}\n") == "sinks: expected a list of sinks");
  CHECK(error_of(with_source("") + "http: {listen: 9464}\n") ==
        "http.listen: expected host:port, e.g. 127.0.0.1:9464");
}

TEST_CASE("event-time alignment takes durations for max_skew and idle_after", "[config]") {
  auto config = parse_config(with_source("  max_skew: PT5M\n  idle_after: 500ms\n"), kNoEnv);
  REQUIRE(config.has_value());
  CHECK(config->source.max_skew == std::chrono::minutes(5));
  CHECK(config->source.idle_after == std::chrono::milliseconds(500));
  CHECK(error_of(with_source("  max_skew: 0s\n")) == "source.max_skew: must be greater than 0");
  CHECK(error_of(with_source("  idle_after: soon\n")) ==
        "source.idle_after: expected a duration such as 500ms, 15s, 5m, 1h or PT1H");
}

TEST_CASE("the twin window is rules.twin_window, two minutes unless set", "[config]") {
  auto defaults = parse_config(with_source(""), kNoEnv);
  REQUIRE(defaults.has_value());
  CHECK(defaults->twin_window == std::chrono::minutes(2));
  auto config = parse_config(with_source("") + "rules: {twin_window: 90s}\n", kNoEnv);
  REQUIRE(config.has_value());
  CHECK(config->twin_window == std::chrono::seconds(90));
  CHECK(error_of(with_source("") + "rules: {twin_window: 0s}\n") ==
        "rules.twin_window: must be greater than 0");
}

TEST_CASE("the state volume's reserve and write-failure limit have documented defaults",
          "[config]") {
  const std::string source = "source: {brokers: embedded, topic: t, group: g}\n";
  auto defaults = parse_config(source + "state: {dir: ./state}\n", kNoEnv);
  REQUIRE(defaults.has_value());
  CHECK(defaults->state_limits.min_free_mb == 256);
  CHECK(defaults->state_limits.write_failure_exit_after == std::chrono::minutes(5));
  auto set = parse_config(
      source + "state: {dir: ./state, min_free_mb: 1024, write_failure_exit_after: 30s}\n", kNoEnv);
  REQUIRE(set.has_value());
  CHECK(set->state_limits.min_free_mb == 1024);
  CHECK(set->state_limits.write_failure_exit_after == std::chrono::seconds(30));
  CHECK_THAT(error_of(source + "state: {dir: ./state, min_free_mb: -1}\n"),
             Catch::StartsWith("state.min_free_mb:"));
  CHECK(error_of(source + "state: {dir: ./state, write_failure_exit_after: 0s}\n") ==
        "state.write_failure_exit_after: must be greater than 0");
  auto dumped = redacted_dump(*set);
  CHECK_THAT(dumped, Catch::Contains("min_free_mb: 1024"));
  CHECK_THAT(dumped, Catch::Contains("write_failure_exit_after: 30000ms"));
}

TEST_CASE("an unknown key is refused by name", "[config]") {
  CHECK(error_of(with_source("  topics: other\n")) == "source.topics: unknown key");
  CHECK(error_of(with_source("") + "metrics: {}\n") == "metrics: unknown key");
  CHECK(error_of(with_source("  batch: {max_message: 5}\n")) ==
        "source.batch.max_message: unknown key");
  CHECK(error_of(with_source("  auth: {mode: connection-string, connection_string: "
                             "'Endpoint=sb://x/', client_secret: s}\n")) ==
        "source.auth.client_secret: unknown key");
}

TEST_CASE("a sink of an unknown type is refused", "[config]") {
  // The type is the sink registry's to check (delivery/sinks/sink_factory).
  auto config = parse_config(with_source("") + "sinks:\n  - type: slack\n", kNoEnv);
  REQUIRE(config.has_value());
  auto sinks = rolewatch::stream::make_sinks(config->sinks);
  REQUIRE_FALSE(sinks.has_value());
  CHECK(sinks.error().message ==
        "sinks[0].type: unknown sink type \"slack\" (expected stdout, file, webhook, teams, "
        "alertmanager or log-analytics)");
  CHECK(error_of(with_source("") +
                 "sinks:\n  - {type: file, name: a}\n  - {type: stdout, name: a}\n") ==
        "sinks[1].name: duplicate sink name a (set a unique name)");
}

TEST_CASE("repeated sink types get distinct default names", "[config]") {
  auto config = parse_config(
      with_source("") + "sinks:\n  - {type: file, path: a}\n  - {type: file, path: b}\n", kNoEnv);
  REQUIRE(config.has_value());
  CHECK(config->sinks[0].name == "file");
  CHECK(config->sinks[1].name == "file-2");
}

TEST_CASE("environment variables are expanded with their defaults", "[config]") {
  auto lookup = env({{"HUB", "ns.servicebus.windows.net:9093"}, {"EMPTY", ""}});
  auto config = parse_config(
      "source:\n  brokers: ${HUB}\n  topic: ${TOPIC:-insights-logs-auditlogs}\n"
      "  group: rw-${EMPTY:-default}\n  batch: {max_messages: '${N:-250}'}\n"
      "state: {dir: /var/lib/$$rolewatch}\n",
      lookup);
  REQUIRE(config.has_value());
  CHECK(config->source.brokers == "ns.servicebus.windows.net:9093");
  CHECK(config->source.topic == "insights-logs-auditlogs");
  CHECK(config->source.group == "rw-default");
  CHECK(config->source.batch.max_messages == 250);
  CHECK(config->state_dir == "/var/lib/$rolewatch");
}

TEST_CASE("an unset environment variable is named and not guessed", "[config]") {
  CHECK(error_of(with_source("  auth: {mode: connection-string, connection_string: "
                             "'${EVENTHUB_CONNECTION_STRING}'}\n")) ==
        "source.auth.connection_string: environment variable EVENTHUB_CONNECTION_STRING is not "
        "set");
}

TEST_CASE("env expansion handles escapes and refuses malformed references", "[config]") {
  using rolewatch::stream::expand_env;
  auto lookup = env({{"A", "1"}});
  CHECK(*expand_env("x${A}y", lookup) == "x1y");
  CHECK(*expand_env("$$A and $A and $", lookup) == "$A and $A and $");
  CHECK(*expand_env("${B:-fallback}", lookup) == "fallback");
  CHECK_FALSE(expand_env("${A", lookup).has_value());
  CHECK_FALSE(expand_env("${1A}", lookup).has_value());
}

TEST_CASE("a connection string comes from the environment or a file", "[config]") {
  support::TempDir dir;
  const std::string secret =
      "Endpoint=sb://ns.servicebus.windows.net/"
      ";SharedAccessKeyName=listen;SharedAccessKey=c2VjcmV0a2V5";
  write_file(dir / "cs", secret + "\n");
  auto from_file =
      parse_config(with_source("  auth: {mode: connection-string, connection_string_file: " +
                               (dir / "cs").string() + "}\n"),
                   kNoEnv);
  REQUIRE(from_file.has_value());
  CHECK(from_file->source.auth.mode == AuthMode::connection_string);
  CHECK(from_file->source.auth.connection_string.reveal() == secret);  // newline dropped

  auto from_env =
      parse_config(with_source("  auth: {mode: connection-string, connection_string: '${CS}'}\n"),
                   env({{"CS", secret}}));
  REQUIRE(from_env.has_value());
  CHECK(from_env->source.auth.connection_string.reveal() == secret);
}

TEST_CASE("an unreadable secret file is an error naming the key and path", "[config]") {
  auto message = error_of(
      with_source("  auth: {mode: connection-string, connection_string_file: /nonexistent/cs}\n"));
  CHECK(message ==
        "source.auth.connection_string_file: cannot read /nonexistent/cs: No such file or "
        "directory");
  CHECK(error_of(with_source("  auth: {mode: client-secret, tenant_id: t, client_id: c, "
                             "client_secret: s, client_secret_file: /x}\n")) ==
        "source.auth.client_secret: set either client_secret or client_secret_file, not both");
}

TEST_CASE("client-secret and workload identity take AZURE_* defaults", "[config]") {
  support::TempDir dir;
  write_file(dir / "token", "eyJhbGciOi.federated.jwt");
  auto lookup = env({{"AZURE_TENANT_ID", "tenant-guid"},
                     {"AZURE_CLIENT_ID", "client-guid"},
                     {"AZURE_FEDERATED_TOKEN_FILE", (dir / "token").string()},
                     {"AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us/"}});
  auto wi = parse_config(with_source("  auth: {mode: workload-identity}\n"), lookup);
  REQUIRE(wi.has_value());
  CHECK(wi->source.auth.mode == AuthMode::workload_identity);
  CHECK(wi->source.auth.tenant_id == "tenant-guid");
  CHECK(wi->source.auth.client_id == "client-guid");
  CHECK(wi->source.auth.token_file == (dir / "token").string());
  CHECK(wi->source.auth.authority_host == "https://login.microsoftonline.us");

  CHECK(error_of(with_source("  auth: {mode: workload-identity}\n")) ==
        "source.auth.tenant_id: required key is missing (or set AZURE_TENANT_ID)");
  CHECK(error_of(with_source("  auth: {mode: client-secret, tenant_id: t, client_id: c}\n")) ==
        "source.auth.client_secret: required key is missing (or set client_secret_file, or "
        "AZURE_CLIENT_SECRET)");
  CHECK(error_of(with_source("  auth: {mode: kerberos}\n")) ==
        "source.auth.mode: expected connection-string, client-secret, workload-identity or "
        "managed-identity");
  CHECK(error_of(with_source("  auth: {mode: client-secret, tenant_id: t, client_id: c, "
                             "client_secret: s, authority_host: 'http://login.example'}\n")) ==
        "source.auth.authority_host: expected an https:// URL (plain http only to 127.0.0.1, "
        "[::1] or localhost)");
}

TEST_CASE("the embedded broker cannot be combined with authentication", "[config]") {
  CHECK(error_of("source: {brokers: embedded, topic: t, group: g, auth: {mode: "
                 "connection-string, connection_string: 'Endpoint=sb://x/'}}\nstate: {dir: s}\n") ==
        "source.auth: the embedded broker has no authentication: remove auth");
}

TEST_CASE("librdkafka properties pass through except the ones rolewatch manages", "[config]") {
  auto config =
      parse_config(with_source("  properties:\n    fetch.wait.max.ms: 25\n    client.id: pod-7\n"
                               "    ssl.key.password: hunter2\n"),
                   kNoEnv);
  REQUIRE(config.has_value());
  REQUIRE(config->source.properties.size() == 3);
  CHECK(config->source.properties[0].name == "fetch.wait.max.ms");
  CHECK(config->source.properties[0].value == "25");
  CHECK_FALSE(config->source.properties[0].sensitive);
  CHECK(config->source.properties[2].sensitive);
  CHECK(error_of(with_source("  properties: {enable.auto.offset.store: true}\n")) ==
        "source.properties.enable.auto.offset.store: set by rolewatch (use the source keys; "
        "offsets must stay manual)");
}

TEST_CASE("an unreadable rules file is a configuration error", "[config]") {
  CHECK(error_of(with_source("") + "rules: {files: [/nonexistent/rules.yaml]}\n") ==
        "rules: cannot read rules file /nonexistent/rules.yaml");
}

TEST_CASE("invalid YAML reports the line and not the text", "[config]") {
  auto message = error_of("source: {brokers: b\n  topic: [\n");
  CHECK(message.starts_with("config: invalid YAML at line "));
}

TEST_CASE("the redacted dump shows the settings and none of the secrets", "[config]") {
  const std::string connection =
      "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=l;SharedAccessKey=S3CRET-KEY";
  auto config = parse_config(
      with_source("  auth: {mode: connection-string, connection_string: '${CS}'}\n"
                  "  properties: {ssl.key.password: PROP-S3CRET, fetch.wait.max.ms: 25}\n") +
          "sinks:\n"
          "  - {type: webhook, url: 'http://127.0.0.1:8080/hook?token=URL-S3CRET', secret: "
          "whsec_V0VCSE9PSy1TM0NSRVQ=}\n"
          "  - {type: teams, url: 'https://x.logic.azure.com/workflows/1/triggers/manual/paths/"
          "invoke?api-version=2016-06-01&sig=TEAMS-S3CRET'}\n"
          "  - {type: webhook, name: soar, url: 'https://soar.example/hook', headers: "
          "{Authorization: 'Bearer HEADER-S3CRET'}}\n",
      env({{"CS", connection}}));
  REQUIRE(config.has_value());
  auto dump = rolewatch::stream::redacted_dump(*config);
  CHECK(dump.find("ns.servicebus.windows.net:9093") != std::string::npos);
  CHECK(dump.find("fetch.wait.max.ms: 25") != std::string::npos);
  CHECK(dump.find("<redacted>") != std::string::npos);
  for (const char* secret : {"S3CRET-KEY", "PROP-S3CRET", "URL-S3CRET", "V0VCSE9PSy1TM0NSRVQ",
                             "TEAMS-S3CRET", "HEADER-S3CRET"}) {
    INFO(secret);
    CHECK(dump.find(secret) == std::string::npos);
  }
}

TEST_CASE("URL credentials and query strings are redacted", "[config]") {
  using rolewatch::stream::redact_url;
  CHECK(redact_url("https://user:pw@host:8443/path?sig=abc") ==
        "https://<redacted>@host:8443/path?<redacted>");
  CHECK(redact_url("http://127.0.0.1:8080/hook") == "http://127.0.0.1:8080/hook");
}

TEST_CASE("the redacted dump shows the Graph settings without the client secret", "[config]") {
  auto config = parse_config(with_source("") +
                             "graph:\n  tenant_id: 11111111-2222-3333-4444-555555555555\n"
                             "  client_id: app-1\n  client_secret: GRAPH-S3CRET\n"
                             "  refresh_interval: 30m\n");
  REQUIRE(config.has_value());
  auto dump = rolewatch::stream::redacted_dump(*config);
  CHECK(dump.find("token_mode: client-secret") != std::string::npos);
  CHECK(dump.find("refresh_interval_s: 1800") != std::string::npos);
  CHECK(dump.find("client_secret: <redacted>") != std::string::npos);
  CHECK(dump.find("GRAPH-S3CRET") == std::string::npos);
}
