// The documented way to change the shipped activation rules (a rules file
// with `activation_rules:`, docs/eligibility-and-reports.md) end to end: a
// disabled rule does not fire, the others still do.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/command.hpp"
#include "support/kafka_harness.hpp"
#include "support/temp_dir.hpp"

using nlohmann::json;
using namespace support;

namespace {

const std::string kExample = std::string(ROLEWATCH_SOURCE_DIR) + "/deploy/examples/eligibility/";

// The alert rules the eligibility example raises, replayed with `extra` flags.
std::vector<std::string> fired_rules(const TempDir& dir, const std::string& extra) {
  static int runs = 0;
  auto state = (dir / ("state-" + std::to_string(++runs))).string();
  auto imported = run_shell(rolewatch_binary() + " eligibility import " + kExample +
                            "eligible.csv --as-of 2025-03-04T06:00:00Z --state-dir " + state);
  REQUIRE(imported.exit_code == 0);
  auto replay = run_shell(rolewatch_binary() + " replay " + kExample +
                          "activations.jsonl --state-dir " + state + extra);
  INFO(replay.err);
  REQUIRE(replay.exit_code == 0);
  std::vector<std::string> rules;
  for (const auto& line : lines_of(replay.out)) {
    auto doc = json::parse(line);
    if (doc["schema"] == "rolewatch.alert.v1") rules.push_back(doc["rule"]);
  }
  return rules;
}

}  // namespace

TEST_CASE("a disabled activation rule in a rules file does not fire; the others still do",
          "[e2e][rules]") {
  TempDir dir;
  const std::vector<std::string> shipped = {"pim-activation-synced-account",
                                            "pim-activation-without-eligibility"};
  REQUIRE(fired_rules(dir, "") == shipped);

  write_text(dir / "activation-only.yaml",
             "activation_rules:\n  - id: pim-activation-synced-account\n    enabled: false\n");
  CHECK(fired_rules(dir, " --rules " + (dir / "activation-only.yaml").string()) ==
        std::vector<std::string>{"pim-activation-without-eligibility"});

  // Next to `rules:` (the shipped rules file plus the override) it counts too.
  write_text(dir / "both.yaml",
             read_text(std::string(ROLEWATCH_SOURCE_DIR) + "/rules/default-rules.yaml") +
                 "activation_rules:\n"
                 "  - id: pim-activation-without-eligibility\n"
                 "    enabled: false\n");
  CHECK(fired_rules(dir, " --rules " + (dir / "both.yaml").string()) ==
        std::vector<std::string>{"pim-activation-synced-account"});
}
