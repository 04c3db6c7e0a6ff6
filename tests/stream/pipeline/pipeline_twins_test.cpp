// MS-PIM twins are paired, not trusted by name (docs/design.md §3, "Dedup
// and twins"): a Core Directory record claiming MS-PIM is dropped only when a
// PIM record for the same target, role and operation lies within the twin
// window; otherwise it counts with its real initiator once the watermark has
// passed its time + the window.
#include <catch2/catch.hpp>

#include "support/audit_records.hpp"
#include "support/pipeline_harness.hpp"

using namespace rolewatch;
using support::at;
using support::kBaseTime;

namespace {

// A Core Directory GA removal by an app that calls itself MS-PIM.
std::string impostor_removal(int admin, std::int64_t seconds) {
  return support::event_hubs_message({support::core_directory_removal(
      {.actor = support::app("e0e0e0e0-0000-4000-8000-00000000e71c", "MS-PIM"),
       .target = support::admin(admin),
       .time = at(kBaseTime, seconds)})});
}

std::string pim_removal(int admin, std::int64_t seconds) {
  return support::event_hubs_message(
      {support::pim_removal({.target = support::admin(admin), .time = at(kBaseTime, seconds)})});
}

std::string real_twin(int admin, std::int64_t seconds) {
  return support::event_hubs_message(
      {support::ms_pim_twin({.target = support::admin(admin), .time = at(kBaseTime, seconds)})});
}

// Ordinary traffic that moves a partition's time (and so the watermark).
std::string noise(std::int64_t seconds) {
  auto record = support::non_role_record();
  record["time"] = at(kBaseTime, seconds);
  record["properties"]["activityDateTime"] = at(kBaseTime, seconds);
  return support::event_hubs_message({record});
}

}  // namespace

TEST_CASE("an app named MS-PIM removing three Global Administrators raises one alert as itself") {
  support::PipelineHarness h;
  auto held = h.feed({impostor_removal(1, 0), impostor_removal(2, 10), impostor_removal(3, 20)});
  CHECK(held.counters.twins_held == 3);
  CHECK(held.alerts.empty());  // not before the twin window has passed
  CHECK(h.feed({noise(119)}).counters.twins_unpaired == 0);
  auto decided = h.feed({noise(20 + 121)});
  CHECK(decided.counters.twins_unpaired == 3);
  REQUIRE(decided.alerts.size() == 1);
  const auto& alert = decided.alerts[0];
  CHECK(alert.actor.type == rules::ActorType::service_principal);
  CHECK(alert.actor.id == "e0e0e0e0-0000-4000-8000-00000000e71c");
  CHECK(alert.actor.display_name == "MS-PIM");
  CHECK(alert.count == 3);
  CHECK(h.count(state::Family::twins) == 0);
}

TEST_CASE("a PIM removal and its MS-PIM twin count once, with the human initiator") {
  support::PipelineHarness h;
  std::vector<std::string> bodies;
  for (int i = 1; i <= 3; ++i) {
    bodies.push_back(pim_removal(i, i * 10));
    bodies.push_back(real_twin(i, i * 10 + 1));
  }
  auto result = h.feed(bodies);
  CHECK(result.counters.twins_paired == 3);
  CHECK(result.counters.twins_held == 0);
  REQUIRE(result.alerts.size() == 1);
  CHECK(result.alerts[0].actor.user_principal_name == "mallory@contoso.onmicrosoft.com");
  CHECK(result.alerts[0].removals.size() == 3);
  for (const auto& removal : result.alerts[0].removals) {
    CHECK(removal.service == rules::Service::pim);
  }
  auto later = h.feed({noise(600)});
  CHECK(later.counters.twins_unpaired == 0);
  CHECK(later.alerts.empty());
}

