// `rolewatch run` on a state volume that runs low (issue 12, "Disk full";
// docs/security.md): below state.min_free_mb it holds the batch and pauses
// consumption, /readyz says why (503) and rolewatch_state_paused is 1; when
// space returns it resumes by itself, and every alert is raised once. The
// volume is a real tmpfs filled by the test (needs CAP_SYS_ADMIN).
#include <catch2/catch.hpp>
#include <set>

#include "support/burst_stream.hpp"
#include "support/kafka_harness.hpp"
#include "support/scrape.hpp"
#include "support/temp_dir.hpp"
#include "support/tmpfs.hpp"

using namespace support;

namespace {

constexpr const char* kTopic = "audit";
constexpr int kPartitions = 2;

void publish_actors(const std::string& bootstrap, int first, int count) {
  std::vector<std::pair<std::int32_t, std::string>> messages;
  for (const auto& m :
       burst_stream({.actors = count, .partitions = kPartitions, .first_actor = first})) {
    messages.emplace_back(m.partition, m.body);
  }
  publish(bootstrap, kTopic, messages);
}

}  // namespace

TEST_CASE("a run below its free-space reserve pauses, says why, and resumes by itself",
          "[kafka][disk_full]") {
  std::string why;
  auto tmpfs = Tmpfs::make(64, why);
  if (!tmpfs) {
    WARN("skipped: " << why);
    return;
  }
  TempDir dir;
  BrokerProcess broker(kPartitions, kTopic, dir.path() / "broker.log");
  const auto state = tmpfs->path() / "state";
  const auto port = free_loopback_port();
  const auto base = "http://127.0.0.1:" + std::to_string(port);
  RunConfigSpec spec{broker.bootstrap(), kTopic, "disk-full", state};
  RunConfigExtras extras;
  extras.http_listen = "127.0.0.1:" + std::to_string(port);
  extras.state_yaml = "  min_free_mb: 16\n";
  const auto config = dir.path() / "run.yaml";
  write_text(config, run_config_yaml(spec, extras));
  const auto log = dir.path() / "run.log";
  RunProcess run(config, log);
  REQUIRE(wait_for_log(log, "assigned partitions"));

  publish_actors(broker.bootstrap(), 0, 5);
  REQUIRE(wait_until_committed(broker.bootstrap(), "disk-full", kTopic, kPartitions,
                               std::chrono::seconds(30)));

  tmpfs->fill_leaving(8u << 20);  // below the 16 MiB reserve
  publish_actors(broker.bootstrap(), 5, 5);
  REQUIRE(wait_for_log(log, "consumption paused until space returns"));
  REQUIRE(wait_for_log(log, "kafka: consumption paused"));
  auto ready = http_get(base + "/readyz");
  CHECK(ready.status == 503);
  CHECK_THAT(ready.body, Catch::Contains("below its reserve of 16 MiB"));
  auto metrics = http_get(base + "/metrics").body;
  CHECK(metric_value(metrics, "rolewatch_state_paused") == 1);
  CHECK(metric_value(metrics, "rolewatch_state_disk_low_total") == 1);
  CHECK(run.process().running());

  tmpfs->remove_filler();
  INFO(read_text(log));
  REQUIRE(wait_for_log(log, "consumption resumed"));
  REQUIRE(wait_until_committed(broker.bootstrap(), "disk-full", kTopic, kPartitions,
                               std::chrono::seconds(30)));
  CHECK(http_get(base + "/readyz").status == 200);
  CHECK(metric_value(http_get(base + "/metrics").body, "rolewatch_state_paused") == 0);
  REQUIRE(run.process().terminate() == 0);

  std::set<std::string> actors;
  auto alerts = outbox_alerts(state);
  for (const auto& alert : alerts) actors.insert(alert["actor"]["id"].get<std::string>());
  CHECK(alerts.size() == 10);  // each burst once: none lost while paused, none repeated
  for (int n = 0; n < 10; ++n) CHECK(actors.count(burst_actor_id(n)) == 1);
  CHECK_THAT(read_text(log), !Catch::Contains("Assertion"));
}
