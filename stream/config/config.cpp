#include "stream/config/config.hpp"

#include <algorithm>
#include <iostream>
#include <set>

#include "state/net/url_check.hpp"
#include "stream/config/config_node.hpp"
#include "stream/config/config_redaction.hpp"
#include "stream/config/config_sinks.hpp"
#include "stream/config/graph_config.hpp"
#include "stream/config/http_config.hpp"
#include "stream/config/insecure_settings.hpp"
#include "stream/config/managed_identity_config.hpp"
#include "stream/config/rules_loader.hpp"

namespace rolewatch::stream {
namespace {

constexpr std::string_view kDefaultAuthority = "https://login.microsoftonline.com";

// Properties rolewatch owns: changing them would break exactly-once offsets
// (enable.auto.offset.store), or they have a config key of their own.
const std::set<std::string, std::less<>> kManagedProperties = {
    "bootstrap.servers", "group.id", "enable.auto.offset.store", "enable.partition.eof"};

std::string env_or(const ConfigContext& context, const char* name, std::string fallback) {
  auto value = context.env(name);
  return value && !value->empty() ? *value : fallback;
}

// Entra settings: the key, else the AZURE_* variable Azure's SDKs read.
std::string azure_setting(const ConfigNode& auth, std::string_view key, const char* variable) {
  if (auto value = auth.optional_string(key)) return *value;
  auto value = env_or(auth.context(), variable, "");
  if (value.empty()) {
    auth.fail(key, std::string("required key is missing (or set ") + variable + ")");
  }
  return value;
}

void read_authority(const ConfigNode& auth, AuthConfig& config) {
  config.authority_host =
      auth.optional_string("authority_host")
          .value_or(env_or(auth.context(), "AZURE_AUTHORITY_HOST", std::string(kDefaultAuthority)));
  while (config.authority_host.ends_with('/')) config.authority_host.pop_back();
  // Plain HTTP is only for a token endpoint on this host (tests), judged on
  // the parsed URL (state/net/url_check), never on a prefix.
  if (auto status = state::check_https_or_loopback(config.authority_host); !status) {
    auth.fail("authority_host", status.error().message);
  }
  config.scope = auth.optional_string("scope").value_or("");
}

AuthConfig read_connection_string_auth(const ConfigNode& auth) {
  auth.allow_keys({"mode", "connection_string", "connection_string_file"});
  AuthConfig config;
  config.mode = AuthMode::connection_string;
  auto secret = auth.secret("connection_string");
  if (!secret || secret->empty()) {
    auth.fail("connection_string", "required key is missing (or set connection_string_file)");
  }
  if (!secret->reveal().starts_with("Endpoint=")) {
    auth.fail("connection_string", "expected an Event Hubs connection string (Endpoint=sb://...)");
  }
  config.connection_string = std::move(*secret);
  return config;
}

AuthConfig read_client_secret_auth(const ConfigNode& auth) {
  auth.allow_keys({"mode", "tenant_id", "client_id", "client_secret", "client_secret_file",
                   "authority_host", "scope"});
  AuthConfig config;
  config.mode = AuthMode::client_secret;
  config.tenant_id = azure_setting(auth, "tenant_id", "AZURE_TENANT_ID");
  config.client_id = azure_setting(auth, "client_id", "AZURE_CLIENT_ID");
  auto secret = auth.secret("client_secret");
  if (!secret) {
    auto from_env = auth.context().env("AZURE_CLIENT_SECRET");
    if (from_env) secret = Secret(*from_env);
  }
  if (!secret || secret->empty()) {
    auth.fail("client_secret",
              "required key is missing (or set client_secret_file, or AZURE_CLIENT_SECRET)");
  }
  config.client_secret = std::move(*secret);
  read_authority(auth, config);
  return config;
}

AuthConfig read_workload_identity_auth(const ConfigNode& auth) {
  auth.allow_keys({"mode", "tenant_id", "client_id", "token_file", "authority_host", "scope"});
  AuthConfig config;
  config.mode = AuthMode::workload_identity;
  config.tenant_id = azure_setting(auth, "tenant_id", "AZURE_TENANT_ID");
  config.client_id = azure_setting(auth, "client_id", "AZURE_CLIENT_ID");
  config.token_file =
      auth.resolve_path(azure_setting(auth, "token_file", "AZURE_FEDERATED_TOKEN_FILE"));
  // Re-read on every token fetch; checked now so a wrong path fails at start.
  std::string reason;
  if (!read_text_file(config.token_file, reason)) {
    auth.fail("token_file", "cannot read " + config.token_file + ": " + reason);
  }
  read_authority(auth, config);
  return config;
}

// No tenant and no secret: the platform's identity endpoint answers for the
// identity attached to this VM or app (client_id picks a user-assigned one).
AuthConfig read_managed_identity_auth(const ConfigNode& auth) {
  auth.allow_keys({"mode", "client_id", "managed_identity_endpoint", "scope"});
  AuthConfig config;
  config.mode = AuthMode::managed_identity;
  config.client_id =
      auth.optional_string("client_id").value_or(env_or(auth.context(), "AZURE_CLIENT_ID", ""));
  auto endpoint = read_managed_identity_endpoint(auth);
  config.managed_identity_endpoint = std::move(endpoint.url);
  config.identity_header = Secret(std::move(endpoint.identity_header));
  config.scope = auth.optional_string("scope").value_or("");
  return config;
}

AuthConfig read_auth(const ConfigNode& source) {
  if (!source.has("auth")) return {};
  auto auth = source.child("auth");
  auth.require_map();
  auto mode = auth.string("mode");
  if (mode == "connection-string") return read_connection_string_auth(auth);
  if (mode == "client-secret") return read_client_secret_auth(auth);
  if (mode == "workload-identity") return read_workload_identity_auth(auth);
  if (mode == "managed-identity") return read_managed_identity_auth(auth);
  auth.fail("mode",
            "expected connection-string, client-secret, workload-identity or managed-identity");
}

// Verbatim librdkafka properties; the insecure ones (plaintext to a remote
// broker, certificate checks off) need source.allow_insecure.
std::vector<Property> read_properties(const ConfigNode& source, bool local) {
  std::vector<Property> properties;
  if (!source.has("properties")) return properties;
  auto node = source.child("properties");
  node.require_map();
  for (const auto& entry : node.yaml()) {
    auto name = entry.first.as<std::string>();
    if (kManagedProperties.contains(name)) {
      node.fail(name, "set by rolewatch (use the source keys; offsets must stay manual)");
    }
    auto value = node.child(name).scalar();
    check_kafka_property(source, name, value, local);
    properties.push_back({name, std::move(value), is_sensitive_property(name)});
  }
  return properties;
}

BatchConfig read_batch(const ConfigNode& source) {
  BatchConfig batch;
  if (!source.has("batch")) return batch;
  auto node = source.child("batch");
  node.allow_keys({"max_messages", "max_bytes", "max_wait_ms"});
  batch.max_messages = static_cast<std::size_t>(node.integer("max_messages", 500, 1, 100000));
  batch.max_bytes =
      static_cast<std::size_t>(node.integer("max_bytes", 16 << 20, 1 << 10, std::int64_t{1} << 30));
  batch.max_wait_ms = node.integer("max_wait_ms", 100, 0, 60000);
  return batch;
}

SourceConfig read_source(const ConfigNode& root) {
  if (!root.has("source")) root.fail("source", "required section is missing");
  auto source = root.child("source");
  source.allow_keys({"brokers", "topic", "group", "assignment", "partitions", "batch", "max_skew",
                     "idle_after", "auth", "properties", "allow_insecure"});
  SourceConfig config;
  config.brokers = source.string("brokers");
  config.topic = source.string("topic");
  config.group = source.string("group");
  if (config.brokers.empty()) source.fail("brokers", "must not be empty");
  if (config.topic.empty()) source.fail("topic", "must not be empty");
  if (config.group.empty()) source.fail("group", "must not be empty");
  auto assignment = source.optional_string("assignment").value_or("group");
  if (assignment == "static") {
    config.assignment = AssignmentMode::static_all;
  } else if (assignment != "group") {
    source.fail("assignment", "expected group or static");
  }
  config.partitions = static_cast<int>(source.integer("partitions", 4, 1, 1024));
  config.batch = read_batch(source);
  config.max_skew = read_duration(source, "max_skew", config.max_skew);
  if (config.max_skew.count() <= 0) source.fail("max_skew", "must be greater than 0");
  config.idle_after = read_duration(source, "idle_after", config.idle_after);
  config.auth = read_auth(source);
  if (config.embedded() && config.auth.mode != AuthMode::none) {
    source.fail("auth", "the embedded broker has no authentication: remove auth");
  }
  config.properties = read_properties(source, local_brokers(config.brokers));
  return config;
}

void read_state(const ConfigNode& root, Config& config) {
  if (!root.has("state")) root.fail("state", "required section is missing");
  auto state = root.child("state");
  state.allow_keys({"dir", "min_free_mb", "write_failure_exit_after"});
  auto dir = state.string("dir");
  if (dir.empty()) state.fail("dir", "must not be empty");
  config.state_dir = state.resolve_path(dir);
  auto& limits = config.state_limits;
  limits.min_free_mb = static_cast<std::uint64_t>(
      state.integer("min_free_mb", static_cast<std::int64_t>(limits.min_free_mb), 0, 1 << 20));
  limits.write_failure_exit_after =
      read_duration(state, "write_failure_exit_after", limits.write_failure_exit_after);
  if (limits.write_failure_exit_after.count() <= 0) {
    state.fail("write_failure_exit_after", "must be greater than 0");
  }
}

void read_rules(const ConfigNode& root, Config& config) {
  if (root.has("rules")) {
    auto node = root.child("rules");
    node.allow_keys({"files", "twin_window"});
    for (const auto& file : node.string_list("files")) {
      config.rule_files.push_back(node.resolve_path(file));
    }
    config.twin_window = read_duration(node, "twin_window", config.twin_window);
    if (config.twin_window.count() <= 0) node.fail("twin_window", "must be greater than 0");
  }
  auto loaded = load_rule_set(config.rule_files);
  if (!loaded) root.fail("rules", loaded.error().message);
  config.rules = std::move(loaded->bursts);
  config.activation_rules = std::move(loaded->activation);
}

LogConfig read_log(const ConfigNode& root) {
  LogConfig log;
  if (!root.has("log")) return log;
  auto node = root.child("log");
  node.allow_keys({"level", "format", "stats_interval_s"});
  log.level = node.optional_string("level").value_or("info");
  static const std::set<std::string, std::less<>> levels = {"trace", "debug",    "info", "warn",
                                                            "error", "critical", "off"};
  if (!levels.contains(log.level)) {
    node.fail("level", "expected trace, debug, info, warn, error, critical or off");
  }
  auto format = node.optional_string("format").value_or("text");
  if (format != "text" && format != "json") node.fail("format", "expected text or json");
  log.format = format == "json" ? LogFormat::json : LogFormat::text;
  log.stats_interval_s = node.integer("stats_interval_s", 60, 0, 86400);
  return log;
}

Config read_config(const ConfigNode& root) {
  root.allow_keys({"source", "state", "http", "rules", "sinks", "delivery", "graph", "log"});
  Config config;
  config.source = read_source(root);
  read_state(root, config);
  config.http = read_http(root);
  read_rules(root, config);
  config.sinks = read_sinks(root);
  if (root.has("delivery")) config.delivery = read_delivery_settings(root.child("delivery"));
  if (root.has("graph")) config.graph = read_graph_config(root.child("graph"));
  config.log = read_log(root);
  return config;
}

}  // namespace

Expected<Config> parse_config(const std::string& yaml_text, const EnvLookup& env) {
  ConfigContext context{env, {}};
  try {
    auto document = YAML::Load(yaml_text);
    if (!document.IsDefined() || document.IsNull()) return make_error("config: the file is empty");
    auto config = read_config(ConfigNode(document, "", context));
    config.env = env;
    return config;
  } catch (const ConfigError& e) {
    return make_error(e.what());
  } catch (const YAML::Exception& e) {
    // yaml-cpp messages carry line and column, not the offending text.
    return make_error("config: invalid YAML at line " + std::to_string(e.mark.line + 1) +
                      ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

Expected<Config> load_config(const std::filesystem::path& path, const EnvLookup& env) {
  std::string reason;
  auto text = read_text_file(path, reason);
  if (!text) return make_error("cannot read config file " + path.string() + ": " + reason);
  auto config = parse_config(*text, env);
  if (!config) return make_error(path.string() + ": " + config.error().message);
  config->file = path;
  return config;
}

}  // namespace rolewatch::stream
