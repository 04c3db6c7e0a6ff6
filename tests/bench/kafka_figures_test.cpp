// Figures for the live path, printed rather than asserted (the machines are
// noisy). Hidden: run with
//   rolewatch_integration_tests "[figures]" -s
#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "stream/runtime/runner.hpp"
#include "stream/source/kafka/embedded_broker.hpp"
#include "support/audit_records.hpp"
#include "support/kafka_harness.hpp"
#include "support/temp_dir.hpp"

using namespace support;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kTopic = "audit";
constexpr int kPartitions = 4;

// ~100 records of ~2 KB per message, 1% of them privileged role removals.
std::vector<std::pair<std::int32_t, std::string>> realistic_messages(int count) {
  std::vector<std::pair<std::int32_t, std::string>> messages;
  auto filler = non_role_record("UserManagement", 2048);
  for (int m = 0; m < count; ++m) {
    std::vector<Json> records;
    for (int r = 0; r < 100; ++r) {
      if (r == 50) {
        RecordSpec spec;
        spec.actor = user("aaaaaaaa-0000-0000-0000-" + std::to_string(100000000000 + m),
                          "a" + std::to_string(m) + "@contoso.com");
        spec.time = at(kBaseTime, m);
        records.push_back(core_directory_removal(spec));
      } else {
        auto record = filler;
        record["properties"]["id"] =
            "Directory_fill_" + std::to_string(m) + "_" + std::to_string(r);
        records.push_back(record);
      }
    }
    messages.emplace_back(m % kPartitions, event_hubs_message(records));
  }
  return messages;
}

}  // namespace

TEST_CASE("end-to-end throughput through the embedded broker", "[.][figures]") {
  auto broker = rolewatch::stream::EmbeddedBroker::start(kTopic, kPartitions);
  REQUIRE(broker.has_value());
  // 24 messages of ~199 KiB per partition: under the embedded broker's 5 MiB
  // per partition (librdkafka's mock drops older segments).
  const int messages = 24 * kPartitions;
  publish((*broker)->bootstrap(), kTopic, realistic_messages(messages));
  TempDir dir;
  auto config = run_config({(*broker)->bootstrap(), kTopic, "bench", dir / "state", "static", ""});
  std::atomic<bool> stop{false};
  rolewatch::stream::RunOptions options;
  options.stop_at_end = true;
  options.install_signal_handlers = false;
  options.stop = &stop;
  rolewatch::stream::RunHooks hooks;
  Clock::time_point assigned;
  std::uint64_t records = 0, bytes = 0;
  hooks.assignment_changed = [&](const auto&) { assigned = Clock::now(); };
  hooks.batch_committed = [&](const rolewatch::stream::BatchResult& result) {
    records += result.counters.decode.records;
  };
  REQUIRE(rolewatch::stream::run(config, options, hooks) == 0);
  double seconds = std::chrono::duration<double>(Clock::now() - assigned).count();
  for (const auto& [p, body] : realistic_messages(1)) bytes = body.size();
  std::cout << "throughput: " << records << " records (" << messages << " messages of ~"
            << bytes / 1024 << " KiB) in " << seconds << " s = " << records / seconds
            << " records/s, " << (bytes * messages / seconds) / (1 << 20) << " MiB/s\n";
  CHECK(records == 100u * messages);
}

TEST_CASE("time from a SIGKILL restart to processing resumed", "[.][figures]") {
  TempDir dir;
  BrokerProcess broker(kPartitions, kTopic, dir / "broker.log");
  RunConfigSpec spec{broker.bootstrap(), kTopic, "restart", dir / "state", "static", ""};
  spec.commit_interval_ms = 10;
  write_text(dir / "run.yaml", run_config_yaml(spec));
  publish(broker.bootstrap(), kTopic, realistic_messages(40));
  {
    RunProcess run(dir / "run.yaml", dir / "run.log");
    REQUIRE(wait_until_committed(broker.bootstrap(), "restart", kTopic, kPartitions,
                                 std::chrono::seconds(20)));
    run.process().kill_hard();
  }
  OffsetQuery query(broker.bootstrap(), "restart");
  for (int round = 0; round < 5; ++round) {
    auto before = query.committed(kTopic, kPartitions);
    publish(broker.bootstrap(), kTopic, {{0, realistic_messages(1).front().second}});
    auto start = Clock::now();
    RunProcess run(dir / "run.yaml", dir / "run.log");
    while (query.committed(kTopic, kPartitions)[0] == before[0]) {
      REQUIRE(Clock::now() - start < std::chrono::seconds(20));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    auto ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    std::cout << "restart " << round << ": process start to new message committed: " << ms
              << " ms\n";
    run.process().kill_hard();
  }
}
