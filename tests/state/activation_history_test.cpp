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

// Records one activation in a batch of its own and writes it.
void record_committed(Store& store, ActivationHistory& history, const ActivationRecord& record) {
  auto batch = store.make_batch();
  REQUIRE(history.record(batch, record));
  REQUIRE(store.write(batch));
  history.clear_pending();
}

// Reads the activations' history ahead, as the pipeline does for a group.
void read_ahead(ActivationHistory& history, const std::vector<ActivationRecord>& activations) {
  auto fetched = history.fetch(activations);
  REQUIRE(fetched);
  history.adopt(std::move(*fetched));
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

TEST_CASE(
    "history read ahead for a batch answers as reads one at a time, the batch's own "
    "records first",
    "[labels]") {
  support::TempDir dir;
  auto store = Store::open(dir.path());
  REQUIRE(store);
  ActivationHistory history(**store);
  record_committed(**store, history, activation(100, "198.51.100.7"));

  auto batch = (*store)->make_batch();
  const std::vector<ActivationRecord> ahead{activation(200, "198.51.100.7"),
                                            activation(150, "203.0.113.9", "r2")};
  read_ahead(history, ahead);
  CHECK((*history.ip_sighting("u1", "198.51.100.7"))->count == 1);
  CHECK_FALSE(history.ip_sighting("u1", "203.0.113.9")->has_value());
  for (const auto& record : ahead) REQUIRE(history.record(batch, record));
  CHECK((*history.last_activation("u1", "r1"))->time == 200);  // pending over read-ahead
  CHECK((*history.ip_sighting("u1", "198.51.100.7"))->count == 2);
  CHECK((*history.principal("u1"))->first_activation == 100);
  REQUIRE((*store)->write(batch));

  // A later batch reads the store again, not what was read ahead before.
  ActivationHistory other(**store);
  record_committed(**store, other, activation(300, "198.51.100.7"));
  history.clear_pending();
  read_ahead(history, ahead);
  CHECK((*history.ip_sighting("u1", "198.51.100.7"))->count == 3);
  CHECK((*history.last_activation("u1", "r2"))->time == 150);
}

TEST_CASE("stored history values keep the JSON text older versions wrote", "[labels]") {
  support::TempDir dir;
  auto store = Store::open(dir.path());
  REQUIRE(store);
  ActivationHistory history(**store);
  record_committed(**store, history, activation(100, "198.51.100.7"));
  auto last = (*store)->get(Family::activations, last_activation_key("u1", "r1"));
  REQUIRE(last);
  CHECK(**last ==
        R"({"a":"audit-100","ip":"198.51.100.7","rn":"Role","t":100,"upn":"u1@contoso.com"})");
  auto sighting = (*store)->get(Family::activations, ip_key("u1", "198.51.100.7"));
  CHECK(**sighting == R"({"f":100,"l":100,"n":1})");
  auto principal = (*store)->get(Family::activations, std::string("u/u1"));
  CHECK(**principal == R"({"f":100,"upn":"u1@contoso.com"})");
}
