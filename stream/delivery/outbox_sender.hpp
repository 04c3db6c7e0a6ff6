#pragma once
// Drains the durable alert outbox to every configured sink.
//
// The pipeline writes each new alert into Family::outbox in the same RocksDB
// batch as the state that raised it; this sender delivers it to each sink on
// background threads: per-sink worker threads (capped by the sink's
// concurrency) fed by one dispatcher, exponential backoff with full jitter,
// a receiver's Retry-After pausing that whole sink. Each success is recorded
// per sink in Family::deliveries; the alert leaves the outbox once every
// sink took it, or at max_age, when it moves to Family::dead_letters and is
// counted. A failing sink never blocks the other sinks nor the consumer
// (notify() only wakes the dispatcher). After a restart, pending deliveries
// resume from RocksDB. Delivery is at least once: every attempt carries the
// alert's stable id so receivers can dedupe.
//
// A burst's revisions (docs/design.md §3, "Burst updates") are separate
// outbox entries with the same id, so each has its own delivery records and
// is delivered exactly once per revision like any alert. A sink gets them in
// revision order (a revision waits while an older one is pending there);
// sinks with `updates: false` get revision 1 only; sinks that keep one alert
// per id (Alertmanager) drop older revisions once a newer one is loaded.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "state/base/expected.hpp"
#include "state/net/backoff.hpp"
#include "state/store.hpp"
#include "stream/delivery/sink.hpp"
#include "stream/ops/metrics.hpp"

namespace rolewatch::stream {

struct SenderOptions {
  std::chrono::seconds max_age{24 * 3600};  // then dead-lettered
  state::BackoffPolicy backoff;
  // Look at the outbox this often even without notify(), in case a caller
  // forgets to notify.
  std::chrono::milliseconds rescan_interval{1000};
  std::size_t max_loaded_alerts = 1000;  // alerts held in memory at once
  DeliveryProbe* probe = nullptr;        // metrics; may be null
  // Test seam: runs after a sink answered and before the outcome is
  // recorded, e.g. to simulate a crash between send and mark.
  std::function<void(std::uint64_t sequence, const std::string& sink, const DeliveryOutcome&)>
      after_send;
};

struct DrainSummary {
  std::size_t delivered = 0;  // successful attempts
  std::size_t failed = 0;     // failed attempts
  std::size_t pending = 0;    // alerts still waiting for a sink afterwards
  std::size_t skipped = 0;    // revisions done without a request (see skipped_revisions)
};

class OutboxSender {
 public:
  OutboxSender(state::Store& store, std::vector<std::unique_ptr<Sink>> sinks,
               SenderOptions options = {});
  ~OutboxSender();  // stop() with a short deadline
  OutboxSender(const OutboxSender&) = delete;
  OutboxSender& operator=(const OutboxSender&) = delete;

  // Loads pending deliveries and starts the background threads.
  Status start();
  // New alerts were committed to the outbox: look now. Never blocks.
  void notify();
  // Stops taking new work and waits for in-flight requests until `deadline`,
  // then cancels them (they stay pending in RocksDB and resume on restart).
  void stop(std::chrono::steady_clock::time_point deadline);

  // Synchronous alternative to start(), for replay and tests: one pass in
  // the calling thread over every delivery that is due now. Not while started.
  Expected<DrainSummary> drain_once();

  // Alerts in the outbox still waiting for at least one sink, as of the
  // sender's last round (an alert committed since may not be counted yet).
  std::size_t pending() const;
  // Waits until a round that began after this call finds nothing pending,
  // or `deadline`: what was committed before the call is delivered (or
  // failed) when it returns 0. Returns the alerts still pending (at least 1
  // when no such round ended in time). Only while started; a stop() from
  // another thread ends the wait.
  std::size_t wait_delivered(std::chrono::steady_clock::time_point deadline);
  std::vector<std::string> sink_names() const;
  // Burst revisions marked done for `sink` without a request: later
  // revisions for a sink with `updates: false`, revisions a newer one
  // superseded before they were sent (Alertmanager), updates a sink chose
  // not to send (Teams' update_interval).
  std::uint64_t skipped_revisions(const std::string& sink) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rolewatch::stream