TEST_CASE("a twin read before its PIM record, from another partition, is paired when it comes") {
  support::PipelineHarness h;
  h.partitions = {0, 1};
  h.reopen();
  // Partition 1 runs ahead with the twins; partition 0 still holds the
  // watermark back, so the held twins wait for it.
  auto early = h.feed({real_twin(1, 11), real_twin(2, 21), real_twin(3, 31), noise(400)}, false, 0,
                      /*partition=*/1);
  CHECK(early.counters.twins_held == 3);
  auto pim = h.feed({pim_removal(1, 10), pim_removal(2, 20), pim_removal(3, 30)}, false, 0, 0);
  CHECK(pim.counters.twins_paired == 3);
  REQUIRE(pim.alerts.size() == 1);
  CHECK(pim.alerts[0].actor.user_principal_name == "mallory@contoso.onmicrosoft.com");
  auto after = h.feed({noise(500)}, false, 3, 0);
  CHECK(after.counters.twins_unpaired == 0);
  CHECK(after.alerts.empty());
  CHECK(h.pipeline->clock().watermark() > 0);
}

TEST_CASE("a twin read after its PIM record, from another partition, is paired at once") {
  support::PipelineHarness h;
  h.partitions = {0, 1};
  h.reopen();
  h.feed({pim_removal(1, 10), pim_removal(2, 20), pim_removal(3, 30)}, false, 0, 0);
  auto twins = h.feed({real_twin(1, 11), real_twin(2, 21), real_twin(3, 31)}, false, 0, 1);
  CHECK(twins.counters.twins_paired == 3);
  CHECK(twins.counters.twins_held == 0);
  CHECK(twins.alerts.empty());
}

TEST_CASE("a PIM record outside the twin window does not pair: the claimed twin counts") {
  support::PipelineHarness h;
  auto result = h.feed({pim_removal(1, 0), impostor_removal(1, 121), impostor_removal(2, 122),
                        impostor_removal(3, 123)});
  CHECK(result.counters.twins_paired == 0);
  CHECK(result.counters.twins_held == 3);
  auto decided = h.feed({noise(400)});
  CHECK(decided.counters.twins_unpaired == 3);
  REQUIRE(decided.alerts.size() == 1);
  CHECK(decided.alerts[0].actor.display_name == "MS-PIM");
}

TEST_CASE("held twin candidates survive a restart and are decided after it") {
  support::PipelineHarness h;
  h.feed({impostor_removal(1, 0), impostor_removal(2, 10), impostor_removal(3, 20)});
  CHECK(h.count(state::Family::twins) == 3);
  h.reopen();
  auto decided = h.feed({noise(300)}, false, 3);
  CHECK(decided.counters.twins_unpaired == 3);
  CHECK(decided.alerts.size() == 1);
}

TEST_CASE("a held candidate is not decided twice when its batch fails to commit") {
  support::PipelineHarness h;
  h.feed({impostor_removal(1, 0), impostor_removal(2, 10), impostor_removal(3, 20)});
  // A corrupt window makes the deciding batch fail: nothing of it commits.
  auto batch = h.store->make_batch();
  auto key =
      std::string("privileged-role-removal-burst") + '\0' + "e0e0e0e0-0000-4000-8000-00000000e71c";
  batch.put(state::Family::windows, key, "garbage");
  REQUIRE(h.store->write(batch));
  REQUIRE_FALSE(h.pipeline->process(
      std::vector<stream::SourceMessage>{{"audit", 0, 3, 0, noise(300), false}}));
  CHECK(h.count(state::Family::twins) == 3);
  auto repair = h.store->make_batch();
  repair.erase(state::Family::windows, key);
  REQUIRE(h.store->write(repair));
  auto decided = h.feed({noise(300)}, false, 3);
  CHECK(decided.counters.twins_unpaired == 3);
  CHECK(decided.alerts.size() == 1);
}

TEST_CASE("at the end of a replay held candidates are decided: no PIM record will come") {
  support::PipelineHarness h;
  h.feed({impostor_removal(1, 0), impostor_removal(2, 10), impostor_removal(3, 20)});
  CHECK(h.flush(stream::FlushScope::updates).counters.twins_unpaired == 0);
  auto flushed = h.flush(stream::FlushScope::end_of_input);
  CHECK(flushed.counters.twins_unpaired == 3);
  CHECK(flushed.alerts.size() == 1);
}
