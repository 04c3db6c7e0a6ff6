#include "stream/ops/metrics.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <regex>

#include "stream/config/rules_loader.hpp"
#include "stream/pipeline/pipeline.hpp"
#include "support/audit_records.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;
using namespace rolewatch::stream;

namespace {

// The value of one series in a scrape ("name{labels}" exactly as printed).
double value_of(const std::string& scrape, const std::string& series) {
  std::istringstream in(scrape);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
  }
  FAIL("series not found: " << series);
  return 0;
}

// promtool's verdict on a scrape: "" when clean, its complaints otherwise.
std::string promtool_check(const std::string& scrape) {
  support::TempDir dir;
  std::ofstream(dir / "scrape.txt") << scrape;
  std::string command = "promtool check metrics < " + (dir / "scrape.txt").string() + " 2>&1";
  std::string out;
  auto* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[512];
  while (auto n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  int status = ::pclose(pipe);
  return status == 0 ? out : "exit " + std::to_string(status) + ": " + out;
}

std::string burst_message(int first_admin) {
  std::vector<support::Json> records;
  for (int i = 0; i < 3; ++i) {
    records.push_back(support::core_directory_removal(
        {.target = support::admin(first_admin + i), .time = support::at(support::kBaseTime, i)}));
  }
  records.push_back(support::non_role_record());
  return support::event_hubs_message(records);
}

}  // namespace

TEST_CASE("a scrape passes promtool check metrics", "[metrics]") {
  if (std::system("command -v promtool > /dev/null") != 0) {
    WARN("skipped: promtool is not installed (apt-get install prometheus)");
    return;
  }
  Metrics metrics;
  metrics.delivery().add_sink("soar");
  metrics.set_consumer_lag(0, 12);
  metrics.delivery().delivered("soar", 0.01, 0.02);
  CHECK(promtool_check(metrics.scrape()) == "");
}

TEST_CASE("metric values move as records flow through the pipeline", "[metrics]") {
  support::TempDir dir;
  auto store = state::Store::open(dir.path());
  REQUIRE(store);
  auto rules = load_rules({});
  REQUIRE(rules);
  auto pipeline = Pipeline::make(**store, *rules);
  REQUIRE(pipeline);
  Metrics metrics;
  metrics.set_state_size_source([&] { return (*store)->estimated_bytes(); });
  auto before = metrics.scrape();
  CHECK(value_of(before, "rolewatch_messages_total") == 0);

  auto body = burst_message(1);
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::vector<SourceMessage> messages{{"audit", 2, 41, now_ms - 20, body, false},
                                      {"audit", 2, 42, now_ms - 10, "{not json", false}};
  auto result = (*pipeline)->process(messages);
  REQUIRE(result);
  REQUIRE(result->alerts.size() == 1);
  metrics.record_batch(*result);
  metrics.set_consumer_lag(2, 5);

  auto after = metrics.scrape();
  CHECK(value_of(after, "rolewatch_messages_total") == 2);
  CHECK(value_of(after, "rolewatch_message_bytes_total") == body.size() + 9);
  CHECK(value_of(after, "rolewatch_records_total") == 4);
  CHECK(value_of(after, "rolewatch_records_skipped_total{reason=\"other_category\"}") == 1);
  CHECK(value_of(after, "rolewatch_malformed_messages_total") == 1);
  CHECK(value_of(after, "rolewatch_role_events_total{kind=\"remove-active\"}") == 3);
  CHECK(value_of(after, "rolewatch_alerts_total{rule=\"privileged-role-removal-burst\"}") == 1);
  CHECK(value_of(after, "rolewatch_alert_event_latency_seconds_count") == 1);
  CHECK(value_of(after, "rolewatch_alert_broker_latency_seconds_count") == 1);
  CHECK(value_of(after, "rolewatch_state_write_duration_seconds_count") == 1);
  CHECK(value_of(after, "rolewatch_batch_duration_seconds_count") == 1);
  CHECK(value_of(after, "rolewatch_consumer_lag_messages{partition=\"2\"}") == 5);
  CHECK(value_of(after, "rolewatch_watermark_lag_seconds") > 0);
  CHECK(value_of(after, "rolewatch_state_size_bytes") >= 0);
  CHECK(value_of(after, "rolewatch_last_message_timestamp_seconds") ==
        Approx(now_ms / 1000.0).margin(0.002));

  // The same records again are duplicates, not new alerts.
  auto again = (*pipeline)->process(std::vector<SourceMessage>{{"audit", 2, 43, 0, body, false}});
  REQUIRE(again);
  metrics.record_batch(*again);
  auto third = metrics.scrape();
  CHECK(value_of(third, "rolewatch_duplicate_records_total") == 3);
  CHECK(value_of(third, "rolewatch_alerts_total{rule=\"privileged-role-removal-burst\"}") == 1);
  if (std::system("command -v promtool > /dev/null") == 0) CHECK(promtool_check(third) == "");
}

