#pragma once
// The `http:` section of the configuration file: where /metrics, /healthz
// and /readyz listen, and whether and how the reports (/v1/reports/..., an
// inventory of privileged accounts) are served. Reports are off unless a
// `reports:` mapping is present; then they need a bearer token, or a
// separate listener on a loopback address (docs/configuration.md#http).
//
//   http:
//     listen: 127.0.0.1:9464            # /metrics, /healthz, /readyz
//     reports:
//       enabled: true                   # default true once the mapping is present
//       token_file: /run/secrets/rolewatch-reports   # Authorization: Bearer <token>
//       listen: 127.0.0.1:9465          # optional: a listener of their own
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "state/base/expected.hpp"
#include "stream/config/config_node.hpp"
#include "stream/config/secret.hpp"

namespace rolewatch::stream {

// A token shorter than this is refused: reports name every privileged account.
inline constexpr std::size_t kMinReportTokenBytes = 16;

struct ReportsConfig {
  bool enabled = false;
  std::optional<Secret> token;  // from token_file; required unless listen is loopback
  std::string token_file;       // where the token came from (for the dump)
  std::string listen;           // "host:port"; empty: served on http.listen
};

struct HttpConfig {
  std::string listen;  // "host:port"; empty = no HTTP server
  ReportsConfig reports;
};

// "host:port" or "[v6]:port" -> host and port (0..65535); errors quote the
// value, which is an address, never a secret.
Expected<std::pair<std::string, int>> parse_listen_address(const std::string& listen);

// For the config loader: reads root's `http:` (absent: no server), throws
// ConfigError naming the key like the other section readers.
HttpConfig read_http(const ConfigNode& root);

}  // namespace rolewatch::stream
