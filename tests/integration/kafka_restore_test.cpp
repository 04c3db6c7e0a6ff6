// Restore (docs/design.md §3): with the state directory lost, the group's committed
// offsets are the checkpoint; rolewatch re-reads the retained stream from
// (checkpoint time - window - grace) with alerts muted below the checkpoint.
// The librdkafka mock answers offsets-for-times with -1, so this exercises
// the fallback: read from the earliest offset, skip by timestamp.
#include <catch2/catch.hpp>

#include "stream/source/kafka/embedded_broker.hpp"
#include "support/burst_stream.hpp"
#include "support/kafka_harness.hpp"
#include "support/temp_dir.hpp"

using namespace support;
using rolewatch::state::Family;

namespace {

constexpr const char* kTopic = "audit";
constexpr int kPartitions = 4;

void publish_stream(const std::string& bootstrap, const std::vector<StreamMessage>& stream) {
  std::vector<std::pair<std::int32_t, std::string>> messages;
  for (const auto& message : stream) messages.emplace_back(message.partition, message.body);
  publish(bootstrap, kTopic, messages);
}

std::set<std::string> actor_ids(const std::vector<nlohmann::json>& alerts) {
  std::set<std::string> ids;
  for (const auto& alert : alerts) ids.insert(alert["actor"]["id"].get<std::string>());
  return ids;
}

}  // namespace

TEST_CASE("restoring from an empty state dir rebuilds the windows and resends no old alert",
          "[kafka]") {
  auto broker = rolewatch::stream::EmbeddedBroker::start(kTopic, kPartitions);
  REQUIRE(broker.has_value());
  auto bootstrap = (*broker)->bootstrap();
  TempDir dir;
  // Part one: 20 complete bursts, and 5 actors two removals short of... one
  // removal short of the threshold.
  publish_stream(bootstrap, burst_stream({.actors = 20, .seed = 21}));
  publish_stream(
      bootstrap,
      burst_stream({.actors = 5, .first_actor = 100, .removals_per_actor = 2, .seed = 21}));
  RunConfigSpec lost{bootstrap, kTopic, "restored", dir / "lost", "group", ""};
  REQUIRE(run_until_caught_up(run_config(lost)) == 0);
  CHECK(outbox_alerts(dir / "lost").size() == 20);
  // Closing committed the checkpoint.
  CHECK(committed_offsets(bootstrap, "restored", kTopic, kPartitions) ==
        high_watermarks(bootstrap, kTopic, kPartitions));

  // The state directory is gone: a new one, same group.
  RunConfigSpec restored{bootstrap, kTopic, "restored", dir / "restored", "group", ""};
  REQUIRE(run_until_caught_up(run_config(restored)) == 0);
  CHECK(outbox_alerts(dir / "restored").empty());  // the 20 were delivered before

  // The five bursts complete after the restore: only the rebuilt windows
  // know their first two removals.
  publish_stream(bootstrap, burst_stream({.actors = 5, .first_actor = 100, .seed = 21}));
  REQUIRE(run_until_caught_up(run_config(restored)) == 0);
  auto alerts = outbox_alerts(dir / "restored");
  std::set<std::string> expected;
  for (int actor = 100; actor < 105; ++actor) expected.insert(burst_actor_id(actor));
  CHECK(actor_ids(alerts) == expected);
  CHECK(alerts.size() == 5);

  // Same windows as a run that never lost anything.
  RunConfigSpec reference{bootstrap, kTopic, "reference", dir / "reference", "static", ""};
  REQUIRE(run_until_caught_up(run_config(reference)) == 0);
  CHECK(windows_without_restore_marks(dir / "restored") ==
        windows_without_restore_marks(dir / "reference"));
  CHECK(family_contents(dir / "restored", Family::dedup) ==
        family_contents(dir / "reference", Family::dedup));
  auto all = outbox_alerts(dir / "lost");
  for (const auto& alert : alerts) all.push_back(alert);
  CHECK(comparable_alerts(all) == comparable_alerts(outbox_alerts(dir / "reference")));
}
