// The event-time clock and the alignment decisions, as pure functions
// (docs/design.md §3, "Event time").
#include "stream/source/event_clock.hpp"

#include <catch2/catch.hpp>

using namespace rolewatch::stream;
using namespace std::chrono_literals;

namespace {

constexpr EventTime kMinute = 60'000'000;
constexpr EventTime kHour = 60 * kMinute;
constexpr EventTime kNoon = 1'741'089'600'000'000;  // 2025-03-04T12:00:00Z

const AlignmentSettings kSettings{15min, 30s};

}  // namespace

TEST_CASE("the watermark is the oldest time among the partitions that hold it", "[event-time]") {
  EventClock clock;
  clock.assign("p0", kUnknownTime);
  clock.assign("p1", kUnknownTime);
  clock.observe("p0", kNoon + 10 * kHour);
  // p1 has told nothing yet: it may still deliver anything.
  CHECK(clock.watermark() == kUnknownTime);
  clock.observe("p1", kNoon);
  CHECK(clock.watermark() == kNoon);
  clock.observe("p1", kNoon + kHour);
  CHECK(clock.watermark() == kNoon + kHour);
  CHECK(clock.partition_time("p0") == kNoon + 10 * kHour);
}

TEST_CASE("a partition read far ahead makes no record of the others late", "[event-time]") {
  // librdkafka hands a backlog over partition by partition: the newest time
  // seen anywhere would be the end of the backlog.
  EventClock clock;
  clock.assign("p0", kUnknownTime);
  clock.assign("p1", kUnknownTime);
  clock.observe("p1", kNoon);
  clock.observe("p0", kNoon + 12 * kHour);
  CHECK(clock.watermark() == kNoon);
}

TEST_CASE("the watermark never moves backwards", "[event-time]") {
  EventClock clock;
  clock.assign("p0", kUnknownTime);
  clock.observe("p0", kNoon + kHour);
  CHECK(clock.watermark() == kNoon + kHour);
  // A partition joins with an older persisted time: the clock keeps its place.
  clock.assign("p1", kNoon);
  CHECK(clock.watermark() == kNoon + kHour);
  clock.observe("p0", kNoon);  // an older record moves nothing
  CHECK(clock.partition_time("p0") == kNoon + kHour);
}

TEST_CASE("a partition that stops holding lets the watermark follow the others", "[event-time]") {
  EventClock clock(kNoon);
  clock.assign("quiet", kNoon);
  clock.assign("busy", kNoon);
  clock.observe("busy", kNoon + 2 * kHour);
  CHECK(clock.watermark() == kNoon);
  clock.set_holding("quiet", false);
  CHECK(clock.watermark() == kNoon + 2 * kHour);
  // Data again: it holds again, but the watermark does not go back.
  clock.observe("quiet", kNoon + kHour);
  CHECK(clock.watermark() == kNoon + 2 * kHour);
}

TEST_CASE("a revoked partition no longer holds the watermark", "[event-time]") {
  EventClock clock;
  clock.assign("p0", kNoon);
  clock.assign("p1", kNoon + kHour);
  CHECK(clock.watermark() == kNoon);
  clock.revoke("p0");
  CHECK(clock.watermark() == kNoon + kHour);
}

TEST_CASE("with no partition holding, the watermark stays where it was", "[event-time]") {
  EventClock clock(kNoon);
  clock.assign("p0", kNoon - kHour);
  clock.set_holding("p0", false);
  CHECK(clock.watermark() == kNoon);
}

TEST_CASE("a partition with data to read holds the watermark, however long it is quiet",
          "[event-time]") {
  CHECK(
      holds_watermark({.caught_up = false, .ever_read = true, .quiet_for = 1h}, kNoon, kSettings));
}

TEST_CASE("a caught-up partition holds the watermark until it was quiet for idle_after",
          "[event-time]") {
  CHECK(
      holds_watermark({.caught_up = true, .ever_read = true, .quiet_for = 29s}, kNoon, kSettings));
  CHECK_FALSE(
      holds_watermark({.caught_up = true, .ever_read = true, .quiet_for = 30s}, kNoon, kSettings));
}

TEST_CASE("a caught-up partition that never had a record does not hold the watermark",
          "[event-time]") {
  CHECK_FALSE(holds_watermark({.caught_up = true, .ever_read = false, .quiet_for = 0s},
                              kUnknownTime, kSettings));
  // One with a persisted time waits for idle_after like any other.
  CHECK(
      holds_watermark({.caught_up = true, .ever_read = false, .quiet_for = 0s}, kNoon, kSettings));
}

TEST_CASE("partitions are paused against the oldest partition that still has data to read",
          "[event-time]") {
  std::vector<PartitionReading> readings{
      {.time = kNoon, .holding = true, .caught_up = false},
      {.time = kNoon - kHour, .holding = true, .caught_up = true},  // nothing left to catch up
      {.time = kNoon - 2 * kHour, .holding = false, .caught_up = false},
      {.time = kUnknownTime, .holding = true, .caught_up = false},
  };
  CHECK(pause_reference(readings) == kNoon);
}

TEST_CASE("with every partition caught up nothing is paused", "[event-time]") {
  std::vector<PartitionReading> readings{
      {.time = kNoon, .holding = true, .caught_up = true},
      {.time = kNoon + kHour, .holding = true, .caught_up = true},
  };
  auto reference = pause_reference(readings);
  CHECK_FALSE(reference.has_value());
  CHECK_FALSE(ahead_of_skew(kNoon + kHour, reference, kSettings));
}

TEST_CASE("a partition more than max_skew ahead is paused, one within it is not", "[event-time]") {
  CHECK(ahead_of_skew(kNoon + 16 * kMinute, kNoon, kSettings));
  CHECK_FALSE(ahead_of_skew(kNoon + 15 * kMinute, kNoon, kSettings));
  CHECK_FALSE(ahead_of_skew(kUnknownTime, kNoon, kSettings));
}
