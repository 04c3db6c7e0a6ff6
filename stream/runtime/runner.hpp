#pragma once
// The run loop behind `rolewatch run` (the Runner). Opens the state, makes the
// pipeline with the configured rules, starts the embedded broker when
// `brokers: embedded`, and runs the Kafka consumer loop on this thread until
// SIGTERM/SIGINT (graceful: the current batch is committed, the consumer
// leaves the group, exit 0 within `shutdown_timeout`).
//
// Everything that runs beside the loop (the outbox sender, the HTTP server,
// the eligibility refresher) hangs on RunHooks: alerts are already durable
// in the outbox when batch_committed() is called.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "state/store.hpp"
#include "stream/config/config.hpp"
#include "stream/pipeline/pipeline.hpp"
#include "stream/runtime/run_stats.hpp"
#include "stream/runtime/state_guard.hpp"

namespace rolewatch::stream {

struct SourceCounters;

// What a hook may look at; valid from started() until stopping() returns.
struct RunContext {
  const Config& config;
  state::Store& store;
  const RunStats& stats;
  // Null until the consumer exists (it is created after started()).
  const SourceCounters* source = nullptr;
  std::string bootstrap;  // the brokers in use (the embedded broker's address)
};

struct RunHooks {
  // After the store is open and before the consumer starts: start the outbox
  // sender, the HTTP server, the refresher here. An error stops the run (exit 1).
  std::function<Status(RunContext&)> started;
  // On the consumer thread after each committed batch; keep it cheap (wake
  // the sender). result.alerts are the new, unmuted alerts.
  std::function<void(const BatchResult&)> batch_committed;
  // On the consumer thread when a batch could not be committed (state and
  // offsets stay at the previous batch). The source holds the batch and
  // offers it again; the run exits 1 only when failures outlast
  // state.write_failure_exit_after (stream/runtime/state_guard.hpp).
  std::function<void(const Error&)> batch_failed;
  // On the consumer thread when the state stops or starts taking batches
  // (volume below state.min_free_mb, failing writes): readiness, metrics.
  std::function<void(const StateCondition&)> state_condition;
  // On the consumer thread whenever the assigned partitions change (for
  // /readyz: nothing assigned means nothing is being watched).
  std::function<void(const std::vector<std::int32_t>&)> assignment_changed;
  // On the consumer thread when partition times, the watermark or the paused
  // partitions changed (at most every 500 ms otherwise).
  std::function<void(const AlignmentStatus&)> alignment_changed;
  // librdkafka statistics JSON (per-partition consumer_lag, broker state,
  // rebalance_cnt) every statistics.interval.ms, from librdkafka's thread.
  std::function<void(const std::string&)> kafka_stats;
  // After the consumer has closed, before the store closes: stop and join
  // what started() started. Also called when the run fails.
  std::function<void()> stopping;
};

struct RunOptions {
  bool stop_at_end = false;  // return once caught up (demo, tests)
  bool install_signal_handlers = true;
  // Null: the process-wide flag SIGTERM/SIGINT set (stop_signal.hpp).
  const std::atomic<bool>* stop = nullptr;
  std::chrono::seconds shutdown_timeout{20};
  // The host clock (future checks without a broker timestamp, detectedAt);
  // null: the system clock. Tests inject a wrong one.
  WallClock wall_clock;
};

// Exit codes: 0 stopped on request (or caught up, with stop_at_end);
// 1 runtime failure (state not writable, fatal Kafka error, hook failure).
int run(const Config& config, const RunOptions& options = {}, const RunHooks& hooks = {});

// Window + grace of the longest rule plus the delivery allowance.
std::chrono::milliseconds restore_lookback(const std::vector<rules::RuleDefinition>& rules);

}  // namespace rolewatch::stream
