#pragma once
// The eligibility snapshot in RocksDB (Family::eligibility), and an in-memory
// immutable copy for lookups.
//
// Layout: "current" -> snapshot info (JSON) naming generation N; rows live
// under "g/" be64(N) "/" principal \0 role \0 scope \0 type \0 group. A new
// snapshot is written as generation N+1, the pointer flipped and generation
// N deleted, all in ONE WriteBatch: readers see the old or the new snapshot,
// never a mix, and a failed refresh leaves the old one untouched.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "state/assignment.hpp"
#include "state/base/expected.hpp"
#include "state/store.hpp"

namespace rolewatch::state {

class EligibilitySnapshot final : public EligibilityLookup {
 public:
  EligibilitySnapshot() = default;  // empty: no snapshot loaded
  EligibilitySnapshot(std::vector<Assignment> rows, std::optional<SnapshotInfo> info);

  // Reads the current snapshot with one iterator (a consistent view).
  static Expected<EligibilitySnapshot> load(const Store& store);

  std::vector<const Assignment*> find(std::string_view principal_id,
                                      std::string_view role_template_id) const override;
  const Assignment* any_of_principal(std::string_view principal_id) const override;
  std::optional<SnapshotInfo> info() const override { return info_; }

  const std::vector<Assignment>& rows() const { return rows_; }

 private:
  void index();
  std::vector<Assignment> rows_;
  std::optional<SnapshotInfo> info_;
  std::unordered_multimap<std::string, std::size_t> by_principal_role_;  // id \0 role -> row
  std::unordered_map<std::string, std::size_t> by_principal_;
};

// Replaces the stored snapshot atomically. `info.generation` is assigned
// here (previous + 1); returns the info as stored.
Expected<SnapshotInfo> write_snapshot(Store& store, const std::vector<Assignment>& rows,
                                      SnapshotInfo info);

// The current snapshot's info only (one point read), e.g. for the age metric.
Expected<std::optional<SnapshotInfo>> read_snapshot_info(const Store& store);

// Keeps a loaded snapshot for the pipeline and reloads it only when the
// stored generation changed (the refresher writes from another thread).
class EligibilitySnapshotCache {
 public:
  explicit EligibilitySnapshotCache(const Store& store) : store_(store) {}
  // The current snapshot (empty if none stored). One point read per call.
  Expected<std::shared_ptr<const EligibilitySnapshot>> current();

 private:
  const Store& store_;
  std::shared_ptr<const EligibilitySnapshot> snapshot_ = std::make_shared<EligibilitySnapshot>();
  std::uint64_t generation_ = 0;
};

}  // namespace rolewatch::state
