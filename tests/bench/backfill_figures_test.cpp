// Backfill throughput against the fake Graph: 100k records in pages of
// 1000, through the pipeline and the state, delivered to a file sink.
#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <sstream>

#include "stream/app/commands/backfill_command.hpp"
#include "support/audit_history.hpp"
#include "support/fake_graph.hpp"
#include "support/temp_dir.hpp"

TEST_CASE("backfill throughput for 100k records in 1000-record pages", "[.][figures]") {
  support::FakeGraph graph;
  const std::size_t fillers = 100'000 - 7;
  graph.set_audits(support::october_history(fillers));
  support::TempDir dir;
  rolewatch::stream::BackfillOptions options;
  options.config_file = support::write_backfill_config(dir.path(), graph);
  options.since = "2026-10-01T00:00:00Z";
  std::ostringstream out;
  auto started = std::chrono::steady_clock::now();
  REQUIRE(rolewatch::stream::backfill_command(options, out) == 0);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  CHECK(graph.graph_requests() == 100);
  std::cout << "backfill: 100000 records in 100 pages of 1000 in " << seconds
            << " s = " << 100'000 / seconds << " records/s (fake Graph on 127.0.0.1)\n";
}
