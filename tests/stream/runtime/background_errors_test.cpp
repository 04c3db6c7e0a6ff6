// Background threads never die of an exception (issue 12, item 3): it is
// caught, logged, counted in rolewatch_background_errors_total{thread}, and
// the thread carries on.
#include "stream/ops/background_errors.hpp"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <thread>

#include "stream/ops/metrics.hpp"
#include "stream/runtime/periodic_task.hpp"
#include "support/hostile_text.hpp"

using namespace rolewatch::stream;
using namespace std::chrono_literals;

namespace {

bool eventually(const std::function<bool()>& condition) {
  auto until = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

}  // namespace

TEST_CASE("run_guarded catches every exception, logs it and counts it per thread", "[background]") {
  support::LogCapture log;
  auto before = background_errors(BackgroundThread::http);
  CHECK(run_guarded(BackgroundThread::http, [] {}));
  CHECK_FALSE(run_guarded(BackgroundThread::http, [] { throw std::runtime_error("boom\n\x01"); }));
  CHECK_FALSE(run_guarded(BackgroundThread::http, [] { throw 42; }));
  CHECK(background_errors(BackgroundThread::http) - before == 2);
  auto lines = log.lines();
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[0], Catch::Contains("http_server: unexpected error, carrying on: boom??"));
  CHECK_THAT(lines[1], Catch::Contains("an exception of unknown type"));
}

TEST_CASE("a periodic task that throws keeps running and is counted", "[background]") {
  Metrics metrics;
  auto before = background_errors(BackgroundThread::periodic);
  std::atomic<int> runs{0};
  {
    PeriodicTask task(1ms, [&] {
      if (++runs <= 2) throw std::logic_error("task failed");
    });
    // Two throws, then it still runs: the thread survived both. The backoff
    // after a throw is at most a second or two here.
    CHECK(eventually([&] { return runs >= 4; }));
  }
  CHECK(background_errors(BackgroundThread::periodic) - before == 2);
  CHECK_THAT(metrics.scrape(),
             Catch::Contains("rolewatch_background_errors_total{thread=\"periodic_task\"} 2"));
}

TEST_CASE("every background thread has a zero series before anything fails", "[background]") {
  auto text = Metrics().scrape();
  for (const char* thread :
       {"eligibility_refresher", "outbox_sender", "periodic_task", "http_server"}) {
    CAPTURE(thread);
    CHECK_THAT(text, Catch::Contains(std::string("rolewatch_background_errors_total{thread=\"") +
                                     thread + "\"} 0"));
  }
}
