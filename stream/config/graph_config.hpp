#pragma once
// The `graph:` section of the configuration file:
//
//   graph:
//     tenant_id: ${AZURE_TENANT_ID}
//     client_id: ${AZURE_CLIENT_ID}
//     token_mode: client-secret        # | workload-identity | managed-identity
//     client_secret: ${GRAPH_CLIENT_SECRET}   # or client_secret_file: /run/secrets/graph
//     federated_token_file: ${AZURE_FEDERATED_TOKEN_FILE}   # workload-identity
//     managed_identity_endpoint: http://169.254.169.254/metadata/identity/oauth2/token
//     base_url: https://graph.microsoft.com    # national clouds: graph.microsoft.us, ...
//     authority: https://login.microsoftonline.com
//     refresh_interval: 1h
//     max_attempts: 6
//     request_timeout: 30s                     # 1s to 10m; 0 (none) needs allow_insecure
//     ca_file: /etc/ssl/certs/corp.pem          # optional
//     allow_insecure: false
//
// base_url, authority and managed_identity_endpoint receive credentials:
// https, or plain http to this machine only (the parsed host, never a
// prefix; IMDS's 169.254.169.254 for managed identity), never user@.
//
// Workload identity falls back to AZURE_TENANT_ID, AZURE_CLIENT_ID,
// AZURE_FEDERATED_TOKEN_FILE and AZURE_AUTHORITY_HOST (set by the AKS
// webhook); managed identity uses IDENTITY_ENDPOINT/IDENTITY_HEADER (App
// Service) when set and no endpoint is configured.
#include <yaml-cpp/yaml.h>

#include "state/base/expected.hpp"
#include "state/directory/graph_client.hpp"
#include "stream/config/config_node.hpp"

namespace rolewatch::stream {

// `node` is the `graph:` mapping. Errors name the key, never a value.
Expected<state::GraphConfig> parse_graph_config(const YAML::Node& node,
                                                const ConfigContext& context = {});
// The Entra credentials of a section that fetches tokens: the mode under
// `mode_key` (graph: token_mode; a log-analytics sink's auth: mode), then
// tenant_id, client_id, client_secret(_file), federated_token_file,
// managed_identity_endpoint and authority as described above. One reader,
// so that every section takes the same modes and keys. Throws ConfigError.
state::TokenConfig read_token_config(const ConfigNode& section, std::string_view mode_key);
// For the config loader: throws ConfigError like the other section readers.
state::GraphConfig read_graph_config(const ConfigNode& node);

}  // namespace rolewatch::stream
