#include "state/activation_history.hpp"

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

namespace {

using namespace rolewatch::state;

ActivationRecord activation(Micros time, std::string ip, std::string role = "r1") {
  return {"u1",   "u1@contoso.com", std::move(role),
          "Role", std::move(ip),    "audit-" + std::to_string(time),
          time};
}

}  // namespace

TEST_CASE("recorded activations are visible in the same batch and after the write", "[labels]") {
  support::TempDir dir;
  auto store = Store::open(dir.path());
  REQUIRE(store);
  ActivationHistory history(**store);
  auto batch = (*store)->make_batch();
  REQUIRE(history.record(batch, activation(100, "198.51.100.7")));
  auto pending = history.last_activation("u1", "r1");
  REQUIRE(pending);
  REQUIRE(pending->has_value());
  CHECK((*pending)->time == 100);
  // Not in the store until the batch is written.
  ActivationHistory other(**store);
  CHECK_FALSE(other.last_activation("u1", "r1")->has_value());

  REQUIRE((*store)->write(batch));
  history.clear_pending();
  CHECK((*history.last_activation("u1", "r1"))->time == 100);
  CHECK((*history.ip_sighting("u1", "198.51.100.7"))->count == 1);
  CHECK((*history.principal("u1"))->first_activation == 100);
  CHECK(*ActivationHistory::newest_activation(**store) == 100);
}

TEST_CASE("out-of-order activations keep the newest last and the oldest first seen", "[labels]") {
  support::TempDir dir;
  auto store = Store::open(dir.path());
  REQUIRE(store);
  ActivationHistory history(**store);
  auto batch = (*store)->make_batch();
  REQUIRE(history.record(batch, activation(300, "198.51.100.7")));
  REQUIRE(history.record(batch, activation(100, "198.51.100.7")));
  REQUIRE(history.record(batch, activation(200, "")));
  REQUIRE((*store)->write(batch));
  history.clear_pending();
  CHECK((*history.last_activation("u1", "r1"))->time == 300);
  auto sighting = *history.ip_sighting("u1", "198.51.100.7");
  CHECK(sighting->first_seen == 100);
  CHECK(sighting->last_seen == 300);
  CHECK(sighting->count == 2);
  CHECK((*history.principal("u1"))->first_activation == 100);
}

TEST_CASE("the newest event time is the later of stream time and the newest activation",
          "[labels]") {
  support::TempDir dir;
  auto store = Store::open(dir.path());
  REQUIRE(store);
  CHECK(*newest_event_time(**store) == 0);
  auto batch = (*store)->make_batch();
  batch.put(Family::meta, "stream_time", encode_be64(500));
  REQUIRE((*store)->write(batch));
  CHECK(*newest_event_time(**store) == 500);
  ActivationHistory history(**store);
  auto second = (*store)->make_batch();
  REQUIRE(history.record(second, activation(900, "")));
  REQUIRE((*store)->write(second));
  CHECK(*newest_event_time(**store) == 900);
}
