#include "state/net/backoff.hpp"

#include <algorithm>

namespace rolewatch::state {

Backoff::Backoff(BackoffPolicy policy, std::uint64_t seed) : policy_(policy), random_(seed) {}

std::chrono::milliseconds Backoff::delay(int failed_attempts,
                                         std::optional<std::chrono::milliseconds> retry_after) {
  if (retry_after) {
    auto ceiling = std::max(policy_.max_retry_after, kMinRetryAfter);
    return std::clamp(*retry_after, kMinRetryAfter, ceiling);
  }
  auto ceiling = policy_.initial.count();
  for (int i = 1; i < failed_attempts && ceiling < policy_.max.count(); ++i) ceiling *= 2;
  ceiling = std::min(ceiling, policy_.max.count());
  std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(ceiling, 0));
  return std::chrono::milliseconds(pick(random_));
}

}  // namespace rolewatch::state
