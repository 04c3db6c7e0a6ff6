#include "stream/ops/metrics.hpp"

#include <librdkafka/rdkafka.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <rocksdb/version.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "stream/ops/background_errors.hpp"

namespace rolewatch::stream {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using Buckets = prometheus::Histogram::BucketBoundaries;

// One request or one write: sub-millisecond to a minute.
const Buckets kFastBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                              0.25,   0.5,   1,      2.5,   5,    10,    30,   60};
// Detection to delivery, including retries through an outage: up to a day.
const Buckets kDelayBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,  1,     2.5,
                               5,     10,   30,    60,   300, 900,  3600, 14400, 86400};
// Entra records reach Event Hubs minutes after the activity.
const Buckets kEventBuckets = {0.1, 0.25, 0.5, 1,   2.5,  5,    10,  30,
                               60,  120,  300, 600, 1800, 3600, 7200};

double seconds_since_epoch() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

// process_start_time_seconds: taken during static initialisation, before
// main(), and shared by every Metrics of the process. Rules compare against
// it to tell "just restarted" from "silent for hours" (docs/metrics.md).
const double kProcessStart = seconds_since_epoch();

prometheus::Counter& counter(prometheus::Registry& registry, const std::string& name,
                             const std::string& help) {
  return BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

prometheus::Gauge& gauge(prometheus::Registry& registry, const std::string& name,
                         const std::string& help) {
  return BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

prometheus::Histogram& histogram(prometheus::Registry& registry, const std::string& name,
                                 const std::string& help, const Buckets& buckets) {
  return BuildHistogram().Name(name).Help(help).Register(registry).Add({}, buckets);
}

std::string build_version() {
  return std::to_string(ROCKSDB_MAJOR) + "." + std::to_string(ROCKSDB_MINOR) + "." +
         std::to_string(ROCKSDB_PATCH);
}

}  // namespace

std::string_view to_string(DeliveryFailure reason) {
  switch (reason) {
    case DeliveryFailure::transient:
      return "transient";
    case DeliveryFailure::throttled:
      return "throttled";
    case DeliveryFailure::permanent:
      return "permanent";
    case DeliveryFailure::expired:
      return "expired";
  }
  return "transient";
}

// ---- delivery ----

struct DeliveryProbe::SinkSeries {
  prometheus::Counter* deliveries;
  std::array<prometheus::Counter*, 4> failures;
  prometheus::Histogram* attempt_seconds;
  prometheus::Histogram* delay_seconds;
  prometheus::Gauge* pending;
  prometheus::Counter* skipped;
};

DeliveryProbe::DeliveryProbe(prometheus::Registry& registry) : registry_(registry) {
  deliveries_ = &BuildCounter()
                     .Name("rolewatch_alert_deliveries_total")
                     .Help("Alerts a sink accepted (2xx, or written)")
                     .Register(registry);
  skipped_ = &BuildCounter()
                  .Name("rolewatch_alert_revisions_skipped_total")
                  .Help(
                      "Burst revisions a sink needed no request for (updates: false, "
                      "rate-limited or superseded)")
                  .Register(registry);
  failures_ = &BuildCounter()
                   .Name("rolewatch_alert_delivery_failures_total")
                   .Help(
                       "Failed delivery attempts by sink and reason "
                       "(transient, throttled, permanent, expired)")
                   .Register(registry);
  attempt_seconds_ = &BuildHistogram()
                          .Name("rolewatch_alert_delivery_duration_seconds")
                          .Help("Duration of one successful delivery request")
                          .Register(registry);
  delay_seconds_ = &BuildHistogram()
                        .Name("rolewatch_alert_delivery_delay_seconds")
                        .Help("From an alert's detection to its delivery, retries included")
                        .Register(registry);
  sink_pending_ = &BuildGauge()
                       .Name("rolewatch_sink_pending_alerts")
                       .Help("Alerts in the outbox not yet delivered to this sink")
                       .Register(registry);
  outbox_pending_ = &gauge(registry, "rolewatch_outbox_pending_alerts",
                           "Alerts in the outbox not yet delivered to every sink");
  dead_lettered_ = &counter(registry, "rolewatch_dead_lettered_alerts_total",
                            "Alerts moved to the dead letters (too old, or rejected by a sink)");
  dead_letters_ = &gauge(registry, "rolewatch_dead_letter_alerts",
                         "Alerts currently stored in the dead letters");
}

DeliveryProbe::~DeliveryProbe() = default;

void DeliveryProbe::add_sink(const std::string& sink) {
  series(sink);
}

DeliveryProbe::SinkSeries& DeliveryProbe::series(const std::string& sink) {
  std::lock_guard lock(mutex_);
  auto it = sinks_.find(sink);
  if (it != sinks_.end()) return *it->second;
  auto created = std::make_unique<SinkSeries>();
  created->deliveries = &deliveries_->Add({{"sink", sink}});
  for (auto reason : {DeliveryFailure::transient, DeliveryFailure::throttled,
                      DeliveryFailure::permanent, DeliveryFailure::expired}) {
    created->failures[static_cast<std::size_t>(reason)] =
        &failures_->Add({{"sink", sink}, {"reason", std::string(to_string(reason))}});
  }
  created->attempt_seconds = &attempt_seconds_->Add({{"sink", sink}}, kFastBuckets);
  created->delay_seconds = &delay_seconds_->Add({{"sink", sink}}, kDelayBuckets);
  created->pending = &sink_pending_->Add({{"sink", sink}});
  created->skipped = &skipped_->Add({{"sink", sink}});
  return *sinks_.emplace(sink, std::move(created)).first->second;
}

void DeliveryProbe::delivered(const std::string& sink, double attempt_seconds,
                              double since_detection_seconds) {
  auto& s = series(sink);
  s.deliveries->Increment();
  s.attempt_seconds->Observe(attempt_seconds);
  s.delay_seconds->Observe(std::max(0.0, since_detection_seconds));
}

void DeliveryProbe::revision_skipped(const std::string& sink) {
  series(sink).skipped->Increment();
}

void DeliveryProbe::failed(const std::string& sink, DeliveryFailure reason) {
  series(sink).failures[static_cast<std::size_t>(reason)]->Increment();
}

void DeliveryProbe::set_sink_pending(const std::string& sink, std::size_t alerts) {
  series(sink).pending->Set(static_cast<double>(alerts));
}

void DeliveryProbe::set_outbox_pending(std::size_t alerts) {
  outbox_pending_->Set(static_cast<double>(alerts));
}

void DeliveryProbe::dead_lettered(std::size_t alerts) {
  dead_lettered_->Increment(static_cast<double>(alerts));
}

void DeliveryProbe::set_dead_letters(std::size_t stored) {
  dead_letters_->Set(static_cast<double>(stored));
}

// ---- consumption ----

struct Metrics::Series {
  prometheus::Counter& messages;
  prometheus::Counter& bytes;
  prometheus::Counter& records;
  prometheus::Family<prometheus::Counter>& skipped;
  prometheus::Counter& skipped_category;
  prometheus::Counter& skipped_unknown;
  prometheus::Counter& malformed_messages;
  prometheus::Counter& malformed_records;
  prometheus::Counter& repaired_messages;
  prometheus::Counter& repaired_records;
  prometheus::Counter& duplicates;
  prometheus::Family<prometheus::Counter>& late;
  prometheus::Counter& late_retention;
  prometheus::Counter& late_rule_window;
  prometheus::Family<prometheus::Counter>& future;
  prometheus::Counter& future_broker_time;
  prometheus::Counter& future_host_clock;
  std::array<prometheus::Counter*, kRoleEventKinds> role_events{};
  prometheus::Family<prometheus::Counter>& alerts;
  prometheus::Counter& muted_alerts;
  prometheus::Family<prometheus::Counter>& revisions;
  prometheus::Family<prometheus::Counter>& twins;
  prometheus::Counter& twins_paired;
  prometheus::Counter& twins_held;
  prometheus::Counter& twins_unpaired;
  prometheus::Histogram& batch_seconds;
  prometheus::Histogram& write_seconds;
  prometheus::Counter& write_failures;
  prometheus::Gauge& state_paused;
  prometheus::Counter& state_disk_low;
  prometheus::Gauge& state_bytes;
  prometheus::Family<prometheus::Gauge>& consumer_lag;
  prometheus::Gauge& watermark;
  prometheus::Gauge& watermark_lag;
  prometheus::Family<prometheus::Gauge>& partition_time;
  prometheus::Family<prometheus::Gauge>& partition_skew;
  prometheus::Gauge& paused_partitions;
  prometheus::Gauge& last_batch;
  prometheus::Gauge& last_message;
  prometheus::Histogram& event_latency;
  prometheus::Histogram& broker_latency;
  prometheus::Family<prometheus::Counter>& refreshes;
  prometheus::Counter& refresh_successes;
  prometheus::Counter& refresh_failures;
  prometheus::Gauge& snapshot_age;
  prometheus::Gauge& snapshot_assignments;
  prometheus::Gauge& refresh_last_success;
  prometheus::Gauge& refresh_duration;
  prometheus::Gauge& refresh_interval;
  prometheus::Counter& graph_requests;
  prometheus::Counter& graph_throttled;

  explicit Series(prometheus::Registry& r);
};

Metrics::Series::Series(prometheus::Registry& r)
    : messages(counter(r, "rolewatch_messages_total", "Messages consumed (Event Hubs events)")),
      bytes(counter(r, "rolewatch_message_bytes_total", "Bytes of message payloads consumed")),
      records(counter(r, "rolewatch_records_total", "Audit records seen, any category")),
      skipped(BuildCounter()
                  .Name("rolewatch_records_skipped_total")
                  .Help("Records skipped by reason (other_category, unknown_activity)")
                  .Register(r)),
      skipped_category(skipped.Add({{"reason", "other_category"}})),
      skipped_unknown(skipped.Add({{"reason", "unknown_activity"}})),
      malformed_messages(counter(r, "rolewatch_malformed_messages_total",
                                 "Messages that could not be parsed at all")),
      malformed_records(counter(r, "rolewatch_malformed_records_total",
                                "Records that could not be used (the rest of their message was)")),
      repaired_messages(counter(r, "rolewatch_repaired_messages_total",
                                "Messages with invalid UTF-8 or unescaped control characters, "
                                "repaired (U+FFFD) and parsed again instead of dropped")),
      repaired_records(counter(r, "rolewatch_repaired_records_total",
                               "Role records kept with descriptive text (names, UPNs, reasons) "
                               "that did not decode replaced by U+FFFD")),
      duplicates(counter(r, "rolewatch_duplicate_records_total",
                         "Role records whose audit id was already processed")),
      late(BuildCounter()
               .Name("rolewatch_late_records_total")
               .Help("Role records dropped as older than the watermark minus window minus grace, "
                     "by reason (retention: the longest rule's; rule_window: one rule's)")
               .Register(r)),
      late_retention(late.Add({{"reason", "retention"}})),
      late_rule_window(late.Add({{"reason", "rule_window"}})),
      future(BuildCounter()
                 .Name("rolewatch_future_records_total")
                 .Help("Records stamped more than an hour after their reference, skipped without "
                       "moving any partition's time, by reason")
                 .Register(r)),
      future_broker_time(future.Add({{"reason", "ahead_of_broker_time"}})),
      future_host_clock(future.Add({{"reason", "ahead_of_host_clock"}})),
      alerts(
          BuildCounter().Name("rolewatch_alerts_total").Help("Alerts raised by rule").Register(r)),
      muted_alerts(counter(r, "rolewatch_muted_alerts_total",
                           "Alerts raised again while rebuilding lost state, not sent")),
      revisions(BuildCounter()
                    .Name("rolewatch_alert_revisions_total")
                    .Help("Later revisions of burst alerts by rule and status (updated, closed)")
                    .Register(r)),
      twins(BuildCounter()
                .Name("rolewatch_twin_candidates_total")
                .Help("Core Directory records claiming MS-PIM: paired with a PIM record, held "
                      "for a decision, or counted unpaired with their real initiator")
                .Register(r)),
      twins_paired(twins.Add({{"outcome", "paired"}})),
      twins_held(twins.Add({{"outcome", "held"}})),
      twins_unpaired(twins.Add({{"outcome", "unpaired"}})),
      batch_seconds(histogram(r, "rolewatch_batch_duration_seconds",
                              "Time to decode, evaluate and commit one batch", kFastBuckets)),
      write_seconds(histogram(r, "rolewatch_state_write_duration_seconds",
                              "RocksDB write of one batch (state, offsets, outbox)", kFastBuckets)),
      write_failures(counter(r, "rolewatch_state_write_failures_total", "Failed state writes")),
      state_paused(gauge(r, "rolewatch_state_paused",
                         "1 while consumption is paused because the state refuses batches "
                         "(volume below state.min_free_mb, or failing writes)")),
      state_disk_low(counter(r, "rolewatch_state_disk_low_total",
                             "Times the state volume fell below state.min_free_mb free")),
      state_bytes(gauge(r, "rolewatch_state_size_bytes", "Estimated live state size on disk")),
      consumer_lag(BuildGauge()
                       .Name("rolewatch_consumer_lag_messages")
                       .Help("Messages behind the partition's high watermark")
                       .Register(r)),
      watermark(gauge(r, "rolewatch_watermark_timestamp_seconds",
                      "Event-time watermark: oldest partition time among partitions with data "
                      "to read")),
      watermark_lag(gauge(r, "rolewatch_watermark_lag_seconds", "Wall clock minus the watermark")),
      partition_time(BuildGauge()
                         .Name("rolewatch_partition_time_timestamp_seconds")
                         .Help("Newest event time read from each assigned partition")
                         .Register(r)),
      partition_skew(BuildGauge()
                         .Name("rolewatch_partition_skew_seconds")
                         .Help("Partition time minus the watermark, per assigned partition")
                         .Register(r)),
      paused_partitions(gauge(r, "rolewatch_paused_partitions",
                              "Partitions paused because they run ahead of the watermark by more "
                              "than source.max_skew")),
      last_batch(
          gauge(r, "rolewatch_last_batch_timestamp_seconds", "When the last batch was committed")),
      last_message(gauge(r, "rolewatch_last_message_timestamp_seconds",
                         "Broker timestamp of the newest message consumed")),
      event_latency(histogram(r, "rolewatch_alert_event_latency_seconds",
                              "From the triggering removal's activityDateTime to the alert",
                              kEventBuckets)),
      broker_latency(histogram(r, "rolewatch_alert_broker_latency_seconds",
                               "From the newest broker timestamp of the alert's batch to the "
                               "alert",
                               kFastBuckets)),
      refreshes(BuildCounter()
                    .Name("rolewatch_eligibility_refreshes_total")
                    .Help("Eligibility snapshot refreshes from Graph, by result")
                    .Register(r)),
      refresh_successes(refreshes.Add({{"result", "success"}})),
      refresh_failures(refreshes.Add({{"result", "failure"}})),
      snapshot_age(gauge(r, "rolewatch_eligibility_snapshot_age_seconds",
                         "Seconds since the eligibility snapshot was fetched; -1 without one")),
      snapshot_assignments(gauge(r, "rolewatch_eligibility_assignments",
                                 "Assignments in the current eligibility snapshot")),
      refresh_last_success(gauge(r, "rolewatch_eligibility_last_success_timestamp_seconds",
                                 "When the last Graph refresh succeeded")),
      refresh_duration(gauge(r, "rolewatch_eligibility_refresh_duration_seconds",
                             "How long the last Graph refresh took")),
      refresh_interval(gauge(r, "rolewatch_eligibility_refresh_interval_seconds",
                             "graph.refresh_interval; 0 without a Graph refresher (CSV import)")),
      graph_requests(counter(r, "rolewatch_graph_requests_total", "Requests sent to Graph")),
      graph_throttled(counter(r, "rolewatch_graph_throttled_total",
                              "Graph answers 429 or 503 (retried after Retry-After)")) {
  auto& kinds = BuildCounter()
                    .Name("rolewatch_role_events_total")
                    .Help("Role management events decoded, by kind")
                    .Register(r);
  for (std::size_t i = 0; i < kRoleEventKinds; ++i) {
    auto kind = rules::to_string(static_cast<rules::Kind>(i));
    role_events[i] = &kinds.Add({{"kind", std::string(kind)}});
  }
}

// Background threads' unexpected errors: one series per thread, created
// up front so they read 0; each scrape adds what was counted since the last.
struct Metrics::BackgroundSeries {
  std::array<prometheus::Counter*, kBackgroundThreads> errors{};
  std::array<std::uint64_t, kBackgroundThreads> seen{};

  explicit BackgroundSeries(prometheus::Registry& r) {
    auto& family = BuildCounter()
                       .Name("rolewatch_background_errors_total")
                       .Help("Unexpected errors caught on a background thread, which carried on")
                       .Register(r);
    for (std::size_t i = 0; i < kBackgroundThreads; ++i) {
      auto thread = static_cast<BackgroundThread>(i);
      errors[i] = &family.Add({{"thread", std::string(to_string(thread))}});
      seen[i] = background_errors(thread);
    }
  }

  void refresh() {
    for (std::size_t i = 0; i < kBackgroundThreads; ++i) {
      auto now = background_errors(static_cast<BackgroundThread>(i));
      if (now > seen[i]) errors[i]->Increment(static_cast<double>(now - seen[i]));
      seen[i] = now;
    }
  }
};

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  series_ = std::make_unique<Series>(*registry_);
  background_ = std::make_unique<BackgroundSeries>(*registry_);
  delivery_ = std::make_unique<DeliveryProbe>(*registry_);
  series_->snapshot_age.Set(-1);
  BuildGauge()
      .Name("rolewatch_build_info")
      .Help("Build information; always 1")
      .Register(*registry_)
      .Add({{"version", ROLEWATCH_VERSION},
            {"rocksdb", build_version()},
            {"librdkafka", rd_kafka_version_str()}})
      .Set(1);
  gauge(*registry_, "process_start_time_seconds",
        "Start time of the process since unix epoch in seconds")
      .Set(kProcessStart);
}

