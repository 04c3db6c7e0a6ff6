#include "state/base/time.hpp"

#include <catch2/catch.hpp>

using EventTime = rolewatch::state::Micros;
using rolewatch::state::format_event_time;
using rolewatch::state::format_iso_duration;
using rolewatch::state::parse_duration_seconds;
using rolewatch::state::parse_event_time;

namespace {

// 2025-03-04T10:15:02Z, computed independently: 20151 days since the epoch.
constexpr EventTime kC1Second = (20'151LL * 86'400 + 10 * 3600 + 15 * 60 + 2) * 1'000'000;

}  // namespace

TEST_CASE("an activityDateTime with seven fractional digits and +00:00 parses to microseconds",
          "[time]") {
  CHECK(rolewatch::state::parse_event_time("2025-03-04T10:15:02.1234567+00:00") ==
        kC1Second + 123'456);
}

TEST_CASE("Z and +00:00 name the same instant", "[time]") {
  CHECK(rolewatch::state::parse_event_time("2025-03-04T10:15:02.1234567Z") ==
        rolewatch::state::parse_event_time("2025-03-04T10:15:02.1234567+00:00"));
}

TEST_CASE("zero to nine fractional digits are accepted", "[time]") {
  CHECK(rolewatch::state::parse_event_time("2025-03-04T10:15:02Z") == kC1Second);
  CHECK(rolewatch::state::parse_event_time("2025-03-04T10:15:02.1Z") == kC1Second + 100'000);
  CHECK(rolewatch::state::parse_event_time("2025-03-04T10:15:02.123Z") == kC1Second + 123'000);
  CHECK(rolewatch::state::parse_event_time("2025-03-04T10:15:02.123456Z") == kC1Second + 123'456);
  CHECK(rolewatch::state::parse_event_time("2025-03-04T10:15:02.123456789Z") ==
        kC1Second + 123'456);
  CHECK_FALSE(rolewatch::state::parse_event_time("2025-03-04T10:15:02.1234567890Z"));
  CHECK_FALSE(rolewatch::state::parse_event_time("2025-03-04T10:15:02.Z"));
}

TEST_CASE("a numeric offset is subtracted to give UTC", "[time]") {
  CHECK(rolewatch::state::parse_event_time("2025-03-04T12:15:02+02:00") == kC1Second);
  CHECK(rolewatch::state::parse_event_time("2025-03-04T05:45:02-04:30") == kC1Second);
  CHECK(rolewatch::state::parse_event_time("2025-03-04T12:15:02+0200") == kC1Second);
}

TEST_CASE("an offset can move the date across midnight and a year end", "[time]") {
  CHECK(rolewatch::state::parse_event_time("2024-12-31T23:30:00-01:00") ==
        rolewatch::state::parse_event_time("2025-01-01T00:30:00Z"));
}

TEST_CASE("a time without a zone is taken as UTC", "[time]") {
  CHECK(rolewatch::state::parse_event_time("2025-03-04T10:15:02") == kC1Second);
}

TEST_CASE("the legacy month-first form is accepted as UTC", "[time]") {
  CHECK(rolewatch::state::parse_event_time("03/04/2025 10:15:02") == kC1Second);
  CHECK(rolewatch::state::parse_event_time("01/09/2007 09:41:00") ==
        rolewatch::state::parse_event_time("2007-01-09T09:41:00Z"));
}

TEST_CASE("leap days are valid only in leap years", "[time]") {
  CHECK(rolewatch::state::parse_event_time("2024-02-29T00:00:00Z"));
  CHECK(rolewatch::state::parse_event_time("2000-02-29T00:00:00Z"));
  CHECK_FALSE(rolewatch::state::parse_event_time("2025-02-29T00:00:00Z"));
  CHECK_FALSE(rolewatch::state::parse_event_time("1900-02-29T00:00:00Z"));
}

TEST_CASE("garbage and out-of-range fields are rejected", "[time]") {
  for (const char* text : {"",
                           "now",
                           "2025",
                           "2025-03-04",
                           "2025-03-04T",
                           "2025-13-04T10:15:02Z",
                           "2025-00-04T10:15:02Z",
                           "2025-03-32T10:15:02Z",
                           "2025-03-04T24:00:00Z",
                           "2025-03-04T10:60:00Z",
                           "2025-03-04T10:15:61Z",
                           "2025-03-04T10:15:02+25:00",
                           "2025-03-04T10:15:02Q",
                           "2025-03-04T10:15:02Z ",
                           " 2025-03-04T10:15:02Z",
                           "2025-3-4T10:15:02Z",
                           "2025-03-04T10:15:02+",
                           "2025-03-04T10:15:02+00:",
                           "<null>",
                           "13/04/2025 10:15:02",
                           "03/04/25 10:15:02",
                           "2025-03-04T1a:15:02Z"}) {
    INFO(text);
    CHECK_FALSE(rolewatch::state::parse_event_time(text));
  }
}

TEST_CASE("the epoch and dates before it parse", "[time]") {
  CHECK(rolewatch::state::parse_event_time("1970-01-01T00:00:00Z") == 0);
  CHECK(rolewatch::state::parse_event_time("1969-12-31T23:59:59Z") == -1'000'000);
}

TEST_CASE("rolewatch::state::format_event_time writes microseconds in UTC with Z", "[time]") {
  CHECK(rolewatch::state::format_event_time(kC1Second + 123'456) == "2025-03-04T10:15:02.123456Z");
  CHECK(rolewatch::state::format_event_time(0) == "1970-01-01T00:00:00.000000Z");
  CHECK(rolewatch::state::format_event_time(-1) == "1969-12-31T23:59:59.999999Z");
}

TEST_CASE("formatting and parsing round-trip across centuries", "[time]") {
  for (const char* text : {"1601-01-01T00:00:00.000000Z", "2000-02-29T12:34:56.789012Z",
                           "2038-01-19T03:14:08.000001Z", "9999-12-31T23:59:59.999999Z"}) {
    const auto parsed = rolewatch::state::parse_event_time(text);
    REQUIRE(parsed);
    CHECK(rolewatch::state::format_event_time(*parsed) == text);
  }
}

TEST_CASE("ISO 8601 durations parse to seconds", "[time]") {
  CHECK(rolewatch::state::parse_duration_seconds("PT2H") == 7200);
  CHECK(rolewatch::state::parse_duration_seconds("PT90M") == 5400);
  CHECK(rolewatch::state::parse_duration_seconds("PT1H30M") == 5400);
  CHECK(rolewatch::state::parse_duration_seconds("PT1H30M15S") == 5415);
  CHECK(rolewatch::state::parse_duration_seconds("P1D") == 86'400);
  CHECK(rolewatch::state::parse_duration_seconds("P1DT2H") == 93'600);
  CHECK(rolewatch::state::parse_duration_seconds("P1W") == 604'800);
  CHECK(rolewatch::state::parse_duration_seconds("PT0S") == 0);
}

TEST_CASE("shorthand durations and bare seconds parse", "[time]") {
  CHECK(rolewatch::state::parse_duration_seconds("2h") == 7200);
  CHECK(rolewatch::state::parse_duration_seconds("90m") == 5400);
  CHECK(rolewatch::state::parse_duration_seconds("7200s") == 7200);
  CHECK(rolewatch::state::parse_duration_seconds("7200") == 7200);
  CHECK(rolewatch::state::parse_duration_seconds("1d") == 86'400);
  CHECK(rolewatch::state::parse_duration_seconds("1h30m") == 5400);
  CHECK(rolewatch::state::parse_duration_seconds(" 2h ") == 7200);
}

TEST_CASE("malformed durations are rejected", "[time]") {
  for (const char* text : {"", "P", "PT", "P1DT", "PT2", "P2H", "P1M", "2x", "h", "-2h", "PT-2H",
                           "2.5h", "PT1.5H", "two hours", "99999999999999999999s"}) {
    INFO(text);
    CHECK_FALSE(rolewatch::state::parse_duration_seconds(text));
  }
}

TEST_CASE("rolewatch::state::format_iso_duration writes the shortest ISO 8601 form", "[time]") {
  CHECK(rolewatch::state::format_iso_duration(7200) == "PT2H");
  CHECK(rolewatch::state::format_iso_duration(5400) == "PT1H30M");
  CHECK(rolewatch::state::format_iso_duration(5415) == "PT1H30M15S");
  CHECK(rolewatch::state::format_iso_duration(86'400) == "P1D");
  CHECK(rolewatch::state::format_iso_duration(93'600) == "P1DT2H");
  CHECK(rolewatch::state::format_iso_duration(0) == "PT0S");
  CHECK(rolewatch::state::format_iso_duration(45) == "PT45S");
}

TEST_CASE("a formatted duration parses back to the same seconds", "[time]") {
  for (std::int64_t seconds :
       {0LL, 1LL, 59LL, 60LL, 3599LL, 7200LL, 86'399LL, 86'400LL, 90'061LL}) {
    INFO(seconds);
    CHECK(rolewatch::state::parse_duration_seconds(
              rolewatch::state::format_iso_duration(seconds)) == seconds);
  }
}

TEST_CASE("durations take milliseconds as well as the ISO and shorthand forms", "[time]") {
  using namespace std::chrono_literals;
  CHECK(rolewatch::state::parse_duration("500ms") == 500ms);
  CHECK(rolewatch::state::parse_duration("15s") == 15s);
  CHECK(rolewatch::state::parse_duration("PT1H") == 1h);
  CHECK_FALSE(rolewatch::state::parse_duration("-5ms").has_value());
  CHECK_FALSE(rolewatch::state::parse_duration("soon").has_value());
}

TEST_CASE("an optional time that is empty, null or garbage reads as 0", "[time]") {
  CHECK(rolewatch::state::parse_time_or_zero("") == 0);
  CHECK(rolewatch::state::parse_time_or_zero("null") == 0);
  CHECK(rolewatch::state::parse_time_or_zero("2025-03-04T10:15:02Z") == kC1Second);
}
