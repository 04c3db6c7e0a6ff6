#pragma once
// What the Graph eligibility refresher (runtime/) has done, as metrics
// (ops/metrics) read it on every scrape.
#include <cstdint>
#include <string>

#include "state/base/time.hpp"

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
  // graph.refresh_interval: rolewatch_eligibility_refresh_interval_seconds;
  // 0 without a Graph refresher (CSV import), so a stale-snapshot rule can
  // tell the two apart.
  double refresh_interval_seconds = 0;
};

}  // namespace rolewatch::stream
