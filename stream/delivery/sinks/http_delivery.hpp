#pragma once
// What an HTTP answer means for a delivery, shared by every HTTP sink:
// any 2xx is success (Teams Workflows answer 202, Alertmanager 200);
// 408/425/429/5xx and transport errors are retried, honouring Retry-After;
// 401/403/404 are retried too, since they usually mean a configuration or
// permission that an operator fixes; other 4xx and 3xx (redirects are never
// followed) reject the alert for that sink.
#include <string>
#include <string_view>
#include <vector>

#include "state/net/http_client.hpp"
#include "stream/delivery/sink.hpp"
#include "stream/delivery/sinks/sink_settings.hpp"

namespace rolewatch::stream {

DeliveryOutcome classify_response(const state::HttpResponse& response, SystemTime now);

// Replaces every occurrence of the given secrets, and any `sig=` query value,
// with a placeholder: the last line of defence before text reaches a log.
std::string scrub(std::string text, const std::vector<std::string>& secrets);

// POSTs `body` as JSON to the sink's URL with its extra headers plus
// `headers`, and classifies the answer.
class JsonPoster {
 public:
  explicit JsonPoster(HttpSinkSettings settings);

  DeliveryOutcome post(const std::string& url, std::vector<state::HttpHeader> headers,
                       std::string body, const std::atomic<bool>* cancel = nullptr) const;
  const HttpSinkSettings& settings() const { return settings_; }
  const std::string& url() const { return settings_.url.reveal(); }
  std::string describe() const { return state::redact_url(settings_.url.reveal()); }

 private:
  HttpSinkSettings settings_;
  std::vector<std::string> secrets_;
  state::HttpClient client_;
};

}  // namespace rolewatch::stream
