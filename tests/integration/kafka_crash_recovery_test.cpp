// Crash recovery: `rolewatch run` children killed with SIGKILL in the middle
// of a live stream, restarted on the same state directory, end with exactly
// the alerts and state of an uninterrupted run (docs/design.md §3: state, offsets
// and alerts move in one RocksDB write per batch).
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "support/burst_stream.hpp"
#include "support/kafka_harness.hpp"
#include "support/temp_dir.hpp"

using namespace support;
using rolewatch::state::Family;

namespace {

constexpr const char* kTopic = "audit";
constexpr int kPartitions = 4;
using Messages = std::vector<std::pair<std::int32_t, std::string>>;

Messages as_pairs(const std::vector<StreamMessage>& stream) {
  Messages messages;
  for (const auto& message : stream) messages.emplace_back(message.partition, message.body);
  return messages;
}

// Publishes the stream in slices over `duration`, so kills land mid-stream.
std::thread publish_paced(const std::string& bootstrap, Messages messages,
                          std::chrono::milliseconds duration, std::atomic<bool>& done) {
  return std::thread([=, &done] {
    const std::size_t slices = 30;
    auto per_slice = (messages.size() + slices - 1) / slices;
    for (std::size_t i = 0; i < messages.size(); i += per_slice) {
      auto end = std::min(messages.size(), i + per_slice);
      publish(bootstrap, kTopic, Messages(messages.begin() + i, messages.begin() + end));
      std::this_thread::sleep_for(duration / slices);
    }
    done = true;
  });
}

void check_same_outcome(const std::filesystem::path& crashed,
                        const std::filesystem::path& reference) {
  auto alerts = outbox_alerts(crashed);
  std::set<std::string> ids;
  for (const auto& alert : alerts) {
    INFO(alert.dump());
    CHECK(ids.insert(alert["id"].get<std::string>()).second);  // no alert twice
  }
  auto expected = comparable_alerts(outbox_alerts(reference));
  CHECK(expected.size() > 0);
  CHECK(comparable_alerts(alerts) == expected);
  // Nothing double-counted: the windows and the seen audit ids are the same.
  auto windows = windows_without_restore_marks(crashed);
  auto expected_windows = windows_without_restore_marks(reference);
  for (const auto& [key, value] : windows) {
    INFO("window " << key.substr(key.find('\0') + 1));
    CHECK(expected_windows.contains(key));
    if (expected_windows.contains(key)) CHECK(expected_windows.at(key) == value);
  }
  CHECK(windows.size() == expected_windows.size());
  CHECK(family_contents(crashed, Family::dedup) == family_contents(reference, Family::dedup));
}

}  // namespace

