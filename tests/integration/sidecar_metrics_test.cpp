// The sidecar on the live path: `rolewatch run` (in process, embedded broker)
// serving /metrics while records flow, scraped over HTTP like Prometheus does.
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "stream/runtime/runner.hpp"
#include "stream/runtime/sidecar.hpp"
#include "stream/source/kafka/embedded_broker.hpp"
#include "stream/source/kafka/message_publisher.hpp"
#include "support/kafka_harness.hpp"
#include "support/scrape.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;

namespace {

constexpr const char* kTopic = "insights-logs-auditlogs";
const std::string kSample = std::string(ROLEWATCH_SOURCE_DIR) + "/deploy/demo/sample-attack.jsonl";

}  // namespace

TEST_CASE("a running sidecar's /metrics moves as the sample flows and passes promtool",
          "[kafka][metrics]") {
  auto broker = stream::EmbeddedBroker::start(kTopic, 4);
  REQUIRE(broker);
  support::TempDir dir;
  auto listen = "127.0.0.1:" + std::to_string(support::free_loopback_port());
  auto url = "http://" + listen + "/metrics";
  support::RunConfigSpec spec{
      (*broker)->bootstrap(), kTopic,   "metrics",
      dir / "state",          "static", "http: {listen: '" + listen + "'}\n"};
  auto config = support::run_config(spec);
  stream::Sidecar sidecar(config);
  std::atomic<bool> stop{false};
  stream::RunOptions options;
  options.install_signal_handlers = false;
  options.stop = &stop;
  int code = -1;
  std::thread runner([&] { code = stream::run(config, options, sidecar.hooks()); });

  std::ifstream sample(kSample);
  auto publisher = stream::MessagePublisher::open((*broker)->bootstrap());
  REQUIRE(publisher);
  REQUIRE(stream::publish_lines(**publisher, kTopic, 4, sample));
  std::string metrics;
  for (int i = 0; i < 300 && support::metric_value(metrics, "rolewatch_messages_total") < 53; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    metrics = support::http_get(url).body;
  }
  stop = true;
  runner.join();
  CHECK(code == 0);
  CHECK(support::metric_value(metrics, "rolewatch_messages_total") == 53);
  CHECK(support::metric_value(metrics, "rolewatch_message_bytes_total") > 53 * 500);
  CHECK(support::metric_value(metrics, "rolewatch_role_events_total{kind=\"remove-active\"}") > 0);
  CHECK(support::metric_value(
            metrics, "rolewatch_alerts_total{rule=\"privileged-role-removal-burst\"}") == 1);
  CHECK(support::metric_value(metrics, "rolewatch_batch_duration_seconds_count") > 0);
  CHECK(support::metric_value(metrics, "rolewatch_state_write_duration_seconds_count") > 0);
  CHECK(support::metric_value(metrics, "rolewatch_alert_broker_latency_seconds_count") == 1);
  CHECK(support::metric_value(metrics, "rolewatch_last_message_timestamp_seconds") > 0);
  if (std::system("command -v promtool > /dev/null") == 0) {
    support::write_text(dir / "scrape.txt", metrics);
    CHECK(std::system(("promtool check metrics < " + (dir / "scrape.txt").string()).c_str()) == 0);
  }
}
