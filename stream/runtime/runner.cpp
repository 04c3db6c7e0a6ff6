#include "stream/runtime/runner.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <optional>

#include "state/base/time.hpp"
#include "state/volume.hpp"
#include "stream/runtime/periodic_task.hpp"
#include "stream/runtime/state_guard.hpp"
#include "stream/runtime/stop_signal.hpp"
#include "stream/source/kafka/embedded_broker.hpp"
#include "stream/source/kafka/kafka_source.hpp"
#include "stream/source/kafka/restore_planner.hpp"

namespace rolewatch::stream {
namespace {

// Exits the process when a requested stop takes longer than `timeout` (a
// broker that does not answer the group leave, a stuck hook). Every batch is
// one RocksDB write, so the state is consistent at any point.
class ShutdownWatchdog {
 public:
  ShutdownWatchdog(const std::atomic<bool>& stop, std::chrono::seconds timeout)
      : stop_(stop), task_(std::chrono::milliseconds(200), [this, timeout] { check(timeout); }) {}

 private:
  void check(std::chrono::seconds timeout) {
    if (!stop_.load()) return;
    auto now = std::chrono::steady_clock::now();
    if (!since_) since_ = now;
    if (now - *since_ > timeout) {
      // Forced: not a clean stop (the consumer may still be in the group), so
      // the exit is a failure for the supervisor to see (docs/design.md §4).
      spdlog::error("shutdown took longer than {} s; exiting now with 1 (state is consistent)",
                    timeout.count());
      spdlog::default_logger()->flush();
      std::_Exit(exit_status(ExitCode::failure));
    }
  }

