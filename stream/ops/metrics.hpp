#pragma once
// rolewatch's Prometheus metrics: one registry, one probe per component.
// Names follow the Prometheus conventions: `rolewatch_` prefix, `_total`
// counters, base units (seconds, bytes), bounded label sets (sink, rule,
// kind, reason, partition), never an actor or user id.
//
// The run loop feeds the consumption probe after each committed batch; the
// outbox sender feeds the delivery probe; the HTTP server serializes the
// registry on every scrape.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/alert.hpp"
#include "rules/role_event.hpp"
#include "stream/ops/refresh_status.hpp"
#include "stream/pipeline/pipeline.hpp"
#include "stream/source/event_clock.hpp"
#include "stream/source/source_message.hpp"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace rolewatch::stream {

// Why a delivery attempt failed; a bounded label.
enum class DeliveryFailure { transient, throttled, permanent, expired };
std::string_view to_string(DeliveryFailure reason);

// Fed by the outbox sender. Thread-safe.
class DeliveryProbe {
 public:
  explicit DeliveryProbe(prometheus::Registry& registry);
  ~DeliveryProbe();

  // Creates the per-sink series up front, so they read 0 rather than absent.
  void add_sink(const std::string& sink);
  // attempt: the one successful request; since_detection: from the alert's
  // detectedAt to now (queueing and retries included).
  void delivered(const std::string& sink, double attempt_seconds, double since_detection_seconds);
  void failed(const std::string& sink, DeliveryFailure reason);
  // A burst revision the sink needs no request for (updates: false, rate
  // limited, superseded by a newer revision).
  void revision_skipped(const std::string& sink);
  void set_sink_pending(const std::string& sink, std::size_t alerts);
  void set_outbox_pending(std::size_t alerts);
  void dead_lettered(std::size_t alerts);
  void set_dead_letters(std::size_t stored);

 private:
  struct SinkSeries;
  SinkSeries& series(const std::string& sink);

  prometheus::Registry& registry_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<SinkSeries>, std::less<>> sinks_;
  prometheus::Family<prometheus::Counter>* deliveries_;
  prometheus::Family<prometheus::Counter>* failures_;
  prometheus::Family<prometheus::Counter>* skipped_;
  prometheus::Family<prometheus::Histogram>* attempt_seconds_;
  prometheus::Family<prometheus::Histogram>* delay_seconds_;
  prometheus::Family<prometheus::Gauge>* sink_pending_;
  prometheus::Gauge* outbox_pending_;
  prometheus::Counter* dead_lettered_;
  prometheus::Gauge* dead_letters_;
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }
  DeliveryProbe& delivery() { return *delivery_; }

  // After each committed batch: its counters, bytes, role events by kind,
  // alerts by rule and their latencies, batch and RocksDB write durations.
  void record_batch(const BatchResult& result);
  // Creates the per-rule alert series up front, so they read 0 rather than absent.
  void declare_rules(const std::vector<std::string>& rule_ids);
  void record_state_write_failure();
  // When the state stops or starts taking batches (stream/runtime/state_guard.hpp).
  void set_state_condition(bool low_disk, bool paused);
  // Called on every scrape: the Graph refresher's status (snapshot age,
  // refreshes by result, Graph requests and throttling).
  void set_eligibility_source(std::function<RefreshStatus()> source);

  // Per assigned partition: its event time, skew from the watermark and
  // whether it is paused; partitions no longer listed lose their series.
  void set_alignment(const AlignmentStatus& status);

  void set_consumer_lag(std::int32_t partition, std::int64_t messages);
  void remove_consumer_lag(std::int32_t partition);  // partition revoked
  // Called on every scrape, e.g. [&store] { return store.estimated_bytes(); }.
  void set_state_size_source(std::function<std::uint64_t()> source);

  // Prometheus text exposition format (0.0.4) of everything registered.
  std::string scrape();

 private:
  struct Series;
  void refresh_before_scrape();
  void refresh_eligibility(const RefreshStatus& status);  // with mutex_ held

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Series> series_;
  std::unique_ptr<DeliveryProbe> delivery_;
  std::atomic<rules::EventTime> watermark_{0};
  std::mutex mutex_;  // per-partition series and the size source
  std::map<std::int32_t, prometheus::Gauge*> lag_;
  struct PartitionSeries {
    prometheus::Gauge* time = nullptr;
    prometheus::Gauge* skew = nullptr;
  };
  std::map<std::int32_t, PartitionSeries> partition_series_;
  std::function<std::uint64_t()> state_size_source_;
  std::atomic<bool> state_low_{false};  // counted once per fall below the reserve
  std::function<RefreshStatus()> eligibility_source_;
  RefreshStatus eligibility_seen_;  // counters already added to the registry
  // rolewatch_background_errors_total{thread}: process-wide counts
  // (ops/background_errors) copied in on every scrape.
  struct BackgroundSeries;
  std::unique_ptr<BackgroundSeries> background_;
};

}  // namespace rolewatch::stream
