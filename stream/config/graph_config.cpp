#include "stream/config/graph_config.hpp"

#include "state/base/time.hpp"
#include "state/net/url_check.hpp"
#include "stream/config/insecure_settings.hpp"
#include "stream/config/managed_identity_config.hpp"

namespace rolewatch::stream {
namespace {

// Credentials and tokens go to these URLs, so plain http is only for a local
// fake Graph in tests and demos, judged on the parsed URL (a prefix match
// once let `http://localhost@192.0.2.2/` through); never with user:password@.
// Refused outright: allow_insecure does not apply.
std::string url_setting(const ConfigNode& graph, const char* key, std::string fallback) {
  auto url = graph.optional_string(key).value_or(std::move(fallback));
  while (url.ends_with('/')) url.pop_back();
  if (auto status = state::check_https_or_loopback(url); !status) {
    graph.fail(key, status.error().message);
  }
  return url;
}

// The key, else the AZURE_* variable Azure's SDKs (and the AKS webhook) set.
std::string azure_setting(const ConfigNode& graph, const char* key, const char* variable) {
  if (auto value = graph.optional_string(key)) return *value;
  return graph.context().env(variable).value_or("");
}

state::TokenMode token_mode(const ConfigNode& graph, std::string_view key) {
  auto mode = graph.optional_string(key).value_or("client-secret");
  if (mode == "client-secret") return state::TokenMode::client_secret;
  if (mode == "workload-identity") return state::TokenMode::workload_identity;
  if (mode == "managed-identity") return state::TokenMode::managed_identity;
  graph.fail(key, "expected client-secret, workload-identity or managed-identity");
}

void read_credentials(const ConfigNode& graph, state::TokenConfig& token) {
  token.tenant_id = azure_setting(graph, "tenant_id", "AZURE_TENANT_ID");
  token.client_id = azure_setting(graph, "client_id", "AZURE_CLIENT_ID");
  token.authority = url_setting(
      graph, "authority",
      graph.context().env("AZURE_AUTHORITY_HOST").value_or("https://login.microsoftonline.com"));
  if (token.mode == state::TokenMode::managed_identity) {
    auto endpoint = read_managed_identity_endpoint(graph);
    token.managed_identity_endpoint = std::move(endpoint.url);
    token.identity_header = std::move(endpoint.identity_header);
    return;
  }
  if (token.tenant_id.empty()) graph.fail("tenant_id", "required key is missing");
  if (token.client_id.empty()) graph.fail("client_id", "required key is missing");
  if (token.mode == state::TokenMode::client_secret) {
    auto secret = graph.secret("client_secret");
    if (!secret || secret->empty()) {
      graph.fail("client_secret", "required key is missing (or set client_secret_file)");
    }
    token.client_secret = secret->reveal();
    return;
  }
  auto file = azure_setting(graph, "federated_token_file", "AZURE_FEDERATED_TOKEN_FILE");
  if (file.empty()) graph.fail("federated_token_file", "required key is missing");
  token.federated_token_file = graph.resolve_path(file).string();
}

std::int64_t duration_setting(const ConfigNode& graph, const char* key, std::int64_t fallback) {
  auto text = graph.optional_string(key);
  if (!text) return fallback;
  auto seconds = state::parse_duration_seconds(*text);
  if (!seconds || *seconds <= 0) graph.fail(key, "expected a duration such as 1h or PT30M");
  return *seconds;
}

}  // namespace

state::TokenConfig read_token_config(const ConfigNode& section, std::string_view mode_key) {
  state::TokenConfig token;
  token.mode = token_mode(section, mode_key);
  read_credentials(section, token);
  return token;
}

state::GraphConfig read_graph_config(const ConfigNode& graph) {
  graph.require_map();
  graph.allow_keys({"tenant_id", "client_id", "token_mode", "client_secret", "client_secret_file",
                    "federated_token_file", "managed_identity_endpoint", "base_url", "authority",
                    "refresh_interval", "max_attempts", "request_timeout", "ca_file",
                    "allow_insecure"});
  state::GraphConfig config;
  config.token = read_token_config(graph, "token_mode");
  config.base_url = url_setting(graph, "base_url", config.base_url);
  config.refresh_interval = std::chrono::seconds(duration_setting(graph, "refresh_interval", 3600));
  if (config.refresh_interval < std::chrono::minutes(1)) {
    graph.fail("refresh_interval", "must be at least 1m (Graph throttles)");
  }
  // 0 (no timeout) needs allow_insecure; otherwise within [1s, 10m].
  config.request_timeout = read_timeout(graph, "request_timeout", config.request_timeout);
  config.max_attempts = static_cast<int>(graph.integer("max_attempts", 6, 1, 20));
  if (auto ca = graph.optional_string("ca_file")) config.ca_file = graph.resolve_path(*ca).string();
  return config;
}

Expected<state::GraphConfig> parse_graph_config(const YAML::Node& node,
                                                const ConfigContext& context) {
  try {
    return read_graph_config(ConfigNode(node, "graph", context));
  } catch (const ConfigError& e) {
    return make_error(e.what());
  }
}

}  // namespace rolewatch::stream
