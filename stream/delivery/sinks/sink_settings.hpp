#pragma once
// Reading a sink's own keys from its configuration node: durations, secret
// lists, secret-valued headers and the HTTP settings every HTTP sink shares.
// Errors are ConfigError naming the key path (never a value); the factory
// turns them into an Error at its boundary.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "state/net/http_client.hpp"
#include "stream/config/config_node.hpp"
#include "stream/config/config_sinks.hpp"
#include "stream/config/secret.hpp"

namespace rolewatch::stream {

// `key` as one string or a list, plus `key_file` as one path or a list (for
// key rotation: several keys sign side by side). Empty values are refused:
// they usually mean an unset environment variable.
std::vector<Secret> read_secrets(const ConfigNode& node, std::string_view key);

// Extra request headers whose values are secrets (bearer or API tokens):
//   headers:
//     Authorization: "Bearer ${SOAR_TOKEN}"
//     ph-auth-token: {value_file: /run/secrets/soar-token}
//     X-Api-Key: {value: "${KEY}", prefix: ""}
std::vector<state::HttpHeader> read_secret_headers(const ConfigNode& node, std::string_view key);

struct HttpSinkSettings {
  Secret url;  // may itself be a secret (Teams `sig=`); log redact_url(url.reveal())
  std::vector<state::HttpHeader> headers;  // extra headers; values are secrets
  std::chrono::milliseconds timeout{15'000};
  std::size_t concurrency = 2;
  std::chrono::milliseconds min_interval{0};
  state::HttpClientOptions client;

  // Every secret value, so that logs can be scrubbed of them.
  std::vector<std::string> secret_values() const;
};

// Keys: url | url_file, headers, timeout, concurrency, min_interval,
// tls_verify, ca_file, allow_insecure. Plain http to another host,
// `tls_verify: false` and `timeout: 0` (none) are insecure settings:
// refused unless the sink says `allow_insecure: true`, then warned about
// (stream/config/insecure_settings). Timeouts lie within [1s, 10m].
HttpSinkSettings read_http_settings(const ConfigNode& node, std::size_t default_concurrency,
                                    std::chrono::milliseconds default_min_interval);

// The part of read_http_settings after the URL and headers (timeout,
// concurrency, min_interval, tls_verify, ca_file), for sinks whose URL is
// built from other keys (log-analytics).
void read_transport_settings(const ConfigNode& node, HttpSinkSettings& settings,
                             std::size_t default_concurrency,
                             std::chrono::milliseconds default_min_interval);

}  // namespace rolewatch::stream
