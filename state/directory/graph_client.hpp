#pragma once
// Microsoft Graph over the project's HttpClient: bearer tokens from a
// TokenProvider, 429 and 5xx retried (Retry-After, else exponential backoff,
// bounded attempts), a 401 answered by fetching a new token once, paging via
// @odata.nextLink, and JSON batching (POST /$batch, 20 requests each).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "state/base/expected.hpp"
#include "state/net/backoff.hpp"
#include "state/net/entra_token.hpp"
#include "state/net/http_client.hpp"

namespace rolewatch::state {

struct GraphConfig {
  TokenConfig token;  // token.resource is set from base_url by GraphClient
  // National clouds: https://graph.microsoft.us, https://dod-graph.microsoft.us,
  // https://microsoftgraph.chinacloudapi.cn (with the matching token.authority).
  std::string base_url = "https://graph.microsoft.com";
  std::string api_version = "v1.0";
  std::chrono::seconds refresh_interval{3600};
  int max_attempts = 6;  // per request, including the first
  std::chrono::milliseconds initial_backoff{1'000};
  std::chrono::milliseconds max_backoff{60'000};
  std::chrono::milliseconds request_timeout{30'000};
  bool verify_tls = true;
  std::string ca_file;

  std::string api_root() const { return base_url + "/" + api_version; }
};

struct GraphCounters {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> throttled{0};      // 429 answers
  std::atomic<std::uint64_t> server_errors{0};  // 5xx answers
  std::atomic<std::uint64_t> token_fetches{0};
};

// One inner answer of a $batch: which request (its index), its status,
// body and Retry-After header.
struct BatchAnswer {
  std::size_t index = 0;
  long status = 0;
  nlohmann::json body;
  std::optional<std::string> retry_after;
};

// Checks a $batch answer to the requests `pending` (indexes sent as ids):
// never throws, whatever the body holds (a numeric id, no responses, wrong
// types): a malformed answer is an error.
Expected<std::vector<BatchAnswer>> parse_batch_answer(const std::string& body,
                                                      const std::vector<std::size_t>& pending);

class GraphClient {
 public:
  // Waits between attempts; the refresher passes one that wakes on stop and
  // returns false, which aborts the request.
  using Sleeper = std::function<bool(std::chrono::milliseconds)>;

  GraphClient(GraphConfig config, const HttpClient& http, Sleeper sleeper = {});

  // GET of a path below the API root ("/roleManagement/...") or of a full URL
  // below it (a nextLink); the parsed JSON body of a 2xx answer.
  Expected<nlohmann::json> get(const std::string& path_or_url);
  // Every item of every page of a collection, following @odata.nextLink.
  Expected<std::vector<nlohmann::json>> get_all(const std::string& path);
  // GETs of relative URLs ("/users/{id}?$select=...") through /$batch, 20 per
  // request; inner 429/5xx are retried. One body per URL, in order; null for
  // an inner 404 (the object is gone).
  Expected<std::vector<nlohmann::json>> batch_get(const std::vector<std::string>& urls);

  const GraphConfig& config() const { return config_; }
  const GraphCounters& counters() const { return counters_; }

 private:
  Expected<HttpResponse> send(HttpRequest request);
  Expected<HttpResponse> send_once(HttpRequest& request, bool& token_refreshed);
  std::chrono::milliseconds backoff(int attempt, const HttpResponse& response);
  bool wait(std::chrono::milliseconds delay);
  Expected<std::vector<nlohmann::json>> batch_chunk(const std::vector<std::string>& urls);

  GraphConfig config_;
  const HttpClient& http_;
  Backoff backoff_;  // Retry-After first, else exponential with full jitter
  TokenProvider tokens_;
  Sleeper sleeper_;
  GraphCounters counters_;
};

}  // namespace rolewatch::state
