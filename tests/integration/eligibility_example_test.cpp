// End-to-end: the eligibility example of docs/eligibility-and-reports.md ("CSV
// import"; deploy/examples/eligibility) imported, replayed and reported by the
// rolewatch executable, so the outputs that page shows stay the ones the
// program prints. (The test's name still says README, where the example was.)
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/command.hpp"
#include "support/temp_dir.hpp"

using nlohmann::json;
using support::rolewatch_binary;
using support::run_shell;

namespace {

const std::string kExample = std::string(ROLEWATCH_SOURCE_DIR) + "/deploy/examples/eligibility/";

std::string in_state(const support::TempDir& dir, const std::string& arguments) {
  auto run =
      run_shell(rolewatch_binary() + " " + arguments + " --state-dir " + (dir / "state").string());
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  return run.out;
}

}  // namespace

TEST_CASE("the README's eligibility example labels, alerts and reports as documented", "[e2e]") {
  support::TempDir dir;
  CHECK(in_state(dir,
                 "eligibility import " + kExample + "eligible.csv --as-of 2025-03-04T06:00:00Z") ==
        "imported 4 assignments from eligible.csv (snapshot generation 1, as of "
        "2025-03-04T06:00:00.000000Z)\n");

  std::vector<json> activations, alerts;
  for (const auto& line :
       support::lines_of(in_state(dir, "replay " + kExample + "activations.jsonl"))) {
    auto doc = json::parse(line);
    (doc["schema"] == "rolewatch.activation.v1" ? activations : alerts).push_back(doc);
  }
  REQUIRE(activations.size() == 4);
  CHECK(activations[1]["previousActivation"] == "2025-02-20T10:00:00.000000Z");
  CHECK(activations[1]["newIp"] == false);
  CHECK(activations[2]["eligibility"] == "group");
  CHECK(activations[2]["synced"] == true);
  CHECK(activations[3]["eligibility"] == "none");
  REQUIRE(alerts.size() == 2);
  CHECK(alerts[0]["rule"] == "pim-activation-synced-account");
  CHECK(alerts[1]["rule"] == "pim-activation-without-eligibility");

  auto stale = json::parse(in_state(dir, "report stale --days 30 --format json"));
  CHECK(stale == json::parse(R"([{"principalId":"cccccccc-0000-0000-0000-000000000012",
      "userPrincipalName":"carol@contoso.com","roleTemplateId":"62e90394-69f5-4237-9190-012177145e10",
      "roleDisplayName":"Global Administrator","eligibleVia":null,"lastActivation":null}])"));
  CHECK(support::lines_of(in_state(dir, "report ips --format csv")).size() == 4);
  CHECK_THAT(in_state(dir, "report synced"), Catch::EndsWith("(1 row)\n"));
}
