#include "stream/runtime/run_stats.hpp"

#include <fmt/format.h>

#include <chrono>

#include "state/base/time.hpp"
#include "stream/source/kafka/kafka_source.hpp"

namespace rolewatch::stream {

void RunStats::add_batch(const BatchCounters& counters, rules::EventTime watermark) {
  {
    std::lock_guard lock(mutex_);
    totals_ += counters;
  }
  ++batches_;
  watermark_ = watermark;
  last_commit_unix_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  write_failed_ = false;
}

BatchCounters RunStats::totals() const {
  std::lock_guard lock(mutex_);
  return totals_;
}

std::string stats_line(const RunStats& stats, const SourceCounters* source) {
  auto c = stats.totals();
  const auto& d = c.decode;
  auto line = fmt::format(
      "run stats: batches={} messages={} records={} role_events={} skipped_other_category={} "
      "duplicates={} late={} future={} malformed_messages={} malformed_records={} "
      "repaired_messages={} repaired_records={} alerts={} muted_alerts={} watermark={}",
      stats.batches(), d.messages, d.records, c.role_events, d.skipped_category, c.duplicates,
      c.late(), c.future(), d.malformed_messages, d.malformed_records, d.repaired_messages,
      d.repaired_records, c.alerts, c.muted_alerts,
      stats.watermark() == 0 ? std::string("-") : state::format_event_time(stats.watermark()));
  if (source != nullptr) {
    line += fmt::format(
        " partitions={} rebalances={} restored_partitions={} skipped_old={} paused={} pauses={}",
        source->assigned_partitions.load(), source->rebalances.load(),
        source->restored_partitions.load(), source->skipped_old.load(),
        source->paused_partitions.load(), source->pauses.load());
  }
  return line;
}

}  // namespace rolewatch::stream
