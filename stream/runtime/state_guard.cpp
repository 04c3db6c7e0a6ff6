#include "stream/runtime/state_guard.hpp"

#include <spdlog/spdlog.h>

namespace rolewatch::stream {
namespace {

constexpr std::uint64_t kMiB = 1u << 20;

std::int64_t seconds(std::chrono::steady_clock::duration duration) {
  return std::chrono::duration_cast<std::chrono::seconds>(duration).count();
}

}  // namespace

StateGuard::StateGuard(StateGuardSettings settings, FreeSpace free_space, Recover recover,
                       OnChange on_change, Clock clock)
    : settings_(settings),
      free_space_(std::move(free_space)),
      recover_(std::move(recover)),
      on_change_(std::move(on_change)),
      clock_(std::move(clock)) {}

std::chrono::steady_clock::time_point StateGuard::now() const {
  return clock_ ? clock_() : std::chrono::steady_clock::now();
}

void StateGuard::change(bool low_disk, bool write_failing, std::uint64_t available,
                        std::string reason) {
  const bool changed = low_disk != condition_.low_disk ||
                       write_failing != condition_.write_failing || reason != condition_.reason;
  condition_ = {low_disk, write_failing, available, std::move(reason)};
  if (changed && on_change_) on_change_(condition_);
}

Status StateGuard::admit() {
  // A volume whose free space cannot be read is not held up by the check;
  // a real shortage still shows as a failed write below.
  auto available = free_space_ ? free_space_() : Expected<std::uint64_t>(Error{});
  const std::uint64_t free_bytes = available ? *available : 0;
  if (available && free_bytes < settings_.min_free_bytes) {
    auto reason = "state volume has " + std::to_string(free_bytes / kMiB) +
                  " MiB free, below its reserve of " +
                  std::to_string(settings_.min_free_bytes / kMiB) +
                  " MiB (state.min_free_mb, replay --min-free-mb)";
    if (!low_since_ && settings_.wait) {
      spdlog::error("state: {}: consumption paused until space returns", reason);
    }
    if (!low_since_) low_since_ = now();
    change(true, condition_.write_failing, free_bytes, reason);
    return make_error(reason, ErrorCode::unavailable);
  }
  if (low_since_) {
    spdlog::warn("state: {} MiB free again: consumption resumes after {} s paused",
                 free_bytes / kMiB, seconds(now() - *low_since_));
    low_since_.reset();
  }
  if (needs_recovery_) {
    if (auto recovered = recover_ ? recover_() : ok(); !recovered) return judge(recovered);
    needs_recovery_ = false;
  }
  change(false, condition_.write_failing, free_bytes,
         condition_.write_failing ? condition_.reason : "");
  return ok();
}

Status StateGuard::judge(Status written) {
  if (written) {
    if (failing_since_) {
      spdlog::warn("state: writes succeed again after {} s of failures",
                   seconds(now() - *failing_since_));
      failing_since_.reset();
    }
    change(condition_.low_disk, false, condition_.available_bytes,
           condition_.low_disk ? condition_.reason : "");
    return written;
  }
  const auto& cause = written.error().message;
  const auto at = now();
  if (!settings_.wait) return make_error(cause, ErrorCode::failure);
  if (!failing_since_) {
    failing_since_ = at;
    spdlog::error("state: {}; batch held and retried, exit 1 if failures last {} s", cause,
                  seconds(settings_.write_failure_exit_after));
  }
  needs_recovery_ = true;
  change(condition_.low_disk, true, condition_.available_bytes,
         "state writes are failing: " + cause);
  if (at - *failing_since_ >= settings_.write_failure_exit_after) {
    return make_error("state writes have failed for " +
                          std::to_string(seconds(at - *failing_since_)) +
                          " s (state.write_failure_exit_after): " + cause,
                      ErrorCode::failure);
  }
  return make_error(cause, ErrorCode::unavailable);
}

}  // namespace rolewatch::stream
