#include "stream/source/kafka/partition_start.hpp"

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

using namespace rolewatch::stream;

TEST_CASE("a partition with state resumes and one without restores and one never seen starts fresh",
          "[kafka]") {
  auto resume = plan_partition_start({100, 80, 0});
  CHECK(resume.kind == StartKind::resume);
  CHECK(resume.offset == 100);
  CHECK(resume.mute_until == 0);

  // Stale state (an old snapshot, or the partition came back from another
  // member): what lies below the group's offset was processed elsewhere.
  auto stale = plan_partition_start({50, 80, 0});
  CHECK(stale.kind == StartKind::resume);
  CHECK(stale.mute_until == 80);

  auto restore = plan_partition_start({std::nullopt, 80, 0});
  CHECK(restore.kind == StartKind::restore);
  CHECK(restore.checkpoint == 80);
  CHECK(restore.mute_until == 80);

  // A crash in the middle of a restore keeps the mark it persisted.
  auto after_crash = plan_partition_start({40, 80, 80});
  CHECK(after_crash.kind == StartKind::resume);
  CHECK(after_crash.mute_until == 80);

  auto fresh = plan_partition_start({std::nullopt, std::nullopt, 0});
  CHECK(fresh.kind == StartKind::fresh);
  CHECK(fresh.mute_until == 0);
}

TEST_CASE("a mute mark survives reopening the state", "[kafka]") {
  support::TempDir dir;
  {
    auto store = rolewatch::state::Store::open(dir.path());
    REQUIRE(store.has_value());
    CHECK(*load_mute_mark(**store, "audit", 3) == 0);
    REQUIRE(save_mute_mark(**store, "audit", 3, 1234).has_value());
  }
  auto store = rolewatch::state::Store::open(dir.path());
  REQUIRE(store.has_value());
  CHECK(*load_mute_mark(**store, "audit", 3) == 1234);
  CHECK(*load_mute_mark(**store, "audit", 2) == 0);
}
