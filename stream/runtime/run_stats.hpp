#pragma once
// What `rolewatch run` has done so far, readable from any thread (metrics,
// readiness, the periodic log line).
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "stream/pipeline/pipeline.hpp"

namespace rolewatch::stream {

class RunStats {
 public:
  void add_batch(const BatchCounters& counters, rules::EventTime watermark);
  void set_write_failed(bool failed) { write_failed_ = failed; }

  BatchCounters totals() const;
  std::uint64_t batches() const { return batches_.load(); }
  rules::EventTime watermark() const { return watermark_.load(); }
  std::int64_t last_commit_unix_ms() const { return last_commit_unix_ms_.load(); }
  bool write_failed() const { return write_failed_.load(); }

 private:
  mutable std::mutex mutex_;
  BatchCounters totals_;
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<rules::EventTime> watermark_{0};
  std::atomic<std::int64_t> last_commit_unix_ms_{0};
  std::atomic<bool> write_failed_{false};
};

struct SourceCounters;

// "run stats: batches=... messages=... records=... role_events=... alerts=... ..."
std::string stats_line(const RunStats& stats, const SourceCounters* source);

}  // namespace rolewatch::stream
