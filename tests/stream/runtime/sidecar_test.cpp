#include "stream/runtime/sidecar.hpp"

#include <catch2/catch.hpp>

#include "support/kafka_harness.hpp"
#include "support/scrape.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;
using namespace rolewatch::stream;

namespace {

// A sidecar started as `run` starts it, without a broker: its hooks are
// driven by hand, its HTTP server answers on a loopback port.
struct StartedSidecar {
  support::TempDir dir;
  std::string base;
  Config config;
  std::unique_ptr<state::Store> store;
  RunStats stats;
  std::unique_ptr<Sidecar> sidecar;
  RunHooks hooks;

  StartedSidecar() {
    auto listen = "127.0.0.1:" + std::to_string(support::free_loopback_port());
    base = "http://" + listen;
    config = support::run_config({"127.0.0.1:1", "audit", "g", dir / "state", "static",
                                  "http: {listen: '" + listen + "'}\n"});
    store = std::move(state::Store::open(config.state_dir).value());
    sidecar = std::make_unique<Sidecar>(config);
    hooks = sidecar->hooks();
    RunContext context{config, *store, stats, nullptr, config.source.brokers};
    REQUIRE(hooks.started(context));
  }
  ~StartedSidecar() {
    hooks.stopping();
    sidecar.reset();
  }
  std::string metrics() { return support::http_get(base + "/metrics").body; }
};

std::string stats_with_lag(std::initializer_list<std::pair<int, int>> lags) {
  nlohmann::json partitions = nlohmann::json::object();
  for (auto [partition, lag] : lags) {
    partitions[std::to_string(partition)] = {{"consumer_lag", lag}};
  }
  partitions["-1"] = {{"consumer_lag", 99}};  // librdkafka's internal partition
  return nlohmann::json{{"topics", {{"audit", {{"partitions", partitions}}}}}}.dump();
}

}  // namespace

TEST_CASE("consumer lag comes from librdkafka's statistics, internal partition left out",
          "[metrics]") {
  auto lags = consumer_lag_from_stats(stats_with_lag({{0, 5}, {3, 0}}));
  CHECK(lags == std::vector<std::pair<std::int32_t, std::int64_t>>{{0, 5}, {3, 0}});
  CHECK(consumer_lag_from_stats("not json").empty());
}

TEST_CASE("lag is reported only for assigned partitions and dropped when one is revoked",
          "[metrics]") {
  StartedSidecar s;
  s.hooks.assignment_changed({0, 1});
  s.hooks.kafka_stats(stats_with_lag({{0, 5}, {1, 7}, {2, 9}}));
  auto before = s.metrics();
  CHECK(support::metric_value(before, "rolewatch_consumer_lag_messages{partition=\"0\"}") == 5);
  CHECK(support::metric_value(before, "rolewatch_consumer_lag_messages{partition=\"2\"}") == -1);
  s.hooks.assignment_changed({1});
  auto after = s.metrics();
  CHECK(support::metric_value(after, "rolewatch_consumer_lag_messages{partition=\"0\"}") == -1);
  CHECK(support::metric_value(after, "rolewatch_consumer_lag_messages{partition=\"1\"}") == 7);
}

TEST_CASE("a batch that cannot be committed makes /readyz fail and is counted", "[metrics]") {
  StartedSidecar s;
  s.hooks.assignment_changed({0});
  CHECK(support::http_get(s.base + "/readyz").status == 200);
  s.hooks.batch_failed(Error{"state: batch not committed: IO error"});
  auto ready = support::http_get(s.base + "/readyz");
  CHECK(ready.status == 503);
  CHECK_THAT(ready.body, Catch::Contains("not ready"));
  CHECK(support::metric_value(s.metrics(), "rolewatch_state_write_failures_total") == 1);
  s.hooks.batch_committed(BatchResult{});  // the next batch commits again
  CHECK(support::http_get(s.base + "/readyz").status == 200);
}

TEST_CASE("broker reachability is read from librdkafka's statistics", "[sidecar]") {
  using rolewatch::stream::brokers_up_from_stats;
  const std::string down = R"({"brokers":{
      "127.0.0.1:9092/bootstrap":{"source":"configured","state":"DOWN"},
      "GroupCoordinator":{"source":"logical","state":"UP"}}})";
  const std::string up = R"({"brokers":{
      "127.0.0.1:9092/bootstrap":{"source":"configured","state":"INIT"},
      "127.0.0.1:9092/1":{"source":"learned","state":"UP"}}})";
  CHECK(brokers_up_from_stats(down) == std::optional<bool>(false));
  CHECK(brokers_up_from_stats(up) == std::optional<bool>(true));
  CHECK_FALSE(brokers_up_from_stats(R"({"brokers":{}})").has_value());
  CHECK_FALSE(brokers_up_from_stats("not json").has_value());
}
