#pragma once
// Refreshes the eligibility snapshot from Graph on an interval, on its own
// thread. A failed refresh keeps the last good snapshot; it is logged and
// counted (status() for metrics), and retried at the next interval.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "state/eligibility_snapshot.hpp"
#include "state/expected.hpp"
#include "state/graph_client.hpp"
#include "state/graph_directory.hpp"
#include "state/http_client.hpp"
#include "state/store.hpp"

namespace rolewatch::stream {

struct RefreshStatus {
  state::Micros last_attempt = 0;
  state::Micros last_success = 0;  // rolewatch_eligibility_last_success_timestamp_seconds
  state::Micros last_failure = 0;
  std::uint64_t successes = 0;       // rolewatch_eligibility_refreshes_total{result="success"}
  std::uint64_t failures = 0;        // rolewatch_eligibility_refreshes_total{result="failure"}
  std::string last_error;            // never holds a secret
  double last_duration_seconds = 0;  // rolewatch_eligibility_refresh_duration_seconds
  std::uint64_t assignments = 0;     // rolewatch_eligibility_assignments
  state::Micros snapshot_fetched_at =
      0;                             // age = now - this: rolewatch_eligibility_snapshot_age_seconds
  std::uint64_t graph_requests = 0;  // rolewatch_graph_requests_total
  std::uint64_t graph_throttled = 0;  // rolewatch_graph_throttled_total
};

class EligibilityRefresher {
 public:
  EligibilityRefresher(state::Store& store, state::GraphConfig config);
  ~EligibilityRefresher();  // stops and joins

  // One refresh now, on the caller's thread (also what the thread runs).
  Expected<state::RefreshOutcome> refresh_once();
  // Starts the background thread: a refresh at once, then every interval.
  void start();
  void stop();

  RefreshStatus status() const;

 private:
  void loop();
  bool sleep_unless_stopped(std::chrono::milliseconds delay);

  state::Store& store_;
  state::GraphConfig config_;
  state::HttpClient http_;
  std::unique_ptr<state::GraphClient> graph_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  RefreshStatus status_;
  std::thread thread_;
};

}  // namespace rolewatch::stream
