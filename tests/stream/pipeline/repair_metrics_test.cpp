// The decoder's repair counters reach /metrics and the run stats line, like
// the malformed ones beside them (docs/metrics.md).
#include <catch2/catch.hpp>

#include "stream/ops/metrics.hpp"
#include "stream/pipeline/pipeline.hpp"
#include "stream/runtime/run_stats.hpp"
#include "support/scrape.hpp"

using namespace rolewatch::stream;

namespace {

BatchResult batch_with_repairs() {
  BatchResult result;
  result.counters.decode.messages = 4;
  result.counters.decode.repaired_messages = 2;
  result.counters.decode.repaired_records = 3;
  return result;
}

}  // namespace

TEST_CASE("repaired messages and records are counted in the scrape", "[metrics][hostile]") {
  Metrics metrics;
  auto before = metrics.scrape();
  CHECK(support::metric_value(before, "rolewatch_repaired_messages_total") == 0);
  CHECK(support::metric_value(before, "rolewatch_repaired_records_total") == 0);
  metrics.record_batch(batch_with_repairs());
  metrics.record_batch(batch_with_repairs());
  auto after = metrics.scrape();
  CHECK(support::metric_value(after, "rolewatch_repaired_messages_total") == 4);
  CHECK(support::metric_value(after, "rolewatch_repaired_records_total") == 6);
}

TEST_CASE("the run stats line reports repaired messages and records", "[metrics][hostile]") {
  RunStats stats;
  auto batch = batch_with_repairs();
  stats.add_batch(batch.counters, 0);
  const auto line = stats_line(stats, nullptr);
  CHECK_THAT(line, Catch::Contains("repaired_messages=2 repaired_records=3"));
}
