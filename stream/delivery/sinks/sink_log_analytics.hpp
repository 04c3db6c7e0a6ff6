#pragma once
// `log-analytics`: alert revisions as rows of a Log Analytics custom table
// (Microsoft Sentinel) through the Logs Ingestion API (integrations.md §8):
// POST {endpoint}/dataCollectionRules/{dcr_immutable_id}/streams/{stream}
// ?api-version=2023-01-01, a gzipped JSON array of rows
// (stream/delivery/sinks/log_analytics_rows), an Entra ID bearer token for
// https://monitor.azure.com (state/net/entra_token), 204 on success.
//
//   - type: log-analytics
//     endpoint: https://rolewatch-abcd.westeurope-1.ingest.monitor.azure.com
//     dcr_immutable_id: dcr-00000000000000000000000000000000
//     stream: Custom-RolewatchAlerts          # the default
//     auth: {mode: client-secret, tenant_id: ..., client_id: ..., client_secret: ...}
//
// Batching: the outbox sender hands a sink one alert per deliver() call, on
// up to concurrency() threads. Calls that arrive while a request is in
// flight wait and go out together in the next request (group commit), so a
// burst of alerts costs a few requests while a lone alert goes out at once.
// A request carries at most kMaxCallBytes of uncompressed JSON (the API's
// 1 MB applies to compressed and uncompressed bodies alike); every alert of
// a request gets that request's outcome. The API does not deduplicate: a
// retry after an unconfirmed 204 can duplicate rows, which carry
// DeliveryId for queries to dedupe.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "state/net/entra_token.hpp"
#include "stream/config/config_node.hpp"
#include "stream/delivery/sink.hpp"
#include "stream/delivery/sinks/http_delivery.hpp"

namespace rolewatch::stream {

inline constexpr std::size_t kMaxCallBytes = 1'000'000;
inline constexpr std::string_view kDefaultLogStream = "Custom-RolewatchAlerts";
inline constexpr std::string_view kLogsIngestionApiVersion = "2023-01-01";

// What the sink has sent so far (requests that got an answer or failed).
struct LogIngestionStats {
  std::uint64_t calls = 0;
  std::uint64_t rows = 0;
  std::uint64_t raw_bytes = 0;   // JSON before gzip
  std::uint64_t sent_bytes = 0;  // gzip bodies on the wire
  std::uint64_t max_rows_per_call = 0;
  std::uint64_t max_sent_bytes_per_call = 0;
};

class LogAnalyticsSink : public Sink {
 public:
  static std::unique_ptr<Sink> make(const std::string& name, const ConfigNode& node);
  ~LogAnalyticsSink() override;

  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "log-analytics"; }
  // The URL without its query (api-version is no secret, but URLs are logged without it).
  std::string describe() const override { return poster_.url().substr(0, poster_.url().find('?')); }
  DeliveryOutcome deliver(const DeliveryRequest& request) override;
  std::size_t concurrency() const override { return poster_.settings().concurrency; }

  LogIngestionStats stats() const;

 private:
  struct Pending;
  LogAnalyticsSink(std::string name, HttpSinkSettings settings, state::TokenConfig token);

  std::deque<Pending*> take_batch();
  DeliveryOutcome send(const std::deque<Pending*>& batch, const std::atomic<bool>* cancel);
  DeliveryOutcome post(std::string body, const std::atomic<bool>* cancel);

  std::string name_;
  JsonPoster poster_;
  state::HttpClient token_http_;
  state::TokenProvider tokens_;

  mutable std::mutex mutex_;
  std::condition_variable sent_;
  std::deque<Pending*> queue_;  // rows waiting for a request, oldest first
  bool sending_ = false;        // one thread is sending a request
  LogIngestionStats stats_;
};

}  // namespace rolewatch::stream
