// The metrics the Prometheus rules in deploy/prometheus rely on to tell a
// restart from a real silence: the process start time, and the Graph
// refresh interval a stale eligibility snapshot is measured against.
#include <catch2/catch.hpp>
#include <chrono>
#include <sstream>

#include "state/store.hpp"
#include "stream/ops/metrics.hpp"
#include "stream/runtime/eligibility_refresher.hpp"
#include "support/fake_graph.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;
using namespace rolewatch::stream;

namespace {

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

// The value of one unlabelled series, or nullopt when it is not exported.
std::optional<double> value_of(const std::string& scrape, const std::string& series) {
  std::istringstream in(scrape);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("process_start_time_seconds is the process's start, the same in every Metrics",
          "[metrics]") {
  const auto before = now_seconds();
  Metrics first;
  auto started = value_of(first.scrape(), "process_start_time_seconds");
  REQUIRE(started);
  // Taken before main(): older than anything this test did, and not in the future.
  CHECK(*started <= before);
  CHECK(*started > before - 24 * 3600);
  Metrics second;  // a later registry (a second run in one process) reports the same start
  CHECK(value_of(second.scrape(), "process_start_time_seconds") == started);
}

TEST_CASE("the Graph refresh interval is exported, and is 0 without a refresher", "[metrics]") {
  Metrics metrics;
  CHECK(value_of(metrics.scrape(), "rolewatch_eligibility_refresh_interval_seconds") == 0.0);
  RefreshStatus imported;  // CSV import: a snapshot, no refresher
  imported.snapshot_fetched_at = 1'700'000'000'000'000;
  metrics.set_eligibility_source([&] { return imported; });
  CHECK(value_of(metrics.scrape(), "rolewatch_eligibility_refresh_interval_seconds") == 0.0);

  support::FakeGraph fake;
  support::TempDir dir;
  auto store = state::Store::open(dir.path());
  REQUIRE(store);
  auto config = fake.client_secret_config();
  config.refresh_interval = std::chrono::minutes(20);
  EligibilityRefresher refresher(**store, config);  // not started: no refresh needed
  metrics.set_eligibility_source([&] { return refresher.status(); });
  CHECK(value_of(metrics.scrape(), "rolewatch_eligibility_refresh_interval_seconds") == 1200.0);
  metrics.set_eligibility_source(nullptr);
}
