// The live path on the embedded broker: messages published with a real
// Kafka client go through the consumer, the pipeline and RocksDB into the
// outbox.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <set>

#include "stream/runtime/runner.hpp"
#include "stream/source/kafka/embedded_broker.hpp"
#include "stream/source/kafka/message_publisher.hpp"
#include "support/audit_records.hpp"
#include "support/command.hpp"
#include "support/kafka_harness.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch::stream;

namespace {

constexpr const char* kTopic = "insights-logs-auditlogs";
const std::string kSample = std::string(ROLEWATCH_SOURCE_DIR) + "/deploy/demo/sample-attack.jsonl";

std::unique_ptr<EmbeddedBroker> start_broker(int partitions) {
  auto broker = EmbeddedBroker::start(kTopic, partitions);
  REQUIRE(broker.has_value());
  return std::move(*broker);
}

support::RunConfigSpec spec_for(const EmbeddedBroker& broker, const support::TempDir& dir,
                                std::string group = "rolewatch",
                                std::string assignment = "static") {
  return {broker.bootstrap(), kTopic, std::move(group), dir / "state", std::move(assignment), ""};
}

void check_mallory_alert(const std::vector<nlohmann::json>& alerts) {
  REQUIRE(alerts.size() == 1);
  const auto& alert = alerts.front();
  CHECK(alert["schema"] == "rolewatch.alert.v1");
  CHECK(alert["rule"] == "privileged-role-removal-burst");
  CHECK(alert["actor"]["userPrincipalName"] == "mallory@contoso.onmicrosoft.com");
  CHECK(alert["mitre"]["technique"] == "T1531");
  for (const auto& removal : alert["removals"]) CHECK(removal["service"] != "MS-PIM");
}

}  // namespace

TEST_CASE("the bundled sample published with a Kafka producer raises the burst's alert",
          "[kafka]") {
  auto broker = start_broker(4);
  std::ifstream sample(kSample);
  REQUIRE(sample);
  auto publisher = MessagePublisher::open(broker->bootstrap());
  REQUIRE(publisher.has_value());
  auto published = publish_lines(**publisher, kTopic, 4, sample);
  REQUIRE(published.has_value());
  CHECK(*published >= 50);

  support::TempDir dir;
  auto config = support::run_config(spec_for(*broker, dir, "rolewatch", "group"));
  REQUIRE(support::run_until_caught_up(config) == 0);
  check_mallory_alert(support::outbox_alerts(dir / "state"));
}

TEST_CASE("the bundled sample published with kcat raises the burst's alert", "[kafka]") {
  if (support::run_shell("command -v kcat").exit_code != 0) {
    WARN("kcat is not installed: skipped");
    return;
  }
  auto broker = start_broker(4);
  auto produced = support::run_shell("kcat -P -b " + broker->bootstrap() + " -t " + kTopic +
                                     " -X log_level=3 < " + kSample);
  REQUIRE(produced.exit_code == 0);
  support::TempDir dir;
  auto config = support::run_config(spec_for(*broker, dir));
  REQUIRE(support::run_until_caught_up(config) == 0);
  check_mallory_alert(support::outbox_alerts(dir / "state"));
}

TEST_CASE("one burst spread over partitions and out of order raises exactly one alert", "[kafka]") {
  auto broker = start_broker(4);
  using namespace support;
  std::vector<Json> removals;
  for (int n = 1; n <= 5; ++n) {
    RecordSpec spec;
    spec.target = admin(n);
    spec.role = n % 2 ? global_administrator() : privileged_role_administrator();
    spec.time = at(kBaseTime, n * 30);
    removals.push_back(n == 3 ? pim_eligible_removal(spec) : core_directory_removal(spec));
  }
  RecordSpec twin;
  twin.target = admin(3);
  twin.time = at(kBaseTime, 89);
  // Newest first, each on another partition; the twin and a duplicate too.
  std::vector<std::pair<std::int32_t, std::string>> messages;
  for (int i = 4, p = 0; i >= 0; --i, p = (p + 1) % 4) {
    messages.push_back({p, event_hubs_message({removals[i], non_role_record()})});
  }
  messages.push_back({1, event_hubs_message({ms_pim_twin(twin)})});
  messages.push_back({3, event_hubs_message({removals[0]})});
  publish(broker->bootstrap(), kTopic, messages);

  TempDir dir;
  auto config = run_config(spec_for(*broker, dir));
  REQUIRE(run_until_caught_up(config) == 0);
  auto alerts = outbox_alerts(dir / "state");
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0]["actor"]["id"] == mallory().id);
  CHECK(alerts[0]["count"] == 5);  // the last revision: every removal of the burst
}

TEST_CASE("a restart resumes from RocksDB's offsets and repeats no alert", "[kafka]") {
  auto broker = start_broker(2);
  using namespace support;
  publish(broker->bootstrap(), kTopic,
          {{0, event_hubs_message({core_directory_removal({.target = admin(1)})})},
           {1, event_hubs_message(
                   {core_directory_removal({.target = admin(2), .time = at(kBaseTime, 10)})})},
           {0, event_hubs_message(
                   {core_directory_removal({.target = admin(3), .time = at(kBaseTime, 20)})})}});
  TempDir dir;
  auto config = run_config(spec_for(*broker, dir));
  REQUIRE(run_until_caught_up(config) == 0);
  REQUIRE(outbox_alerts(dir / "state").size() == 1);
  // The same state again, with a new member of the burst: nothing re-read.
  publish(broker->bootstrap(), kTopic,
          {{1, event_hubs_message(
                   {core_directory_removal({.target = admin(4), .time = at(kBaseTime, 30)})})}});
  REQUIRE(run_until_caught_up(config) == 0);
  CHECK(outbox_alerts(dir / "state").size() == 1);
  auto offsets = family_contents(dir / "state", rolewatch::state::Family::offsets);
  CHECK(offsets.size() == 2);
}

TEST_CASE("a batch closes at max_bytes so a backlog is never held in memory whole", "[kafka]") {
  auto broker = start_broker(1);
  std::ifstream sample(kSample);
  auto publisher = MessagePublisher::open(broker->bootstrap());
  REQUIRE(publisher.has_value());
  REQUIRE(publish_lines(**publisher, kTopic, 1, sample).has_value());

  support::TempDir dir;
  auto spec = spec_for(*broker, dir);
  auto config = support::run_config(spec);
  config.source.batch.max_bytes = 20'000;
  std::atomic<bool> stop{false};
  RunOptions options;
  options.stop_at_end = true;
  options.install_signal_handlers = false;
  options.stop = &stop;
  RunHooks hooks;
  std::uint64_t batches = 0, messages = 0, largest_message = 0;
  std::vector<std::uint64_t> sizes;
  hooks.batch_committed = [&](const BatchResult& result) {
    ++batches;
    messages += result.counters.decode.messages;
    sizes.push_back(result.bytes);
  };
  REQUIRE(run(config, options, hooks) == 0);
  std::ifstream again(kSample);
  for (std::string line; std::getline(again, line);) {
    largest_message = std::max<std::uint64_t>(largest_message, line.size());
  }
  CHECK(messages >= 50);
  CHECK(batches > 1);
  // A batch closes once it reaches max_bytes: at most one message beyond it.
  for (auto bytes : sizes) CHECK(bytes < 20'000 + largest_message);
}
