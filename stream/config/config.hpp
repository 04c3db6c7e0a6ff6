#pragma once
// The `rolewatch run` configuration: one YAML file (docs/design.md §4), ${ENV}
// expansion, secrets from the environment or files, validated at load with
// errors that name the key path and never echo a value.
//
//   source:
//     brokers: <ns>.servicebus.windows.net:9093   # or "embedded"
//     topic: insights-logs-auditlogs
//     group: rolewatch
//     assignment: group          # group (cooperative-sticky) | static (all partitions, no group)
//     partitions: 4              # embedded only: partitions to create
//     batch: {max_messages: 500, max_bytes: 16777216, max_wait_ms: 100}
//     auth: {mode: connection-string | client-secret | workload-identity | managed-identity, ...}
//     properties: {librdkafka.property: value}   # verbatim, override the defaults
//   state: {dir: ./state, min_free_mb: 256, write_failure_exit_after: 5m}
//   http: {listen: 127.0.0.1:9464, reports: {token_file: ...}}   # http_config.hpp
//   rules: {files: [my-rules.yaml], twin_window: 2m}   # default: the compiled-in rules;
//                      # a file holds `rules:` and/or `activation_rules:` (rules_loader.hpp)
//   sinks: [{type: file, path: ./alerts.jsonl}, ...]   # each sink reads its own keys
//   delivery: {max_age: 24h, ...}                      # outbox sender (delivery_settings.hpp)
//   graph: {tenant_id: ..., ...}                        # eligibility refresher (graph_config.hpp)
//   log: {level: info, format: text, stats_interval_s: 60}   # format: text | json
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rules/activation_rules.hpp"
#include "rules/rule_definition.hpp"
#include "state/base/expected.hpp"
#include "state/directory/graph_client.hpp"
#include "stream/config/config_sinks.hpp"
#include "stream/config/delivery_settings.hpp"
#include "stream/config/env_expansion.hpp"
#include "stream/config/http_config.hpp"
#include "stream/config/secret.hpp"

namespace rolewatch::stream {

enum class AuthMode { none, connection_string, client_secret, workload_identity, managed_identity };

struct AuthConfig {
  AuthMode mode = AuthMode::none;
  Secret connection_string;  // connection-string: the SAS connection string
  // client-secret and workload-identity (Entra ID OAUTHBEARER):
  std::string tenant_id;
  std::string client_id;
  Secret client_secret;    // client-secret only
  std::string token_file;  // workload-identity: federated token, re-read on every fetch
  std::string authority_host = "https://login.microsoftonline.com";
  std::string scope;  // default: https://<bootstrap host>/.default
  // managed-identity (client_id above: a user-assigned identity, optional):
  std::string managed_identity_endpoint;  // stream/config/managed_identity_config.hpp
  Secret identity_header;                 // App Service / Container Apps
};

struct BatchConfig {
  std::size_t max_messages = 500;
  // A batch's messages stay in memory until it commits; Event Hubs messages
  // are up to 1 MB, so bytes bound the resident set where counts cannot.
  std::size_t max_bytes = 16u << 20;
  std::int64_t max_wait_ms = 100;
};

// group: a consumer group member (cooperative-sticky); partitions move
// between members. static: this instance reads every partition of the topic
// without joining the group (offsets are still committed under the group
// id for lag dashboards): no rebalance wait after a restart.
enum class AssignmentMode { group, static_all };

struct Property {
  std::string name;
  std::string value;
  bool sensitive = false;  // redacted in dumps and error messages
};

struct SourceConfig {
  std::string brokers;  // "host:port[,host:port]" or "embedded"
  std::string topic;
  std::string group;
  AssignmentMode assignment = AssignmentMode::group;
  int partitions = 4;  // embedded broker only
  BatchConfig batch;
  // Event-time alignment (docs/design.md §3): partitions further than max_skew ahead
  // of the watermark are paused; a caught-up partition quiet for idle_after
  // stops holding the watermark back.
  std::chrono::milliseconds max_skew{std::chrono::minutes(15)};
  std::chrono::milliseconds idle_after{std::chrono::seconds(30)};
  AuthConfig auth;
  std::vector<Property> properties;  // librdkafka properties, verbatim

  bool embedded() const { return brokers == "embedded"; }
};

// state.min_free_mb, state.write_failure_exit_after (stream/runtime/state_guard.hpp):
// below min_free_mb free on the state volume consumption pauses; failed
// writes are retried and end the run (exit 1) only after write_failure_exit_after.
struct StateLimits {
  std::uint64_t min_free_mb = 256;
  std::chrono::milliseconds write_failure_exit_after{std::chrono::minutes(5)};
};

// log.format: text lines, or one JSON object per line (stream/app/setup/log_format.hpp).
enum class LogFormat { text, json };

struct LogConfig {
  std::string level = "info";
  LogFormat format = LogFormat::text;
  std::int64_t stats_interval_s = 60;
};

struct Config {
  std::filesystem::path file;  // where it was loaded from
  SourceConfig source;
  std::filesystem::path state_dir;
  StateLimits state_limits;
  HttpConfig http;
  std::vector<std::filesystem::path> rule_files;  // empty = compiled-in rules
  std::vector<rules::RuleDefinition> rules;       // loaded and validated
  // The rule files' `activation_rules:` over the shipped ones (rules_loader.hpp).
  rules::ActivationRulesConfig activation_rules = rules::default_activation_rules();
  // rules.twin_window: how far apart an MS-PIM Core Directory record and its
  // PIM record may be and still pair as twins (docs/design.md §3).
  std::chrono::milliseconds twin_window{std::chrono::minutes(2)};
  std::vector<SinkConfig> sinks;            // each sink checks its keys when built
  DeliverySettings delivery;                // defaults when the section is absent
  std::optional<state::GraphConfig> graph;  // absent: no eligibility refresher
  LogConfig log;
  // The lookup the file was expanded with, for sections read later (sinks):
  // ConfigContext{config.env, {}}.
  EnvLookup env = process_env;
};

// Relative paths in the file (state dir, rule files, *_file secrets) are
// relative to the working directory, as on the command line.
Expected<Config> load_config(const std::filesystem::path& path, const EnvLookup& env = process_env);
Expected<Config> parse_config(const std::string& yaml_text, const EnvLookup& env = process_env);

// The effective configuration as YAML with every secret replaced by
// "<redacted>": safe to print and log.
std::string redacted_dump(const Config& config);

}  // namespace rolewatch::stream
