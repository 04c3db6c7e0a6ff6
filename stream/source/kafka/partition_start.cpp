#include "stream/source/kafka/partition_start.hpp"

#include <algorithm>

#include "state/keys.hpp"

namespace rolewatch::stream {
namespace {

// In the meta family, next to the pipeline's scalars.
std::string mute_key(std::string_view topic, std::int32_t partition) {
  return state::keys::mute_mark(topic, partition);
}

}  // namespace

StartPlan plan_partition_start(const PartitionFacts& facts) {
  StartPlan plan;
  plan.mute_until = facts.muted_until;
  auto committed = facts.group_committed.value_or(-1);
  if (facts.stored_next) {
    plan.kind = StartKind::resume;
    plan.offset = *facts.stored_next;
    // Commits are stored only after our own RocksDB write, so a committed
    // offset beyond ours was reached by someone else.
    if (committed > *facts.stored_next) plan.mute_until = std::max(plan.mute_until, committed);
    return plan;
  }
  if (committed > 0) {
    plan.kind = StartKind::restore;
    plan.checkpoint = committed;
    plan.mute_until = std::max(plan.mute_until, committed);
    return plan;
  }
  plan.kind = StartKind::fresh;
  return plan;
}

Expected<std::int64_t> load_mute_mark(const state::Store& store, std::string_view topic,
                                      std::int32_t partition) {
  auto value = store.get(state::Family::meta, mute_key(topic, partition));
  if (!value) return value.error();
  if (!value->has_value() || (*value)->size() != 8) return std::int64_t{0};
  return static_cast<std::int64_t>(state::decode_be64(**value));
}

Status save_mute_mark(state::Store& store, std::string_view topic, std::int32_t partition,
                      std::int64_t offset) {
  auto batch = store.make_batch();
  batch.put(state::Family::meta, mute_key(topic, partition),
            state::encode_be64(static_cast<std::uint64_t>(offset)));
  return store.write(batch);
}

}  // namespace rolewatch::stream
