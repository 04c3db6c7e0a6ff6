// The twin holder's lookups by twin key and time (stream/pipeline/
// twin_holder.hpp): a PIM mark pairs exactly the held candidates of its twin
// key within the window on either side, whatever else is held, and a
// candidate released or paired once is never paired again.
#include "stream/pipeline/twin_holder.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "state/base/temp_dir.hpp"
#include "state/store.hpp"

using namespace rolewatch;

namespace {

constexpr rules::EventTime kSecond = 1'000'000;
constexpr rules::EventTime kWindow = 120 * kSecond;
constexpr rules::EventTime kBase = 1'700'000'000 * kSecond;

rules::RoleEvent event(const std::string& id, rules::EventTime time) {
  rules::RoleEvent e;
  e.audit_id = id;
  e.time = time;
  return e;
}

struct Holder {
  state::TempDir dir{"twin-holder-test"};
  std::unique_ptr<state::Store> store = state::Store::open(dir / "state").value();
  stream::TwinHolder twins{*store, kWindow};

  // Holds a candidate (no mark pairs it) and writes the batch.
  void hold(const std::string& id, rules::EventTime time, const std::string& key) {
    auto batch = store->make_batch();
    auto paired = twins.pair_or_hold(event(id, time), key, false, batch);
    REQUIRE(paired);
    REQUIRE_FALSE(*paired);
    REQUIRE(store->write(batch));
  }
};

}  // namespace

TEST_CASE("a PIM mark pairs only its twin key's candidates within the window on either side") {
  Holder h;
  const std::string key = "target-a|role-ga|remove";
  h.hold("too-early", kBase - kWindow - 1, key);
  h.hold("earliest", kBase - kWindow, key);
  h.hold("same-time", kBase, key);
  h.hold("latest", kBase + kWindow, key);
  h.hold("too-late", kBase + kWindow + 1, key);
  for (int i = 0; i < 1000; ++i) {  // other targets at the same times: never paired
    h.hold("other-" + std::to_string(i), kBase + (i % 3 - 1) * kSecond,
           "target-" + std::to_string(i));
  }
  REQUIRE(h.twins.held() == 1005);

  auto batch = h.store->make_batch();
  CHECK(h.twins.mark(event("pim", kBase), key, batch) == 3);
  CHECK(h.twins.held() == 1002);
  // Paired ones are gone for good: a second mark pairs nothing more in range.
  CHECK(h.twins.mark(event("pim-2", kBase), key, batch) == 0);
  REQUIRE(h.store->write(batch));
  h.twins.committed();

  // The two outside the window are still held, and released in time order.
  auto due = h.twins.release_due(kBase + 3 * kWindow, false, batch);
  CHECK(due.size() == 1002);
  CHECK(h.twins.held() == 0);
  CHECK(h.twins.mark(event("pim-3", kBase + kWindow), key, batch) == 0);
}

TEST_CASE(
    "a candidate after a mark in the same batch pairs with it, one outside the window does "
    "not") {
  Holder h;
  const std::string key = "target-b|role-pra|remove";
  auto batch = h.store->make_batch();
  h.twins.mark(event("pim", kBase), key, batch);
  for (int i = 0; i < 500; ++i)
    h.twins.mark(event("pim-other", kBase), "other-" + std::to_string(i), batch);
  auto inside = h.twins.pair_or_hold(event("twin", kBase + kWindow), key, false, batch);
  REQUIRE(inside);
  CHECK(*inside);
  auto outside = h.twins.pair_or_hold(event("late", kBase + kWindow + 1), key, false, batch);
  REQUIRE(outside);
  CHECK_FALSE(*outside);
  auto other_key =
      h.twins.pair_or_hold(event("other", kBase), "target-c|role-ga|remove", false, batch);
  REQUIRE(other_key);
  CHECK_FALSE(*other_key);
  CHECK(h.twins.held() == 2);
}

TEST_CASE("held candidates read back from the store pair with a later mark") {
  Holder h;
  const std::string key = "target-d|role-ga|remove";
  h.hold("held", kBase, key);
  h.hold("elsewhere", kBase, "target-e|role-ga|remove");
  stream::TwinHolder reloaded(*h.store, kWindow);
  REQUIRE(reloaded.load());
  REQUIRE(reloaded.held() == 2);
  auto batch = h.store->make_batch();
  CHECK(reloaded.mark(event("pim", kBase + 5 * kSecond), key, batch) == 1);
  CHECK(reloaded.held() == 1);
  // A candidate held again under the same key replaces the first, once.
  REQUIRE(reloaded.pair_or_hold(event("again", kBase + kWindow * 3), key, false, batch));
  REQUIRE(reloaded.pair_or_hold(event("again", kBase + kWindow * 3), key, false, batch));
  CHECK(reloaded.held() == 2);
  CHECK(reloaded.mark(event("pim-2", kBase + kWindow * 3), key, batch) == 1);
  CHECK(reloaded.held() == 1);
}
