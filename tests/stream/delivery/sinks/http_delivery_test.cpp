// How an HTTP answer's Retry-After reaches the sender (issue 12, finding 6):
// "0" used to retry at once (~800 requests/s, each with a synced RocksDB
// write) and a huge value overflowed; now [1 s, 1 h], garbage ignored.
#include "stream/delivery/sinks/http_delivery.hpp"

#include <catch2/catch.hpp>

using namespace rolewatch;
using namespace rolewatch::stream;
using namespace std::chrono_literals;

namespace {

DeliveryOutcome answer(long status, const std::string& retry_after) {
  state::HttpResponse response;
  response.status = status;
  response.headers.push_back({"Retry-After", retry_after});
  return classify_response(response, std::chrono::system_clock::now());
}

}  // namespace

TEST_CASE("a receiver's Retry-After is clamped to one second and one hour",
          "[delivery][retry-after]") {
  CHECK(answer(429, "0").retry_after == 1s);
  CHECK(answer(503, "99999999999").retry_after == 1h);
  CHECK(answer(429, "30").retry_after == 30s);
  auto garbage = answer(429, "soon");
  CHECK(garbage.kind == DeliveryOutcome::Kind::retry);
  CHECK_FALSE(garbage.retry_after);  // the sender's own backoff applies
  CHECK_FALSE(answer(503, "-5").retry_after);
}
