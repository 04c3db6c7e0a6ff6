// `rolewatch --log-level/--log-format ... run`: flags given on the command
// line win over the configuration's `log:` section (issue 13: the config's
// log.level used to override --log-level), and log.format: json makes every
// stderr line a JSON object.
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "support/command.hpp"
#include "support/kafka_harness.hpp"
#include "support/temp_dir.hpp"

using namespace support;

namespace {

// A run on the embedded broker that logs its stats every second at info.
std::filesystem::path write_config(const TempDir& dir, const std::string& log_section) {
  auto path = dir / "rolewatch.yaml";
  write_text(path,
             "source: {brokers: embedded, topic: insights-logs-auditlogs, group: rolewatch, "
             "partitions: 1}\n"
             "state: {dir: " +
                 (dir / "state").string() +
                 "}\n"
                 "sinks: [{type: stdout}]\n"
                 "log: " +
                 log_section + "\n");
  return path;
}

const std::regex kTextLine(
    R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (trace|debug|info|warning|error|critical) .*)");

bool is_json_record(const std::string& line) {
  auto record = nlohmann::json::parse(line, nullptr, false);
  return record.is_object() && record.contains("time") && record.contains("level") &&
         record.contains("message");
}

}  // namespace

TEST_CASE("the flag --log-level error wins over the config's log.level debug", "[config][log]") {
  TempDir dir;
  auto config = write_config(dir, "{level: debug, stats_interval_s: 1}");
  {
    // Control: without the flag, the config's level lets info lines through.
    RunProcess run(config, dir / "control.log");
    CHECK(wait_for_log(dir / "control.log", " info rolewatch "));
    CHECK(run.process().terminate() == 0);
  }
  {
    RunProcess run(config, dir / "flag.log", {"--log-level", "error"});
    // Three stats intervals: each would have logged an info line.
    std::this_thread::sleep_for(std::chrono::seconds(3));
    CHECK(run.process().terminate() == 0);  // it ran, and stopped cleanly
  }
  auto log = read_text(dir / "flag.log");
  INFO(log);
  CHECK(log.find(" info ") == std::string::npos);
  CHECK(log.find(" debug ") == std::string::npos);
  CHECK(log.find(" warning ") == std::string::npos);
}

TEST_CASE("log.format json makes every run log line a JSON object; --log-format text wins",
          "[config][log]") {
  TempDir dir;
  auto config = write_config(dir, "{format: json}");
  {
    RunProcess run(config, dir / "json.log");
    REQUIRE(wait_for_log(dir / "json.log", R"("level":"info")"));
    CHECK(run.process().terminate() == 0);
  }
  auto json_lines = lines_of(read_text(dir / "json.log"));
  REQUIRE_FALSE(json_lines.empty());
  for (const auto& line : json_lines) {
    INFO(line);
    CHECK(is_json_record(line));
  }
  {
    RunProcess run(config, dir / "text.log", {"--log-format", "text"});
    REQUIRE(wait_for_log(dir / "text.log", " info rolewatch "));
    CHECK(run.process().terminate() == 0);
  }
  for (const auto& line : lines_of(read_text(dir / "text.log"))) {
    INFO(line);
    CHECK(std::regex_match(line, kTextLine));
  }
}