TEST_CASE("a run killed with SIGKILL at ten points of a stream ends like an uninterrupted run",
          "[kafka]") {
  TempDir dir;
  BrokerProcess broker(kPartitions, kTopic, dir / "broker.log");
  auto stream = as_pairs(burst_stream({.actors = 150, .partitions = kPartitions, .seed = 11}));
  RunConfigSpec crashy{broker.bootstrap(), kTopic, "crashy", dir / "crashy", "static", ""};
  // The stream's 50 minutes of event time are published in 6 s (500x): a
  // restart's pause is minutes of event time, and a partition with nothing
  // to read yet does not hold the watermark back. Twins and their PIM
  // records, seconds apart in production, are scaled the same way.
  const RunConfigExtras scaled{.twin_window = "30m"};
  write_text(dir / "crashy.yaml", run_config_yaml(crashy, scaled));

  std::atomic<bool> published{false};
  auto publisher = publish_paced(broker.bootstrap(), stream, std::chrono::seconds(6), published);
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> lifetime_ms(150, 600);
  int kills = 0;
  while (kills < 10 || !published) {
    RunProcess run(dir / "crashy.yaml", dir / "crashy.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(lifetime_ms(rng)));
    REQUIRE(run.process().running());  // it must not have failed on its own
    run.process().kill_hard();
    ++kills;
  }
  publisher.join();
  {
    write_text(dir / "last.log", "");
    RunProcess last(dir / "crashy.yaml", dir / "last.log");
    REQUIRE(wait_for_log(dir / "last.log", "kafka: reading all"));
    REQUIRE(wait_until_committed(broker.bootstrap(), "crashy", kTopic, kPartitions,
                                 std::chrono::seconds(20)));
    CHECK(last.process().terminate() == 0);  // SIGTERM: graceful, exit 0
  }
  CAPTURE(kills);

  RunConfigSpec reference{broker.bootstrap(), kTopic, "reference", dir / "reference", "static", ""};
  REQUIRE(run_until_caught_up(run_config(reference, scaled)) == 0);
  check_same_outcome(dir / "crashy", dir / "reference");
  CHECK(outbox_alerts(dir / "reference").size() == 150);
}

TEST_CASE("a killed group member is succeeded from RocksDB's offsets and not the group's",
          "[kafka]") {
  TempDir dir;
  BrokerProcess broker(kPartitions, kTopic, dir / "broker.log");
  auto stream = as_pairs(burst_stream({.actors = 40, .partitions = kPartitions, .seed = 12}));
  auto half = stream.size() / 2;
  RunConfigSpec member{broker.bootstrap(), kTopic, "members", dir / "member", "group", ""};
  write_text(dir / "member.yaml", run_config_yaml(member));

  publish(broker.bootstrap(), kTopic, Messages(stream.begin(), stream.begin() + half));
  {
    RunProcess run(dir / "member.yaml", dir / "member.log");
    // Group join (~3 s on the mock), then consume the first half.
    REQUIRE(wait_until_committed(broker.bootstrap(), "members", kTopic, kPartitions,
                                 std::chrono::seconds(20)));
    publish(broker.bootstrap(), kTopic, Messages(stream.begin() + half, stream.end()));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    run.process().kill_hard();  // committed offsets now lag RocksDB's
  }
  {
    write_text(dir / "successor.log", "");
    RunProcess run(dir / "member.yaml", dir / "successor.log");
    REQUIRE(wait_for_log(dir / "successor.log", "kafka: assigned partitions",
                         std::chrono::seconds(25)));
    REQUIRE(wait_until_committed(broker.bootstrap(), "members", kTopic, kPartitions,
                                 std::chrono::seconds(25)));
    CHECK(run.process().terminate() == 0);
  }
  RunConfigSpec reference{broker.bootstrap(), kTopic, "reference", dir / "reference", "static", ""};
  REQUIRE(run_until_caught_up(run_config(reference)) == 0);
  check_same_outcome(dir / "member", dir / "reference");
}

TEST_CASE("a restart commits the group's offsets that a kill left behind RocksDB's", "[kafka]") {
  // The advisory commit runs every 10 minutes here, so the kill lands after
  // the batches' RocksDB writes and before any commit: the group's offsets
  // stay at nothing while RocksDB has them all. Lag dashboards and the
  // restore checkpoint read the group's; a quiet stream would never move them.
  TempDir dir;
  BrokerProcess broker(kPartitions, kTopic, dir / "broker.log");
  // Enough actors that every partition holds messages.
  auto messages = as_pairs(burst_stream({.actors = 40, .partitions = kPartitions, .seed = 11}));
  publish(broker.bootstrap(), kTopic, messages);
  RunConfigSpec spec{broker.bootstrap(), kTopic, "late-commit", dir / "state", "static", ""};
  spec.commit_interval_ms = 600'000;
  // A stats line every second says when every message is in RocksDB.
  write_text(dir / "run.yaml", run_config_yaml(spec, {.stats_interval_s = 1}));
  {
    RunProcess run(dir / "run.yaml", dir / "first.log");
    REQUIRE(wait_for_log(dir / "first.log", " messages=" + std::to_string(messages.size()) + " ",
                         std::chrono::seconds(20)));
    run.process().kill_hard();
  }
  auto high = high_watermarks(broker.bootstrap(), kTopic, kPartitions);
  CHECK(committed_offsets(broker.bootstrap(), "late-commit", kTopic, kPartitions) != high);

  // Nothing new to read: only the restart's own commit can catch the group up.
  RunProcess run(dir / "run.yaml", dir / "second.log");
  bool caught_up = wait_until_committed(broker.bootstrap(), "late-commit", kTopic, kPartitions,
                                        std::chrono::seconds(15));
  INFO(read_text(dir / "second.log"));
  CHECK(caught_up);
  CHECK(run.process().terminate() == 0);
}
