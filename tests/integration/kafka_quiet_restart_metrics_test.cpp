// After a restart on a quiet hub, /metrics already says how old the newest
// audit record is (partition times restored from RocksDB), before any new
// message arrives. RolewatchNoAuditLogs (deploy/prometheus) relies on it:
// a restart must not look like hours of silence.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "state/base/time.hpp"
#include "stream/runtime/runner.hpp"
#include "stream/runtime/sidecar.hpp"
#include "stream/source/kafka/embedded_broker.hpp"
#include "support/audit_records.hpp"
#include "support/kafka_harness.hpp"
#include "support/scrape.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;

namespace {

constexpr const char* kTopic = "insights-logs-auditlogs";

// Scrapes until `series` is above 0 (at most ~15 s); the last scrape.
std::string scrape_until_set(const std::string& url, const std::string& series) {
  std::string metrics;
  for (int i = 0; i < 300 && support::metric_value(metrics, series) <= 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    metrics = support::http_get(url).body;
  }
  return metrics;
}

}  // namespace

TEST_CASE("a restart with nothing new to read exports the stored partition times at once",
          "[kafka][metrics]") {
  auto broker = stream::EmbeddedBroker::start(kTopic, 2);
  REQUIRE(broker);
  using namespace support;
  const auto newest = at(kBaseTime, 30);
  publish(
      (*broker)->bootstrap(), kTopic,
      {{0, event_hubs_message({core_directory_removal({.target = admin(1)})})},
       {1, event_hubs_message({core_directory_removal({.target = admin(2), .time = newest})})}});
  TempDir dir;
  auto listen = "127.0.0.1:" + std::to_string(free_loopback_port());
  RunConfigSpec spec{(*broker)->bootstrap(), kTopic, "quiet", dir / "state", "static", ""};
  auto config = run_config(spec, RunConfigExtras{.http_listen = listen});
  {
    stream::Sidecar sidecar(config);
    REQUIRE(run_until_caught_up(config, {}, sidecar.hooks()) == 0);
  }

  // The restart: the hub stays quiet.
  stream::Sidecar sidecar(config);
  std::atomic<bool> stop{false};
  stream::RunOptions options;
  options.install_signal_handlers = false;
  options.stop = &stop;
  int code = -1;
  std::thread runner([&] { code = stream::run(config, options, sidecar.hooks()); });
  auto metrics = scrape_until_set("http://" + listen + "/metrics",
                                  "rolewatch_partition_time_timestamp_seconds{partition=\"1\"}");
  stop = true;
  runner.join();
  CHECK(code == 0);
  CHECK(metric_value(metrics, "rolewatch_messages_total") == 0);  // nothing new was read
  // Neither of these says when the hub last had audit logs: the last batch
  // is the loop's idle tick (every second, messages or not), and the newest
  // broker timestamp is not stored.
  CHECK(metric_value(metrics, "rolewatch_last_batch_timestamp_seconds") >=
        metric_value(metrics, "process_start_time_seconds"));
  CHECK(metric_value(metrics, "rolewatch_last_message_timestamp_seconds") == 0);
  // What RolewatchNoAuditLogs reads: the newest record's time, from the state.
  auto expected = static_cast<double>(*state::parse_event_time(newest)) / 1e6;
  CHECK(metric_value(metrics, "rolewatch_partition_time_timestamp_seconds{partition=\"1\"}") ==
        Approx(expected).margin(0.001));
  auto other = metric_value(metrics, "rolewatch_partition_time_timestamp_seconds{partition=\"0\"}");
  CHECK(other > 0);
  CHECK(other < expected);
  CHECK(metric_value(metrics, "process_start_time_seconds") > 0);
}
