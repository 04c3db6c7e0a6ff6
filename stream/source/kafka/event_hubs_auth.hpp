#pragma once
// Authentication to Event Hubs' Kafka endpoint (docs/reference/integrations.md §2.1, §2.2):
//   connection-string: SASL_SSL + PLAIN, username "$ConnectionString",
//     password the connection string.
//   client-secret / workload-identity: SASL_SSL + OAUTHBEARER with Entra ID
//     tokens that rolewatch fetches itself (Debian's librdkafka 2.0.2 has no
//     OIDC) through librdkafka's token refresh callback, for the scope
//     https://<namespace>.servicebus.windows.net/.default.
//   managed-identity: the same OAUTHBEARER, with tokens from the managed
//     identity endpoint (IMDS, or App Service's / Container Apps'
//     IDENTITY_ENDPOINT) for the resource https://<namespace>.servicebus.windows.net.
#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "state/net/entra_token.hpp"
#include "state/net/http_client.hpp"
#include "stream/config/config.hpp"

namespace rolewatch::stream {

// "ns.servicebus.windows.net:9093,other:9093" -> "https://ns.servicebus.windows.net"
std::string event_hubs_resource(std::string_view brokers);

// The librdkafka properties for the auth mode (none: no properties).
std::vector<Property> auth_properties(const AuthConfig& auth);

// True for the modes whose tokens rolewatch fetches (client-secret,
// workload-identity, managed-identity).
bool uses_oauthbearer(AuthMode mode);

// The token settings for an OAUTHBEARER mode; `brokers` gives the default
// resource (auth.scope, when set, overrides it).
state::TokenConfig event_hubs_token_config(const AuthConfig& auth, std::string_view brokers);

// Serves librdkafka's OAUTHBEARER refresh callback from a TokenProvider.
// librdkafka calls it before the first connection and again at 80% of the
// lifetime reported here.
class EventHubsTokenRefresher : public RdKafka::OAuthBearerTokenRefreshCb {
 public:
  explicit EventHubsTokenRefresher(state::TokenConfig config);

  void oauthbearer_token_refresh_cb(RdKafka::Handle* handle, const std::string& config) override;

  std::uint64_t successes() const { return successes_.load(); }
  std::uint64_t failures() const { return failures_.load(); }

 private:
  state::HttpClient http_;
  state::TokenProvider tokens_;
  std::string principal_;
  std::atomic<std::uint64_t> successes_{0};
  std::atomic<std::uint64_t> failures_{0};
};

// The refresher for an OAUTHBEARER mode, or null. One refresher can serve
// several clients; it must outlive them.
std::unique_ptr<EventHubsTokenRefresher> make_token_refresher(const AuthConfig& auth,
                                                              std::string_view brokers);

// Installs the callback on `conf` and routes it to the SASL queue, so that
// enable_background_token_refresh() can serve it from librdkafka's
// background thread: a token exists before the first poll.
Status attach_token_refresher(RdKafka::Conf& conf, EventHubsTokenRefresher* refresher);

// After the client exists.
Status enable_background_token_refresh(RdKafka::Handle& handle);

}  // namespace rolewatch::stream
