#pragma once
// Refreshes the eligibility snapshot from Graph on an interval, on its own
// thread. A failed refresh keeps the last good snapshot; it is logged and
// counted (status() for metrics), and retried at the next interval. An
// exception never ends the thread: it is logged, counted, and retried with
// backoff (ops/background_errors).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "state/base/expected.hpp"
#include "state/directory/graph_client.hpp"
#include "state/directory/graph_directory.hpp"
#include "state/eligibility_snapshot.hpp"
#include "state/net/http_client.hpp"
#include "state/store.hpp"
#include "stream/ops/refresh_status.hpp"

namespace rolewatch::stream {

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
  void record_unexpected_failure();  // an exception escaped refresh_once()
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