Metrics::~Metrics() = default;

void Metrics::record_batch(const BatchResult& result) {
  auto& s = *series_;
  const auto& c = result.counters;
  const auto& d = c.decode;
  auto newest_ms = result.newest_broker_ms;
  s.messages.Increment(static_cast<double>(d.messages));
  s.bytes.Increment(static_cast<double>(result.bytes));
  s.records.Increment(static_cast<double>(d.records));
  s.skipped_category.Increment(static_cast<double>(d.skipped_category));
  s.skipped_unknown.Increment(static_cast<double>(d.unknown_activities));
  s.malformed_messages.Increment(static_cast<double>(d.malformed_messages));
  s.malformed_records.Increment(static_cast<double>(d.malformed_records));
  s.repaired_messages.Increment(static_cast<double>(d.repaired_messages));
  s.repaired_records.Increment(static_cast<double>(d.repaired_records));
  s.duplicates.Increment(static_cast<double>(c.duplicates));
  s.late_retention.Increment(static_cast<double>(c.late_retention));
  s.late_rule_window.Increment(static_cast<double>(c.late_rule_window));
  s.future_broker_time.Increment(static_cast<double>(c.future_broker_time));
  s.future_host_clock.Increment(static_cast<double>(c.future_host_clock));
  s.muted_alerts.Increment(static_cast<double>(c.muted_alerts));
  s.twins_paired.Increment(static_cast<double>(c.twins_paired));
  s.twins_held.Increment(static_cast<double>(c.twins_held));
  s.twins_unpaired.Increment(static_cast<double>(c.twins_unpaired));
  for (const auto& revision : result.revisions) {
    s.revisions
        .Add({{"rule", revision.rule}, {"status", std::string(rules::to_string(revision.status))}})
        .Increment();
  }
  for (std::size_t i = 0; i < kRoleEventKinds; ++i) {
    auto count = c.role_events_by_kind[i];
    if (count > 0) s.role_events[i]->Increment(static_cast<double>(count));
  }
  if (result.process_time.count() > 0) {
    s.batch_seconds.Observe(std::chrono::duration<double>(result.process_time).count());
  }
  if (result.write_time.count() > 0) {
    s.write_seconds.Observe(std::chrono::duration<double>(result.write_time).count());
  }
  s.last_batch.Set(seconds_since_epoch());
  if (newest_ms > 0) s.last_message.Set(static_cast<double>(newest_ms) / 1000.0);
  if (result.watermark > 0) watermark_.store(result.watermark);

  auto now = seconds_since_epoch();
  for (const auto& alert : result.alerts) {
    s.alerts.Add({{"rule", alert.rule}}).Increment();
    if (alert.last_seen > 0 && alert.detected_at > 0) {
      s.event_latency.Observe(static_cast<double>(alert.detected_at - alert.last_seen) / 1e6);
    }
    if (newest_ms > 0) s.broker_latency.Observe(std::max(0.0, now - newest_ms / 1000.0));
  }
}

