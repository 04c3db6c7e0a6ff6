// Retry-After from an untrusted receiver (issue 12, finding 6): "0" used to
// make a hot retry loop and a huge value used to overflow; both are clamped
// to [1 s, 1 h], and garbage leaves the caller's own backoff.
#include "state/net/retry_after.hpp"

#include <catch2/catch.hpp>

#include "state/net/backoff.hpp"

using namespace rolewatch::state;
using namespace std::chrono_literals;

namespace {

// Wed, 21 Oct 2015 07:28:00 GMT
const auto kNow = std::chrono::system_clock::from_time_t(1445412480);

}  // namespace

TEST_CASE("Retry-After is read as seconds or as an HTTP date", "[delivery][retry-after]") {
  CHECK(parse_retry_after("120", kNow) == 120s);
  CHECK(parse_retry_after(" 0 ", kNow) == 0s);
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:29:00 GMT", kNow) == 60s);
  CHECK(parse_retry_after("Wednesday, 21-Oct-15 07:30:00 GMT", kNow) == 120s);
  CHECK(parse_retry_after("Wed Oct 21 07:29:30 2015", kNow) == 90s);
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", kNow) == 0s);
  CHECK_FALSE(parse_retry_after("soon", kNow));
  CHECK_FALSE(parse_retry_after("", kNow));
}

TEST_CASE("a huge Retry-After saturates instead of overflowing", "[delivery][retry-after]") {
  auto huge = parse_retry_after("99999999999", kNow);
  REQUIRE(huge);
  CHECK(*huge >= 3600s);
  auto absurd = parse_retry_after(std::string(400, '9'), kNow);
  REQUIRE(absurd);
  CHECK(*absurd >= 3600s);
}

TEST_CASE("Retry-After 0 waits one second and 99999999999 waits one hour",
          "[delivery][retry-after]") {
  CHECK(retry_after_delay("0", kNow) == 1s);
  CHECK(retry_after_delay("99999999999", kNow) == 1h);
  CHECK(retry_after_delay("3601", kNow) == 1h);
  CHECK(retry_after_delay("5", kNow) == 5s);
  CHECK(retry_after_delay("Wed, 21 Oct 2015 07:27:00 GMT", kNow) == 1s);  // in the past
  CHECK(retry_after_delay("Wed, 21 Oct 2015 07:29:00 GMT", kNow) == 60s);
}

TEST_CASE("a garbage Retry-After is ignored so the default backoff applies",
          "[delivery][retry-after]") {
  for (const char* value : {"-1", "1.5", "soon", "0x10", "5 s", "+5", "\x01\x02", "Wed, 99 Xyz"}) {
    CAPTURE(value);
    CHECK_FALSE(retry_after_delay(value, kNow));
  }
  CHECK_FALSE(retry_after_delay(std::nullopt, kNow));
  // Without a Retry-After the backoff's own exponential delay is used.
  Backoff backoff(BackoffPolicy{10s, 60s}, 42);
  auto delay = backoff.delay(1, retry_after_delay("soon", kNow));
  CHECK(delay <= 10s);
}

TEST_CASE("the backoff holds any Retry-After it is given to at least one second",
          "[delivery][retry-after]") {
  Backoff backoff(BackoffPolicy{}, 42);
  CHECK(backoff.delay(1, 0ms) == 1s);
  CHECK(backoff.delay(1, 2s) == 2s);
  CHECK(backoff.delay(1, 100h) == 1h);
}
