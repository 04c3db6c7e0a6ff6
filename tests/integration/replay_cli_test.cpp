// End-to-end: the rolewatch executable replaying fixture files.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "support/backlog_stream.hpp"
#include "support/command.hpp"
#include "support/temp_dir.hpp"

using nlohmann::json;
using support::fixture;
using support::rolewatch_binary;
using support::run_shell;

namespace {

std::vector<json> alerts_in(const std::string& out) {
  std::vector<json> alerts;
  for (const auto& line : support::lines_of(out)) {
    auto doc = json::parse(line);
    if (doc["schema"] == "rolewatch.alert.v1") {
      doc.erase("detectedAt");  // wall clock: the only field that differs between runs
      alerts.push_back(doc);
    }
  }
  return alerts;
}

// Alert id -> alert, so two runs compare whatever order they printed in.
std::map<std::string, json> by_id(const std::vector<json>& alerts) {
  std::map<std::string, json> out;
  for (const auto& alert : alerts) out.emplace(alert["id"].get<std::string>(), alert);
  return out;
}

json expected_alerts() {
  std::ifstream in(fixture("replay/lapsus-burst.expected.json"));
  return json::parse(in);
}

}  // namespace

TEST_CASE("replaying the LAPSUS$ fixture prints exactly the expected alert", "[e2e]") {
  auto run = run_shell(rolewatch_binary() + " replay " + fixture("replay/lapsus-burst.jsonl"));
  REQUIRE(run.exit_code == 0);
  CHECK(json(alerts_in(run.out)) == expected_alerts());
  // The bad line is reported with its position, and counted in the summary.
  CHECK_THAT(run.err, Catch::Contains("lapsus-burst.jsonl"));
  CHECK_THAT(run.err, Catch::Contains("malformed_messages=1"));
  CHECK_THAT(run.err, Catch::Contains("duplicates=2"));
  CHECK_THAT(run.err, Catch::Contains("alerts=1"));
}

TEST_CASE("replaying from standard input behaves like replaying the file", "[e2e]") {
  auto run = run_shell(rolewatch_binary() + " replay - < " + fixture("replay/lapsus-burst.jsonl"));
  REQUIRE(run.exit_code == 0);
  CHECK(json(alerts_in(run.out)) == expected_alerts());
}

TEST_CASE("a replay split across a restart gives the same alerts as one run, none twice", "[e2e]") {
  support::TempDir state;
  auto replay = rolewatch_binary() + " replay --state-dir " + (state / "s").string() + " ";
  auto first = run_shell(replay + fixture("replay/lapsus-burst-part1.jsonl"));
  REQUIRE(first.exit_code == 0);
  CHECK(alerts_in(first.out).empty());
  auto second = run_shell(replay + fixture("replay/lapsus-burst-part2.jsonl"));
  REQUIRE(second.exit_code == 0);
  CHECK(json(alerts_in(second.out)) == expected_alerts());
  // Replaying everything again into the same state raises nothing new.
  auto again = run_shell(replay + fixture("replay/lapsus-burst.jsonl"));
  REQUIRE(again.exit_code == 0);
  CHECK(alerts_in(again.out).empty());
}

TEST_CASE("twins and ordinary traffic alone raise no alert", "[e2e]") {
  auto run = run_shell(rolewatch_binary() + " replay " + fixture("replay/noise-only.jsonl"));
  REQUIRE(run.exit_code == 0);
  CHECK(alerts_in(run.out).empty());
}

TEST_CASE("an unreadable input file is an error with exit code 2", "[e2e]") {
  auto run = run_shell(rolewatch_binary() + " replay /nonexistent/audit.jsonl");
  CHECK(run.exit_code == 2);
  CHECK_THAT(run.err, Catch::Contains("/nonexistent/audit.jsonl"));
}

TEST_CASE("an invalid rules file is an error with exit code 2", "[e2e]") {
  support::TempDir dir;
  std::ofstream(dir / "rules.yaml") << "rules: [{id: x, match: {kinds: [nope]}}]\n";
  auto run = run_shell(rolewatch_binary() + " replay --rules " + (dir / "rules.yaml").string() +
                       " " + fixture("replay/noise-only.jsonl"));
  CHECK(run.exit_code == 2);
  CHECK_THAT(run.err, Catch::Contains("unknown kind 'nope'"));
}

TEST_CASE("the help lists every subcommand", "[e2e]") {
  auto run = run_shell(rolewatch_binary() + " --help");
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.out, Catch::Contains("replay"));
}

TEST_CASE("several files replay as partitions of one stream, merged by event time",
          "[e2e][event-time]") {
  // Each file is one partition of a 12-hour backlog: read one after the
  // other with one clock for all, the first file would make every removal
  // of the others late.
  support::TempDir dir;
  auto backlog = support::backlog_stream({.partitions = 4, .share_on_first = 0.55, .seed = 7});
  support::write_time_ordered_jsonl(backlog, dir / "ordered.jsonl");
  std::string files;
  std::vector<std::ofstream> parts(4);
  for (int p = 0; p < 4; ++p) {
    auto path = dir / ("partition-" + std::to_string(p) + ".jsonl");
    parts[p].open(path);
    files += " " + path.string();
  }
  for (const auto& message : backlog.messages) parts[message.partition] << message.body << '\n';
  for (auto& part : parts) part.close();

  auto ordered = run_shell(rolewatch_binary() + " replay " + (dir / "ordered.jsonl").string());
  auto merged = run_shell(rolewatch_binary() + " replay" + files);
  REQUIRE(ordered.exit_code == 0);
  REQUIRE(merged.exit_code == 0);
  auto expected = alerts_in(ordered.out);
  CHECK(expected.size() == backlog.bursts.size());
  CHECK(by_id(alerts_in(merged.out)) == by_id(expected));
  CHECK_THAT(merged.err, Catch::Contains("late=0"));
  CHECK_THAT(merged.err, Catch::Contains("future=0"));
}
