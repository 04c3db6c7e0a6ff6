// End-to-end: `rolewatch replay` of tests/fixtures/replay/hostile-strings.jsonl
// (written by make_hostile_strings.py). An attacker who puts a lone surrogate
// in their own display name still raises the burst alert, and the repaired
// and malformed lines around it are reported, not fatal.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/command.hpp"
#include "support/hostile_text.hpp"

using nlohmann::json;

namespace {

constexpr std::string_view kMallory = "aaaaaaaa-0000-0000-0000-000000000001";

std::vector<json> alerts_in(const std::string& out) {
  std::vector<json> alerts;
  for (const auto& line : support::lines_of(out)) {
    auto doc = json::parse(line, nullptr, false);
    if (!doc.is_discarded() && doc.value("schema", "") == "rolewatch.alert.v1") {
      alerts.push_back(doc);
    }
  }
  return alerts;
}

}  // namespace

TEST_CASE("a burst by an actor named Mallory\\udc00 raises the alert in replay", "[e2e][hostile]") {
  auto run = support::run_shell(support::rolewatch_binary() + " replay " +
                                support::fixture("replay/hostile-strings.jsonl"));
  REQUIRE(run.exit_code == 0);
  auto alerts = alerts_in(run.out);
  REQUIRE(!alerts.empty());
  for (const auto& alert : alerts) CHECK(alert["actor"]["id"] == kMallory);  // Eve: 2 removals
  const auto& first = alerts.front();
  CHECK(first["count"] == 3);
  CHECK(first["actor"]["displayName"] == "Mallory" + std::string(support::kFffd));
  std::vector<std::string> ids;
  for (const auto& removal : first["removals"]) ids.push_back(removal["auditId"]);
  CHECK(ids == std::vector<std::string>{"Directory_hostile_1", "Directory_hostile_2",
                                        "Directory_hostile_3"});
  // Every line is reported with its position; none was dropped whole.
  CHECK_THAT(run.err, Catch::Contains("hostile-strings.jsonl[0]@1: repaired"));
  CHECK_THAT(run.err, Catch::Contains("invalid UTF-8 or control characters repaired"));
  CHECK_THAT(run.err, Catch::Contains("1 malformed record(s) skipped, first at record 0"));
  CHECK_THAT(run.err, Catch::Contains("malformed_messages=0"));
  CHECK_THAT(run.err, Catch::Contains("malformed_records=1"));
}
