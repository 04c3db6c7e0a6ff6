#pragma once
// Reads the directory's role assignments from Graph and flattens them into
// snapshot rows: eligibility schedules and assignment schedules (permanent,
// time-bound and activated), role-assignable groups expanded to their
// transitive members (rows keep the group id), and every user's UPN, sync
// flag and enabled flag read with $select through $batch.
#include <chrono>
#include <cstdint>
#include <vector>

#include "state/assignment.hpp"
#include "state/base/expected.hpp"
#include "state/directory/graph_client.hpp"
#include "state/store.hpp"

namespace rolewatch::state {

struct DirectoryCounts {
  std::uint64_t eligibility_schedules = 0;
  std::uint64_t assignment_schedules = 0;
  std::uint64_t groups = 0;
  std::uint64_t users = 0;
  std::uint64_t rows = 0;
};

struct FetchResult {
  std::vector<Assignment> rows;
  DirectoryCounts counts;
};

// The whole directory, or an error (nothing partial).
Expected<FetchResult> fetch_directory_assignments(GraphClient& graph);

// One refresh: fetch, then swap the snapshot in (source "graph", fetched_at
// = `now`). On any error the stored snapshot is left as it was.
struct RefreshOutcome {
  SnapshotInfo info;
  DirectoryCounts counts;
  std::chrono::milliseconds duration{0};
};
Expected<RefreshOutcome> refresh_eligibility(Store& store, GraphClient& graph, Micros now);

}  // namespace rolewatch::state
