#pragma once
// Keeps the state writable or the run paused, never aborted (issue 12,
// "Disk full and write failures"; docs/security.md). RocksDB, as Debian
// builds it, asserts (SIGABRT) when a file it failed to write is used again,
// so the guard makes sure it is not asked to:
//   - before each batch, the state volume's free space is checked against
//     `state.min_free_mb`; below it the batch is refused as `unavailable`
//     and the source holds it and pauses consumption, logging once, until
//     space returns;
//   - a failed write is `unavailable` too (the batch is retried after the
//     store recovered) until failures have lasted `state.write_failure_exit_after`;
//     then it is a `failure` and the run exits 1.
// What it decides is reported through one callback (readiness, metrics).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "state/base/expected.hpp"

namespace rolewatch::stream {

struct StateGuardSettings {
  std::uint64_t min_free_bytes = 256ull << 20;
  std::chrono::milliseconds write_failure_exit_after{std::chrono::minutes(5)};
  // false (replay, a batch job): the first refusal or failure is final and
  // the caller reports it; nothing is held, retried or logged here.
  bool wait = true;
};

// Why the state is not taking batches; `reason` is empty when it is.
struct StateCondition {
  bool low_disk = false;
  bool write_failing = false;
  std::uint64_t available_bytes = 0;
  std::string reason;
};

class StateGuard {
 public:
  using FreeSpace = std::function<Expected<std::uint64_t>()>;
  using Recover = std::function<Status()>;  // make the store writable again after a failure
  using OnChange = std::function<void(const StateCondition&)>;
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  StateGuard(StateGuardSettings settings, FreeSpace free_space, Recover recover, OnChange on_change,
             Clock clock = nullptr);

  // Before a batch: ok, or `unavailable` while the volume is below its
  // reserve or the store has not recovered from a failed write.
  Status admit();
  // After a batch: passes success through (clearing a failure), turns a
  // failed write into `unavailable`, or `failure` once it has lasted too long.
  Status judge(Status written);

  const StateCondition& condition() const { return condition_; }

 private:
  void change(bool low_disk, bool write_failing, std::uint64_t available, std::string reason);
  std::chrono::steady_clock::time_point now() const;

  StateGuardSettings settings_;
  FreeSpace free_space_;
  Recover recover_;
  OnChange on_change_;
  Clock clock_;
  StateCondition condition_;
  std::optional<std::chrono::steady_clock::time_point> failing_since_;
  std::optional<std::chrono::steady_clock::time_point> low_since_;
  bool needs_recovery_ = false;
};

}  // namespace rolewatch::stream
