#pragma once
// Where a partition resumes when it is assigned to this instance (docs/design.md §3,
// "Exactly-once effects"), decided from facts gathered in the rebalance
// callback:
//   resume:  RocksDB has the partition's next offset: it wins over the
//            group's committed offset, which is only advisory.
//   restore: RocksDB has none but the group committed one (the checkpoint):
//            the state was lost, or another instance had the partition.
//            Re-read from (checkpoint time - window - grace), muted below
//            the checkpoint so no alert is delivered twice.
//   fresh:   neither: the group's committed offset or auto.offset.reset.
// Muting also covers a stale state (an old snapshot, or a partition that
// comes back after another member had it): messages below the group's
// committed offset were processed elsewhere and their alerts delivered.
#include <cstdint>
#include <optional>
#include <string_view>

#include "state/base/expected.hpp"
#include "state/store.hpp"

namespace rolewatch::stream {

struct PartitionFacts {
  std::optional<std::int64_t> stored_next;      // RocksDB offsets family
  std::optional<std::int64_t> group_committed;  // >= 0 when the group has one
  std::int64_t muted_until = 0;                 // persisted mute mark
};

enum class StartKind { resume, restore, fresh };

struct StartPlan {
  StartKind kind = StartKind::fresh;
  std::int64_t offset = -1;      // resume: the stored offset; otherwise decided later
  std::int64_t mute_until = 0;   // messages below this offset raise no alert
  std::int64_t checkpoint = -1;  // restore: the group's committed offset
};

StartPlan plan_partition_start(const PartitionFacts& facts);

// The mute mark is persisted before the first muted batch, so a crash in the
// middle of a restore keeps muting after the restart (when RocksDB already
// has an offset and the restore is no longer visible).
Expected<std::int64_t> load_mute_mark(const state::Store& store, std::string_view topic,
                                      std::int32_t partition);
Status save_mute_mark(state::Store& store, std::string_view topic, std::int32_t partition,
                      std::int64_t offset);

}  // namespace rolewatch::stream