  const std::atomic<bool>& stop_;
  std::optional<std::chrono::steady_clock::time_point> since_;
  PeriodicTask task_;  // last: stops before since_ goes away
};

void log_alert(const rules::Alert& alert) {
  spdlog::warn(
      "ALERT {} rev {} {} [{}] {}: actor {} ({}) removed {} privileged role assignments between {} "
      "and {}",
      alert.id, alert.revision, rules::to_string(alert.status), alert.severity, alert.title,
      alert.actor.user_principal_name.empty() ? alert.actor.display_name
                                              : alert.actor.user_principal_name,
      alert.actor.id, alert.count, state::format_event_time(alert.first_seen),
      state::format_event_time(alert.last_seen));
}

StateGuard make_state_guard(const Config& config, state::Store& store, const RunHooks& hooks) {
  StateGuardSettings settings{config.state_limits.min_free_mb << 20,
                              config.state_limits.write_failure_exit_after};
  return StateGuard(
      settings, [&store] { return state::available_bytes(store.dir()); },
      [&store] { return store.recover(); }, hooks.state_condition);
}

// The consumer loop proper, once the store and pipeline exist.
int consume(const Config& config, const RunOptions& options, const RunHooks& hooks,
            RunContext& context, Pipeline& pipeline, RunStats& stats) {
  SourceOptions source_options{options.stop_at_end,      restore_lookback(config.rules),
                               hooks.assignment_changed, hooks.kafka_stats,
                               &pipeline.clock(),        hooks.alignment_changed};
  auto source = KafkaSource::open(config.source, context.bootstrap, context.store, source_options);
  if (!source) {
    spdlog::error("{}", source.error().message);
    return 1;
  }
  context.source = &(*source)->counters();
  std::optional<PeriodicTask> stats_log;
  if (config.log.stats_interval_s > 0) {
    stats_log.emplace(std::chrono::seconds(config.log.stats_interval_s),
                      [&] { spdlog::info("{}", stats_line(stats, context.source)); });
  }
  StateGuard guard = make_state_guard(config, context.store, hooks);
  auto committed = [&](Expected<BatchResult> result) -> Status {
    if (!result) {
      stats.set_write_failed(true);
      if (hooks.batch_failed) hooks.batch_failed(result.error());
      return guard.judge(result.error());
    }
    (void)guard.judge(ok());
    stats.set_write_failed(false);
    stats.add_batch(result->counters, result->watermark);
    for (const auto& alert : result->alerts) log_alert(alert);
    for (const auto& alert : result->revisions) log_alert(alert);
    if (hooks.batch_committed) hooks.batch_committed(*result);
    return ok();
  };
  // An empty batch is the source's idle tick: wall-clock update intervals.
  // A refused batch (`unavailable`) is held by the source and offered again.
  auto handle = [&](std::span<const SourceMessage> messages) -> Status {
    if (auto admitted = guard.admit(); !admitted) return admitted;
    return committed(messages.empty() ? pipeline.tick() : pipeline.process(messages));
  };
  auto status = (*source)->run(handle, *options.stop);
  // Owed burst updates go before the process does, not a minute later.
  if (status) status = guard.admit();
  if (status) status = committed(pipeline.flush(FlushScope::updates));
  (*source)->close();
  stats_log.reset();
  spdlog::info("{}", stats_line(stats, context.source));
  context.source = nullptr;
  return status ? 0 : 1;
}

int run_with_store(const Config& config, const RunOptions& options, const RunHooks& hooks,
                   const std::string& bootstrap) {
  auto store = state::Store::open(config.state_dir);
  if (!store) {
    spdlog::error("cannot open state in {}: {}", config.state_dir.string(), store.error().message);
    return 1;
  }
  const auto twin_window =
      std::chrono::duration_cast<std::chrono::microseconds>(config.twin_window).count();
  auto pipeline = Pipeline::make(**store, config.rules,
                                 {options.wall_clock, twin_window, config.activation_rules});
  if (!pipeline) {
    spdlog::error("{}", pipeline.error().message);
    return 1;
  }
  RunStats stats;
  RunContext context{config, **store, stats, nullptr, bootstrap};
  if (hooks.started) {
    if (auto status = hooks.started(context); !status) {
      spdlog::error("{}", status.error().message);
      if (hooks.stopping) hooks.stopping();
      return 1;
    }
  }
  int code = consume(config, options, hooks, context, **pipeline, stats);
  if (hooks.stopping) hooks.stopping();
  return code;
}

}  // namespace

std::chrono::milliseconds restore_lookback(const std::vector<rules::RuleDefinition>& rules) {
  std::int64_t longest = 0;
  for (const auto& rule : rules) {
    longest = std::max(longest, rule.window_seconds + rule.grace_seconds);
  }
  return std::chrono::seconds(longest) + kDeliveryAllowance;
}

int run(const Config& config, const RunOptions& run_options, const RunHooks& hooks) {
  auto options = run_options;
  if (options.stop == nullptr) options.stop = &stop_flag();
  if (options.install_signal_handlers) install_stop_signal_handlers();
  ShutdownWatchdog watchdog(*options.stop, options.shutdown_timeout);
  std::unique_ptr<EmbeddedBroker> broker;
  auto bootstrap = config.source.brokers;
  if (config.source.embedded()) {
    auto started = EmbeddedBroker::start(config.source.topic, config.source.partitions);
    if (!started) {
      spdlog::error("{}", started.error().message);
      return 1;
    }
    broker = std::move(*started);
    bootstrap = broker->bootstrap();
    spdlog::info(
        "embedded broker on {} (topic {}, {} partitions); publish with: kcat -b {} -t {} -P",
        bootstrap, config.source.topic, config.source.partitions, bootstrap, config.source.topic);
    spdlog::info("embedded broker: {}", embedded_retention_text());
  }
  spdlog::info("rolewatch {} run: topic {} group {} state {} rules {}", ROLEWATCH_VERSION,
               config.source.topic, config.source.group, config.state_dir.string(),
               config.rules.size());
  int code = run_with_store(config, options, hooks, bootstrap);
  spdlog::info("rolewatch run stopped (exit {})", code);
  return code;
}

}  // namespace rolewatch::stream