TEST_CASE("metric names follow the Prometheus conventions and labels never carry an actor",
          "[metrics]") {
  Metrics metrics;
  metrics.delivery().add_sink("teams");
  auto scrape = metrics.scrape();
  std::regex type_line(R"(# TYPE (\S+) (\S+))");
  std::istringstream in(scrape);
  int families = 0;
  for (std::string line; std::getline(in, line);) {
    std::smatch match;
    if (!std::regex_match(line, match, type_line)) continue;
    ++families;
    auto name = match[1].str();
    auto type = match[2].str();
    // process_start_time_seconds: the standard name every client library uses.
    if (name != "process_start_time_seconds") CHECK(name.starts_with("rolewatch_"));
    if (type == "counter") CHECK(name.ends_with("_total"));
    CHECK(name.find("milliseconds") == std::string::npos);
  }
  CHECK(families >= 25);
  CHECK(scrape.find("actor") == std::string::npos);
  CHECK(scrape.find("rolewatch_build_info{librdkafka=") != std::string::npos);
}

TEST_CASE("a revoked partition's lag series disappears", "[metrics]") {
  Metrics metrics;
  metrics.set_consumer_lag(3, 7);
  CHECK(metrics.scrape().find("partition=\"3\"") != std::string::npos);
  metrics.remove_consumer_lag(3);
  CHECK(metrics.scrape().find("partition=\"3\"") == std::string::npos);
}

TEST_CASE("the eligibility snapshot's age and the Graph refreshes are exported", "[metrics]") {
  Metrics metrics;
  CHECK(value_of(metrics.scrape(), "rolewatch_eligibility_snapshot_age_seconds") == -1);
  RefreshStatus status;
  auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  status.snapshot_fetched_at = now_us - 90'000'000;  // fetched 90 s ago
  status.assignments = 1234;
  status.successes = 3;
  status.failures = 1;
  status.graph_requests = 40;
  status.graph_throttled = 2;
  metrics.set_eligibility_source([&] { return status; });
  auto first = metrics.scrape();
  CHECK(value_of(first, "rolewatch_eligibility_snapshot_age_seconds") == Approx(90).margin(5));
  CHECK(value_of(first, "rolewatch_eligibility_assignments") == 1234);
  CHECK(value_of(first, "rolewatch_eligibility_refreshes_total{result=\"failure\"}") == 1);
  status.failures = 2;  // one more failed refresh: counters move by the difference
  auto second = metrics.scrape();
  CHECK(value_of(second, "rolewatch_eligibility_refreshes_total{result=\"failure\"}") == 2);
  CHECK(value_of(second, "rolewatch_eligibility_refreshes_total{result=\"success\"}") == 3);
  CHECK(value_of(second, "rolewatch_graph_requests_total") == 40);
}