void Metrics::declare_rules(const std::vector<std::string>& rule_ids) {
  for (const auto& rule : rule_ids) {
    series_->alerts.Add({{"rule", rule}});
    for (auto status : {rules::AlertStatus::updated, rules::AlertStatus::closed}) {
      series_->revisions.Add({{"rule", rule}, {"status", std::string(rules::to_string(status))}});
    }
  }
}

void Metrics::record_state_write_failure() {
  series_->write_failures.Increment();
}

void Metrics::set_state_condition(bool low_disk, bool paused) {
  auto& s = *series_;
  if (low_disk && !state_low_) s.state_disk_low.Increment();
  state_low_ = low_disk;
  s.state_paused.Set(paused ? 1 : 0);
}

void Metrics::set_alignment(const AlignmentStatus& status) {
  if (status.watermark > 0) watermark_.store(status.watermark);
  std::lock_guard lock(mutex_);
  auto& s = *series_;
  std::set<std::int32_t> listed;
  int paused = 0;
  for (const auto& p : status.partitions) {
    listed.insert(p.partition);
    paused += p.paused ? 1 : 0;
    auto& series = partition_series_[p.partition];
    if (series.time == nullptr) {
      const std::map<std::string, std::string> labels{{"partition", std::to_string(p.partition)}};
      series.time = &s.partition_time.Add(labels);
      series.skew = &s.partition_skew.Add(labels);
    }
    if (p.time <= 0) continue;  // nothing read yet
    series.time->Set(static_cast<double>(p.time) / 1e6);
    if (status.watermark > 0) {
      series.skew->Set(static_cast<double>(p.time - status.watermark) / 1e6);
    }
  }
  s.paused_partitions.Set(paused);
  for (auto it = partition_series_.begin(); it != partition_series_.end();) {
    if (listed.contains(it->first)) {
      ++it;
      continue;
    }
    s.partition_time.Remove(it->second.time);
    s.partition_skew.Remove(it->second.skew);
    it = partition_series_.erase(it);
  }
}

