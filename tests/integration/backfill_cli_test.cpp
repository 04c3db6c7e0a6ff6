// End-to-end: the rolewatch executable backfilling from the fake Graph.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/audit_history.hpp"
#include "support/command.hpp"
#include "support/fake_graph.hpp"
#include "support/temp_dir.hpp"

using support::rolewatch_binary;
using support::run_shell;

TEST_CASE("rolewatch backfill --dry-run prints the range's alerts as JSON lines", "[backfill]") {
  support::FakeGraph graph;
  graph.set_audits(support::october_history(18));  // 25 records
  support::TempDir dir;
  auto config = support::write_backfill_config(dir.path(), graph);
  auto result = run_shell(rolewatch_binary() + " backfill --config " + config.string() +
                          " --since 2026-10-01T00:00:00Z --until 2026-10-04T00:00:00Z"
                          " --page-size 5 --dry-run");
  REQUIRE(result.exit_code == 0);
  CHECK(graph.graph_requests() == 5);  // 25 records, pages of 5
  auto lines = support::lines_of(result.out);
  REQUIRE(lines.size() >= 2);
  for (const auto& line : lines) {
    CHECK(nlohmann::json::parse(line)["schema"] == "rolewatch.alert.v1");
  }
  CHECK_THAT(result.err, Catch::Contains("dry run: nothing delivered, state unchanged"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "alerts.jsonl"));

  // --until bounds the range: before the bursts, nothing to alert on.
  result = run_shell(rolewatch_binary() + " backfill --config " + config.string() +
                     " --since 2026-10-01T00:00:00Z --until 2026-10-01T12:00:00Z --dry-run");
  CHECK(result.exit_code == 0);
  CHECK(result.out.empty());
  CHECK_THAT(result.err, Catch::Contains("pages=1 records=13"));
}

TEST_CASE("rolewatch backfill rejects a bad command line with exit 2", "[backfill]") {
  support::TempDir dir;
  auto base = rolewatch_binary() + " backfill --config " + (dir.path() / "x.yaml").string();
  CHECK(run_shell(base).exit_code == 2);  // --since is required
  CHECK(run_shell(base + " --since 2026-10-01T00:00:00Z --page-size 0").exit_code == 2);
  CHECK(run_shell(base + " --since 2026-10-01T00:00:00Z --page-size 1001").exit_code == 2);
  auto help = run_shell(rolewatch_binary() + " --help");
  CHECK_THAT(help.out, Catch::Contains("backfill"));
}
