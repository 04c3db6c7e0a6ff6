// Burst updates through the pipeline (docs/design.md §3, "Burst updates"):
// revisions reach the outbox exactly once, on the wall-clock interval, and
// survive a restart between them.
#include <catch2/catch.hpp>

#include "support/audit_records.hpp"
#include "support/pipeline_harness.hpp"

using namespace rolewatch;
using support::at;
using support::kBaseTime;

namespace {

constexpr rules::EventTime kSecond = 1'000'000;

std::string removal(int admin, std::int64_t seconds) {
  return support::event_hubs_message({support::core_directory_removal(
      {.target = support::admin(admin), .time = at(kBaseTime, seconds)})});
}

std::vector<std::string> statuses(const std::vector<nlohmann::json>& documents) {
  std::vector<std::string> out;
  for (const auto& d : documents) {
    out.push_back(d.value("status", "") + "/" + std::to_string(d.value("revision", 0)));
  }
  return out;
}

}  // namespace

TEST_CASE("an update waits for the interval, goes on a tick and survives a restart before it") {
  support::PipelineHarness h;
  h.feed({removal(1, 0), removal(2, 10), removal(3, 20)});
  h.now += 5 * kSecond;
  auto joined = h.feed({removal(4, 30)}, false, 3);
  CHECK(joined.revisions.empty());  // owed: the interval has not passed
  CHECK(h.tick().revisions.empty());
  h.reopen();  // a restart while the update is owed
  h.now += 60 * kSecond;
  auto ticked = h.tick();
  REQUIRE(ticked.revisions.size() == 1);
  CHECK(ticked.revisions[0].revision == 2);
  CHECK(ticked.revisions[0].count == 4);
  CHECK(ticked.counters.alert_updates == 1);
  h.reopen();
  h.now += 600 * kSecond;
  CHECK(h.tick().revisions.empty());  // sent once, not again after a restart
  CHECK(statuses(h.outbox()) == std::vector<std::string>{"firing/1", "updated/2"});
}

TEST_CASE("a tick with nothing due writes nothing") {
  support::PipelineHarness h;
  h.feed({removal(1, 0), removal(2, 10), removal(3, 20)});
  auto before = h.count(state::Family::meta);
  auto result = h.tick();
  CHECK(result.documents.empty());
  CHECK(h.count(state::Family::meta) == before);
  CHECK(h.outbox().size() == 1);
}

TEST_CASE("the close goes out when the watermark is one window past the burst") {
  support::PipelineHarness h;
  h.feed({removal(1, 0), removal(2, 10), removal(3, 20), removal(4, 30)});
  CHECK(h.feed({removal(9, 30 + 7200)}, false, 4).revisions.empty());  // admin 9: same actor
  // admin 9's removal at +2h joined the burst (within one window): closing
  // waits for one window past it.
  auto closed = h.feed({removal(10, 30 + 7200 + 7201)}, false, 5);
  REQUIRE(closed.revisions.size() == 1);
  CHECK(closed.revisions[0].status == rules::AlertStatus::closed);
  CHECK(closed.revisions[0].removals.size() == 5);
  CHECK(closed.counters.alert_closes == 1);
  CHECK(statuses(h.outbox()) == std::vector<std::string>{"firing/1", "closed/2"});
  CHECK(h.count(state::Family::meta) > 0);
}

TEST_CASE("revisions of a burst rebuilt while restoring are muted, later ones are sent") {
  support::PipelineHarness h;
  h.feed({removal(1, 0), removal(2, 10), removal(3, 20), removal(4, 30)}, /*mute=*/true);
  CHECK(h.flush(stream::FlushScope::updates).revisions.empty());
  CHECK(h.outbox().empty());
  h.now += 120 * kSecond;
  auto update = h.feed({removal(5, 40)}, false, 4);
  REQUIRE(update.revisions.size() == 1);
  CHECK(update.revisions[0].revision > 4);
  CHECK(update.revisions[0].count == 5);
  CHECK(h.outbox().size() == 1);
}
