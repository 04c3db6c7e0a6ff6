// Figures for the delivery path, printed rather than asserted (machines are
// noisy). Hidden; run with:
//   rolewatch_integration_tests "[figures]" -s
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "stream/delivery/outbox_sender.hpp"
#include "stream/ops/metrics.hpp"
#include "support/delivery_fixtures.hpp"
#include "support/http_receiver.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;
using namespace rolewatch::stream;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::string id_for(int n) {
  char text[40];
  std::snprintf(text, sizeof text, "00000000-0000-5000-8000-%012d", n);
  return text;
}

double millis(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

int env_int(const char* name, int fallback) {
  auto* value = std::getenv(name);
  return value != nullptr ? std::atoi(value) : fallback;
}

}  // namespace

TEST_CASE("delivery latency from outbox commit to a local webhook", "[.][figures]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver receiver;
  receiver.set_fallback({202});
  OutboxSender sender(**store, support::sinks_of(support::sink_from_yaml(
                                   "type: webhook\nurl: " + receiver.url() +
                                   "\nsecret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n")));
  REQUIRE(sender.start());
  const int n = env_int("ROLEWATCH_FIGURE_ALERTS", 1000);
  std::vector<double> from_notify, from_commit;
  for (int i = 1; i <= n; ++i) {
    auto before_commit = Clock::now();
    support::put_in_outbox(**store, i,
                           support::sample_alert(id_for(i)));  // fsynced, like the pipeline
    auto committed = Clock::now();
    sender.notify();
    REQUIRE(receiver.wait_for(i, 5s));
    auto arrived = receiver.requests().back().at;
    from_notify.push_back(millis(arrived - committed));
    from_commit.push_back(millis(arrived - before_commit));
  }
  sender.stop(Clock::now() + 2s);
  std::printf("delivery latency, %d alerts one at a time, signed webhook on loopback:\n", n);
  std::printf("  commit done -> received: p50 %.2f ms  p99 %.2f ms  max %.2f ms\n",
              percentile(from_notify, 0.5), percentile(from_notify, 0.99),
              percentile(from_notify, 1.0));
  std::printf("  commit start -> received (incl. fsync): p50 %.2f ms  p99 %.2f ms\n",
              percentile(from_commit, 0.5), percentile(from_commit, 0.99));
}

TEST_CASE("outbox behaviour during a sink outage", "[.][figures]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver receiver;
  receiver.down();
  Metrics metrics;
  SenderOptions options;  // production defaults: backoff 1 s .. 1 min, full jitter
  options.probe = &metrics.delivery();
  OutboxSender sender(**store,
                      support::sinks_of(support::sink_from_yaml(
                          "type: webhook\nurl: " + receiver.url() +
                              "\nsecret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
                          "soar")),
                      options);
  REQUIRE(sender.start());
  const auto outage = std::chrono::seconds(env_int("ROLEWATCH_FIGURE_OUTAGE_S", 60));
  const auto every = std::chrono::milliseconds(env_int("ROLEWATCH_FIGURE_ALERT_EVERY_MS", 2000));
  auto start = Clock::now();
  int alerts = 0;
  std::printf("outage of %lld s, one alert every %lld ms (receiver refusing connections)\n",
              static_cast<long long>(outage.count()), static_cast<long long>(every.count()));
  while (Clock::now() - start < outage) {
    ++alerts;
    support::put_in_outbox(**store, alerts, support::sample_alert(id_for(alerts)));
    sender.notify();
    std::this_thread::sleep_for(every);
    if (alerts % 10 == 0) {
      std::printf("  t=%5.0f s  pending %zu\n", millis(Clock::now() - start) / 1000,
                  sender.pending());
    }
  }
  auto failures_scrape = metrics.scrape();
  auto up_at = Clock::now();
  receiver.up();
  while (sender.pending() > 0 && Clock::now() - up_at < 10min) std::this_thread::sleep_for(10ms);
  auto drained = Clock::now();
  sender.stop(Clock::now() + 2s);
  std::set<std::string> ids;
  for (const auto& request : receiver.requests()) ids.insert(request.header("webhook-id"));
  std::printf("  alerts during outage: %d, pending at recovery: %d\n", alerts, alerts);
  std::printf("  recovery -> outbox empty: %.1f s; distinct ids received: %zu; requests: %zu\n",
              millis(drained - up_at) / 1000, ids.size(), receiver.count());
  auto line = failures_scrape.find("rolewatch_alert_delivery_failures_total{reason=\"transient\"");
  if (line != std::string::npos) {
    std::printf("  %s\n",
                failures_scrape.substr(line, failures_scrape.find('\n', line) - line).c_str());
  }
  std::printf("  RocksDB outbox entries left: %zu\n",
              support::count_family(**store, state::Family::outbox));
  CHECK(ids.size() == static_cast<std::size_t>(alerts));
}
