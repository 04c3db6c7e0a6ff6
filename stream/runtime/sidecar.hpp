#pragma once
// Everything that runs beside the consumer loop in `rolewatch run`: the
// outbox sender and its sinks, metrics, /metrics /healthz /readyz and the
// report routes (off unless http.reports is configured), and the Graph
// eligibility refresher. It plugs into the loop through RunHooks, so the
// loop itself knows none of it.
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "stream/config/config.hpp"
#include "stream/delivery/outbox_sender.hpp"
#include "stream/ops/http_server.hpp"
#include "stream/ops/metrics.hpp"
#include "stream/ops/readiness.hpp"
#include "stream/runtime/eligibility_refresher.hpp"
#include "stream/runtime/runner.hpp"

namespace rolewatch::stream {

class Sidecar {
 public:
  // `sinks`: built from config.sinks by whoever checked the configuration
  // (app/setup/checked_config); empty: built here when the run starts.
  explicit Sidecar(const Config& config, std::vector<std::unique_ptr<Sink>> sinks = {});
  ~Sidecar();
  Sidecar(const Sidecar&) = delete;
  Sidecar& operator=(const Sidecar&) = delete;

  // Hooks bound to this object; it must outlive the run.
  RunHooks hooks();

 private:
  Status start(RunContext& context);
  Status start_http(const state::Store& store);
  void batch_committed(const BatchResult& result);
  void batch_failed();
  void state_condition(const StateCondition& condition);
  void assignment_changed(const std::vector<std::int32_t>& partitions);
  void kafka_stats(const std::string& json);
  void stop();

  const Config& config_;
  std::vector<std::unique_ptr<Sink>> sinks_;  // handed to the sender at start
  Metrics metrics_;
  Readiness readiness_;
  std::unique_ptr<OutboxSender> sender_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<HttpServer> reports_http_;  // http.reports.listen, when set
  std::unique_ptr<EligibilityRefresher> refresher_;
  std::mutex assigned_mutex_;  // kafka_stats runs on librdkafka's thread
  std::vector<std::int32_t> assigned_;
};

// The snapshot age and size when eligibility is imported from CSV rather
// than refreshed from Graph (one point read, on scrape).
RefreshStatus imported_snapshot_status(const state::Store& store);

// Whether any broker connection is up, from librdkafka's statistics JSON
// (brokers[].state of configured and learned brokers); nullopt when none is listed.
std::optional<bool> brokers_up_from_stats(const std::string& json);

// Per-partition consumer lag from librdkafka's statistics JSON (partition
// -1, the internal one, is skipped). Empty on unparseable input.
std::vector<std::pair<std::int32_t, std::int64_t>> consumer_lag_from_stats(const std::string& json);

}  // namespace rolewatch::stream
