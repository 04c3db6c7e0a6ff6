// Readiness against the brokers (issue 12, finding 13; docs/security.md):
// in static mode a broker that is down at start is waited for (not exit 1),
// and /readyz is 503 while no broker connection is up, as librdkafka's
// statistics report it.
#include <catch2/catch.hpp>
#include <thread>

#include "support/kafka_harness.hpp"
#include "support/scrape.hpp"
#include "support/temp_dir.hpp"

using namespace support;

namespace {

constexpr const char* kTopic = "audit";

std::string static_config(const RunConfigSpec& spec, int http_port) {
  RunConfigExtras extras;
  extras.http_listen = "127.0.0.1:" + std::to_string(http_port);
  auto yaml = run_config_yaml(spec, extras);
  const std::string stats = "statistics.interval.ms: 0";
  yaml.replace(yaml.find(stats), stats.size(), "statistics.interval.ms: 300");
  return yaml;
}

bool wait_for_ready(const std::string& url, long status, const std::string& reason) {
  for (int i = 0; i < 300; ++i) {
    auto answer = http_get(url);
    if (answer.status == status && answer.body.find(reason) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace

TEST_CASE("static mode waits for a broker that is down at start instead of exiting",
          "[kafka][readiness]") {
  TempDir dir;
  const auto port = free_loopback_port();
  RunConfigSpec spec{"127.0.0.1:" + std::to_string(free_loopback_port()), kTopic, "readiness",
                     dir.path() / "state", "static"};
  const auto config = dir.path() / "run.yaml";
  write_text(config, static_config(spec, port));
  const auto log = dir.path() / "run.log";
  RunProcess run(config, log);
  REQUIRE(wait_for_log(log, "trying again in", std::chrono::seconds(30)));
  CHECK(run.process().running());
  CHECK(wait_for_ready("http://127.0.0.1:" + std::to_string(port) + "/readyz", 503,
                       "no partitions assigned"));
  CHECK(run.process().terminate() == 0);
}

TEST_CASE("readyz is 503 while every broker is down in static mode", "[kafka][readiness]") {
  TempDir dir;
  auto broker = std::make_unique<BrokerProcess>(2, kTopic, dir.path() / "broker.log");
  const auto port = free_loopback_port();
  const auto readyz = "http://127.0.0.1:" + std::to_string(port) + "/readyz";
  RunConfigSpec spec{broker->bootstrap(), kTopic, "readiness", dir.path() / "state", "static"};
  const auto config = dir.path() / "run.yaml";
  write_text(config, static_config(spec, port));
  const auto log = dir.path() / "run.log";
  RunProcess run(config, log);
  REQUIRE(wait_for_ready(readyz, 200, "ready"));

  broker.reset();  // SIGKILL: every broker connection goes down
  CHECK(wait_for_ready(readyz, 503, "no Kafka broker is reachable"));
  CHECK(run.process().running());
  CHECK(run.process().terminate() == 0);
}