void Metrics::set_consumer_lag(std::int32_t partition, std::int64_t messages) {
  std::lock_guard lock(mutex_);
  auto& gauge = lag_[partition];
  if (gauge == nullptr) {
    gauge = &series_->consumer_lag.Add({{"partition", std::to_string(partition)}});
  }
  gauge->Set(static_cast<double>(std::max<std::int64_t>(messages, 0)));
}

void Metrics::remove_consumer_lag(std::int32_t partition) {
  std::lock_guard lock(mutex_);
  auto it = lag_.find(partition);
  if (it == lag_.end()) return;
  series_->consumer_lag.Remove(it->second);
  lag_.erase(it);
}

void Metrics::set_state_size_source(std::function<std::uint64_t()> source) {
  std::lock_guard lock(mutex_);
  state_size_source_ = std::move(source);
}

void Metrics::set_eligibility_source(std::function<RefreshStatus()> source) {
  std::lock_guard lock(mutex_);
  eligibility_source_ = std::move(source);
}

void Metrics::refresh_eligibility(const RefreshStatus& now) {
  auto& s = *series_;
  auto& seen = eligibility_seen_;
  // Prometheus counters only go up: add what happened since the last scrape.
  auto add = [](prometheus::Counter& counter, std::uint64_t now, std::uint64_t before) {
    if (now > before) counter.Increment(static_cast<double>(now - before));
  };
  add(s.refresh_successes, now.successes, seen.successes);
  add(s.refresh_failures, now.failures, seen.failures);
  add(s.graph_requests, now.graph_requests, seen.graph_requests);
  add(s.graph_throttled, now.graph_throttled, seen.graph_throttled);
  seen = now;
  if (now.snapshot_fetched_at > 0) {
    auto fetched = static_cast<double>(now.snapshot_fetched_at) / 1e6;
    s.snapshot_age.Set(std::max(0.0, seconds_since_epoch() - fetched));
    s.snapshot_assignments.Set(static_cast<double>(now.assignments));
  }
  if (now.last_success > 0) s.refresh_last_success.Set(static_cast<double>(now.last_success) / 1e6);
  s.refresh_duration.Set(now.last_duration_seconds);
  s.refresh_interval.Set(now.refresh_interval_seconds);
}

void Metrics::refresh_before_scrape() {
  auto watermark = watermark_.load();
  if (watermark > 0) {
    auto seconds = static_cast<double>(watermark) / 1e6;
    series_->watermark.Set(seconds);
    series_->watermark_lag.Set(std::max(0.0, seconds_since_epoch() - seconds));
  }
  std::lock_guard lock(mutex_);
  background_->refresh();
  if (state_size_source_) series_->state_bytes.Set(static_cast<double>(state_size_source_()));
  if (eligibility_source_) refresh_eligibility(eligibility_source_());
}

std::string Metrics::scrape() {
  refresh_before_scrape();
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace rolewatch::stream
