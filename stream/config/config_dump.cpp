// redacted_dump(): the effective configuration, safe to print.
#include <yaml-cpp/yaml.h>

#include "stream/config/config.hpp"
#include "stream/config/config_redaction.hpp"

namespace rolewatch::stream {
namespace {

const char* mode_name(AuthMode mode) {
  switch (mode) {
    case AuthMode::connection_string:
      return "connection-string";
    case AuthMode::client_secret:
      return "client-secret";
    case AuthMode::workload_identity:
      return "workload-identity";
    case AuthMode::managed_identity:
      return "managed-identity";
    case AuthMode::none:
      break;
  }
  return "none";
}

YAML::Node auth_node(const AuthConfig& auth) {
  YAML::Node node;
  node["mode"] = mode_name(auth.mode);
  switch (auth.mode) {
    case AuthMode::none:
      break;
    case AuthMode::connection_string:
      node["connection_string"] = kRedacted;
      break;
    case AuthMode::client_secret:
    case AuthMode::workload_identity:
      node["tenant_id"] = auth.tenant_id;
      node["client_id"] = auth.client_id;
      if (auth.mode == AuthMode::client_secret) node["client_secret"] = kRedacted;
      if (auth.mode == AuthMode::workload_identity) node["token_file"] = auth.token_file;
      node["authority_host"] = auth.authority_host;
      if (!auth.scope.empty()) node["scope"] = auth.scope;
      break;
    case AuthMode::managed_identity:
      if (!auth.client_id.empty()) node["client_id"] = auth.client_id;
      node["managed_identity_endpoint"] = redact_url(auth.managed_identity_endpoint);
      if (!auth.identity_header.empty()) node["identity_header"] = kRedacted;
      if (!auth.scope.empty()) node["scope"] = auth.scope;
      break;
  }
  return node;
}

// "15m", "30s" or "250ms": the largest unit that is exact, as the keys accept.
std::string duration_text(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

YAML::Node source_node(const SourceConfig& source) {
  YAML::Node node;
  node["brokers"] = source.brokers;
  node["topic"] = source.topic;
  node["group"] = source.group;
  node["assignment"] = source.assignment == AssignmentMode::group ? "group" : "static";
  if (source.embedded()) node["partitions"] = source.partitions;
  node["batch"]["max_messages"] = source.batch.max_messages;
  node["batch"]["max_bytes"] = source.batch.max_bytes;
  node["batch"]["max_wait_ms"] = source.batch.max_wait_ms;
  node["max_skew"] = duration_text(source.max_skew);
  node["idle_after"] = duration_text(source.idle_after);
  node["auth"] = auth_node(source.auth);
  YAML::Node properties(YAML::NodeType::Map);
  for (const auto& property : source.properties) {
    properties[property.name] = property.sensitive ? std::string(kRedacted) : property.value;
  }
  node["properties"] = properties;
  return node;
}

YAML::Node rules_node(const Config& config) {
  YAML::Node node;
  YAML::Node files(YAML::NodeType::Sequence);
  for (const auto& file : config.rule_files) files.push_back(file.string());
  node["files"] = files;
  YAML::Node loaded(YAML::NodeType::Sequence);
  for (const auto& rule : config.rules) loaded.push_back(rule.id);
  node["loaded"] = loaded;  // informational: the enabled rule ids
  YAML::Node activation(YAML::NodeType::Sequence);
  const auto& a = config.activation_rules;
  for (const auto* meta : {&a.synced_account, &a.without_eligibility, &a.new_ip}) {
    if (meta->enabled) activation.push_back(meta->id);
  }
  node["loaded_activation_rules"] = activation;  // informational: the enabled ones
  return node;
}

YAML::Node graph_node(const state::GraphConfig& graph) {
  YAML::Node node;
  const auto& token = graph.token;
  node["token_mode"] = std::string(state::to_string(token.mode));
  node["tenant_id"] = token.tenant_id;
  if (!token.client_id.empty()) node["client_id"] = token.client_id;
  switch (token.mode) {
    case state::TokenMode::client_secret:
      node["client_secret"] = kRedacted;
      break;
    case state::TokenMode::workload_identity:
      node["federated_token_file"] = token.federated_token_file;
      break;
    case state::TokenMode::managed_identity:
      node["managed_identity_endpoint"] = redact_url(token.managed_identity_endpoint);
      break;
  }
  node["authority"] = token.authority;
  node["base_url"] = graph.base_url;
  node["refresh_interval_s"] = graph.refresh_interval.count();
  node["max_attempts"] = graph.max_attempts;
  if (!graph.ca_file.empty()) node["ca_file"] = graph.ca_file;
  return node;
}

// The token itself never appears: only the file it was read from.
YAML::Node http_node(const HttpConfig& http) {
  YAML::Node node;
  node["listen"] = http.listen;
  if (!http.reports.enabled) return node;
  node["reports"]["enabled"] = true;
  if (!http.reports.listen.empty()) node["reports"]["listen"] = http.reports.listen;
  if (!http.reports.token_file.empty()) node["reports"]["token_file"] = http.reports.token_file;
  return node;
}

}  // namespace

std::string redacted_dump(const Config& config) {
  YAML::Node root;
  root["source"] = source_node(config.source);
  root["state"]["dir"] = config.state_dir.string();
  root["state"]["min_free_mb"] = config.state_limits.min_free_mb;
  root["state"]["write_failure_exit_after"] =
      std::to_string(config.state_limits.write_failure_exit_after.count()) + "ms";
  if (!config.http.listen.empty()) root["http"] = http_node(config.http);
  root["rules"] = rules_node(config);
  if (config.graph) root["graph"] = graph_node(*config.graph);
  YAML::Node sinks(YAML::NodeType::Sequence);
  for (const auto& sink : config.sinks) {
    auto node = redact_sink_node(sink.node);
    node["name"] = sink.name;
    sinks.push_back(node);
  }
  root["sinks"] = sinks;
  root["log"]["level"] = config.log.level;
  root["log"]["format"] = config.log.format == LogFormat::json ? "json" : "text";
  root["log"]["stats_interval_s"] = config.log.stats_interval_s;
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

}  // namespace rolewatch::stream
