#pragma once
// Retry delays: exponential backoff with full jitter (a uniformly random
// delay between 0 and min(cap, base * 2^(attempt-1))), so that many alerts
// failing together do not retry in lockstep; a receiver's Retry-After wins.
// The one backoff: alert delivery and Graph requests both use it.
#include <chrono>
#include <optional>
#include <random>

#include "state/net/retry_after.hpp"

namespace rolewatch::state {

struct BackoffPolicy {
  std::chrono::milliseconds initial{1000};
  std::chrono::milliseconds max{60'000};
  // A receiver's Retry-After is held to [1 s, max_retry_after] here too, so
  // that no caller can retry in a hot loop (state/net/retry_after.hpp).
  std::chrono::milliseconds max_retry_after{3'600'000};
};

class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy, std::uint64_t seed = std::random_device{}());

  // Delay before the next attempt, after `failed_attempts` consecutive failures.
  std::chrono::milliseconds delay(int failed_attempts,
                                  std::optional<std::chrono::milliseconds> retry_after);
  const BackoffPolicy& policy() const { return policy_; }

 private:
  BackoffPolicy policy_;
  std::mt19937_64 random_;
};

}  // namespace rolewatch::state