TEST_CASE("partition times, skew and paused partitions follow the alignment, revoked ones vanish",
          "[metrics][event-time]") {
  Metrics metrics;
  constexpr rules::EventTime kNoon = 1'741'089'600'000'000;  // 2025-03-04T12:00:00Z
  metrics.set_alignment(
      {.watermark = kNoon,
       .partitions = {
           {.partition = 0, .time = kNoon, .holding = true},
           {.partition = 1, .time = kNoon + 1'200'000'000, .holding = true, .paused = true},
           {.partition = 2, .time = 0}}});
  auto first = metrics.scrape();
  CHECK(value_of(first, "rolewatch_watermark_timestamp_seconds") == Approx(1'741'089'600.0));
  CHECK(value_of(first, "rolewatch_partition_time_timestamp_seconds{partition=\"1\"}") ==
        Approx(1'741'090'800.0));
  CHECK(value_of(first, "rolewatch_partition_skew_seconds{partition=\"1\"}") == 1200);
  CHECK(value_of(first, "rolewatch_partition_skew_seconds{partition=\"0\"}") == 0);
  CHECK(value_of(first, "rolewatch_paused_partitions") == 1);
  // Nothing read yet from partition 2: its series exist but hold no time.
  CHECK(value_of(first, "rolewatch_partition_time_timestamp_seconds{partition=\"2\"}") == 0);

  // Partition 1 revoked, partition 0 caught up with it: no stale series.
  metrics.set_alignment({.watermark = kNoon + 1'200'000'000,
                         .partitions = {{.partition = 0, .time = kNoon + 1'200'000'000}}});
  auto second = metrics.scrape();
  CHECK(second.find("partition=\"1\"") == std::string::npos);
  CHECK(value_of(second, "rolewatch_paused_partitions") == 0);
  CHECK(value_of(second, "rolewatch_partition_skew_seconds{partition=\"0\"}") == 0);
}

TEST_CASE("late and future records are counted by reason", "[metrics][event-time]") {
  Metrics metrics;
  BatchResult result;
  result.counters.late_retention = 2;
  result.counters.late_rule_window = 1;
  result.counters.future_broker_time = 3;
  result.counters.future_host_clock = 4;
  metrics.record_batch(result);
  auto scrape = metrics.scrape();
  CHECK(value_of(scrape, "rolewatch_late_records_total{reason=\"retention\"}") == 2);
  CHECK(value_of(scrape, "rolewatch_late_records_total{reason=\"rule_window\"}") == 1);
  CHECK(value_of(scrape, "rolewatch_future_records_total{reason=\"ahead_of_broker_time\"}") == 3);
  CHECK(value_of(scrape, "rolewatch_future_records_total{reason=\"ahead_of_host_clock\"}") == 4);
}

TEST_CASE("burst revisions, twin decisions and skipped revisions are counted", "[metrics]") {
  Metrics metrics;
  metrics.declare_rules({"burst"});
  CHECK(value_of(metrics.scrape(),
                 "rolewatch_alert_revisions_total{rule=\"burst\",status=\"closed\"}") == 0);
  BatchResult result;
  rules::Alert update;
  update.rule = "burst";
  update.status = rules::AlertStatus::updated;
  result.revisions = {update, update};
  result.revisions[1].status = rules::AlertStatus::closed;
  result.counters.twins_paired = 5;
  result.counters.twins_held = 2;
  result.counters.twins_unpaired = 1;
  metrics.record_batch(result);
  metrics.delivery().revision_skipped("teams");
  auto scrape = metrics.scrape();
  CHECK(value_of(scrape, "rolewatch_alert_revisions_total{rule=\"burst\",status=\"updated\"}") ==
        1);
  CHECK(value_of(scrape, "rolewatch_alert_revisions_total{rule=\"burst\",status=\"closed\"}") == 1);
  CHECK(value_of(scrape, "rolewatch_twin_candidates_total{outcome=\"paired\"}") == 5);
  CHECK(value_of(scrape, "rolewatch_twin_candidates_total{outcome=\"held\"}") == 2);
  CHECK(value_of(scrape, "rolewatch_twin_candidates_total{outcome=\"unpaired\"}") == 1);
  CHECK(value_of(scrape, "rolewatch_alert_revisions_skipped_total{sink=\"teams\"}") == 1);
  if (std::system("command -v promtool > /dev/null") == 0) CHECK(promtool_check(scrape) == "");
}
