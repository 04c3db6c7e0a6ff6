// The state guard (stream/runtime/state_guard.hpp): a volume below its
// reserve refuses batches (`unavailable`) until space returns; failed writes
// are `unavailable`, recovered before the next batch, and `failure` once they
// outlast write_failure_exit_after. Free space and the clock are injected.
#include "stream/runtime/state_guard.hpp"

#include <catch2/catch.hpp>
#include <vector>

using namespace rolewatch;
using namespace rolewatch::stream;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  std::uint64_t free_bytes = 1ull << 30;
  std::chrono::steady_clock::time_point now{};
  int recoveries = 0;
  bool recover_fails = false;
  std::vector<StateCondition> changes;

  StateGuard guard(bool wait = true) {
    return StateGuard(
        {100ull << 20, 60s, wait}, [this] { return Expected<std::uint64_t>(free_bytes); },
        [this]() -> Status {
          ++recoveries;
          if (recover_fails) return make_error("resume failed");
          return ok();
        },
        [this](const StateCondition& c) { changes.push_back(c); }, [this] { return now; });
  }
};

Error write_error() {
  return make_error("state write failed: IO error: No space left on device");
}

}  // namespace

TEST_CASE("a state volume below its reserve refuses batches until space returns", "[state_guard]") {
  Fixture f;
  auto guard = f.guard();
  REQUIRE(guard.admit());
  f.free_bytes = 50ull << 20;
  auto refused = guard.admit();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::unavailable);
  CHECK_THAT(refused.error().message, Catch::Contains("50 MiB free, below its reserve of 100 MiB"));
  REQUIRE(f.changes.size() == 1);
  CHECK(f.changes.back().low_disk);
  CHECK_FALSE(f.changes.back().reason.empty());
  REQUIRE_FALSE(guard.admit());
  CHECK(f.changes.size() == 1);  // reported once, not per batch

  f.free_bytes = 500ull << 20;
  REQUIRE(guard.admit());
  CHECK_FALSE(f.changes.back().low_disk);
  CHECK(f.changes.back().reason.empty());
}

TEST_CASE("a failed write is retried after recovery and is final only when it lasts",
          "[state_guard]") {
  Fixture f;
  auto guard = f.guard();
  auto first = guard.judge(write_error());
  REQUIRE_FALSE(first);
  CHECK(first.error().code == ErrorCode::unavailable);
  CHECK(f.changes.back().write_failing);
  CHECK_THAT(f.changes.back().reason, Catch::Contains("state writes are failing"));

  REQUIRE(guard.admit());  // recovers the store before the retry
  CHECK(f.recoveries == 1);
  f.now += 30s;
  CHECK(guard.judge(write_error()).error().code == ErrorCode::unavailable);
  f.now += 31s;
  auto last = guard.judge(write_error());
  REQUIRE_FALSE(last);
  CHECK(last.error().code == ErrorCode::failure);
  CHECK_THAT(last.error().message, Catch::Contains("have failed for 61 s"));
}

TEST_CASE("a write that succeeds again clears the failure and its clock", "[state_guard]") {
  Fixture f;
  auto guard = f.guard();
  (void)guard.judge(write_error());
  f.now += 59s;
  REQUIRE(guard.admit());
  REQUIRE(guard.judge(ok()));
  CHECK_FALSE(f.changes.back().write_failing);
  CHECK(f.changes.back().reason.empty());
  f.now += 59s;
  CHECK(guard.judge(write_error()).error().code == ErrorCode::unavailable);  // a new clock
}

TEST_CASE("a store that cannot recover keeps refusing batches", "[state_guard]") {
  Fixture f;
  f.recover_fails = true;
  auto guard = f.guard();
  (void)guard.judge(write_error());
  auto refused = guard.admit();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::unavailable);
  CHECK_THAT(refused.error().message, Catch::Contains("resume failed"));
  f.recover_fails = false;
  REQUIRE(guard.admit());
}

TEST_CASE("a batch job's guard ends at the first refusal or failure", "[state_guard]") {
  Fixture f;
  auto guard = f.guard(/*wait=*/false);
  CHECK(guard.judge(write_error()).error().code == ErrorCode::failure);
  f.free_bytes = 1;
  CHECK(guard.admit().error().code == ErrorCode::unavailable);  // exit 1 all the same
  CHECK(exit_code_for(guard.admit().error()) == ExitCode::failure);
}
