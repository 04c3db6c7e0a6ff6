#include "stream/pipeline/pipeline.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "state/base/time.hpp"
#include "support/audit_records.hpp"
#include "support/command.hpp"
#include "support/pipeline_harness.hpp"

using namespace rolewatch;
using nlohmann::json;

namespace {

std::vector<std::string> fixture_lines(const std::string& name) {
  std::ifstream in(support::fixture("replay/" + name));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The first Core Directory GA removal of the fixture, re-stamped: a new audit
// id, target and time, so tests can build streams of any shape.
std::string removal_message(const std::string& audit_id, const std::string& target,
                            const std::string& time) {
  auto message = json::parse(fixture_lines("lapsus-burst.jsonl").at(0));
  auto record = message["records"][1];
  record["properties"]["id"] = audit_id;
  record["properties"]["activityDateTime"] = time;
  record["properties"]["targetResources"][0]["id"] = target;
  return json{{"records", json::array({record})}}.dump();
}

using Harness = support::PipelineHarness;

}  // namespace

TEST_CASE("a batch commits its alert to the outbox together with the offsets") {
  Harness h;
  auto result = h.feed(fixture_lines("lapsus-burst.jsonl"));
  REQUIRE(result.alerts.size() == 1);
  CHECK(result.counters.alerts == 1);
  CHECK(h.count(state::Family::outbox) == 1);
  auto next = h.store->next_offset("audit", 0);
  REQUIRE(next);
  CHECK(next->value() == 6);
  std::string stored;
  REQUIRE(h.store->scan(state::Family::outbox, "", "", [&](auto, auto value) {
    stored = std::string(value);
    return false;
  }));
  CHECK(json::parse(stored)["id"] == result.alerts[0].id);
}

TEST_CASE("without an outbox the alert is only in the batch's documents") {
  Harness h;
  h.keep_outbox = false;
  h.reopen();
  auto result = h.feed(fixture_lines("lapsus-burst.jsonl"));
  REQUIRE(result.alerts.size() == 1);
  REQUIRE(result.documents.size() == 1);
  CHECK(json::parse(result.documents[0])["id"] == result.alerts[0].id);
  CHECK(h.count(state::Family::outbox) == 0);
  CHECK(h.store->next_offset("audit", 0)->value() == 6);  // the rest commits as before
}

TEST_CASE("restarting between two halves of a stream gives the same alert once") {
  auto lines = fixture_lines("lapsus-burst.jsonl");
  Harness whole;
  auto expected = whole.feed(lines).alerts;
  REQUIRE(expected.size() == 1);

  Harness split;
  std::vector<std::string> first(lines.begin(), lines.begin() + 3);
  std::vector<std::string> second(lines.begin() + 3, lines.end());
  CHECK(split.feed(first).alerts.empty());
  split.reopen();  // a new process on the same state directory
  auto alerts = split.feed(second, false, 3).alerts;
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].id == expected[0].id);
  split.reopen();
  CHECK(split.feed(lines).alerts.empty());
  CHECK(split.count(state::Family::outbox) == 1);
}

TEST_CASE("a record seen twice, in one batch or across batches, counts once") {
  Harness h;
  auto a = removal_message("id-1", "t1", "2025-03-04T10:00:00Z");
  auto b = removal_message("id-2", "t2", "2025-03-04T10:01:00Z");
  auto r1 = h.feed({a, a, b});
  CHECK(r1.counters.duplicates == 1);
  auto r2 = h.feed({b, a});
  CHECK(r2.counters.duplicates == 2);
  CHECK(r2.alerts.empty());
}

TEST_CASE("records older than window plus grace behind the watermark are counted late") {
  Harness h;
  h.feed({removal_message("new", "t1", "2025-03-04T12:00:00Z")});
  auto result = h.feed({removal_message("old", "t2", "2025-03-04T08:59:59Z")});
  CHECK(result.counters.late() == 1);
  CHECK(h.feed({removal_message("edge", "t3", "2025-03-04T09:00:01Z")}).counters.late() == 0);
}

TEST_CASE("a record stamped far in the future is skipped instead of moving its partition's time") {
  Harness h;
  auto result = h.feed({removal_message("future", "t1", "2099-01-01T00:00:00Z")});
  CHECK(result.counters.future() == 1);
  CHECK(h.feed({removal_message("now", "t2", "2025-03-04T10:00:00Z")}).counters.late() == 0);
}

TEST_CASE("alerts raised while restoring are muted: kept in state, not sent again") {
  Harness h;
  auto result = h.feed(fixture_lines("lapsus-burst.jsonl"), /*mute=*/true);
  CHECK(result.alerts.empty());
  CHECK(result.counters.muted_alerts == 1);
  CHECK(h.count(state::Family::outbox) == 0);
  // The burst is remembered: later removals by the same actor do not alert.
  CHECK(h.feed({removal_message("more", "t9", "2025-03-04T10:30:00Z")}).alerts.empty());
}

TEST_CASE("state stays bounded: windows and dedup ids expire as stream time advances") {
  Harness h;
  h.feed(fixture_lines("lapsus-burst.jsonl"));
  CHECK(h.count(state::Family::windows) == 1);
  CHECK(h.count(state::Family::dedup) > 0);
  // Another actor's removal four hours later moves stream time past the
  // first actor's window + grace.
  auto later = json::parse(removal_message("later", "t1", "2025-03-04T14:30:00Z"));
  later["records"][0]["properties"]["initiatedBy"]["user"]["id"] = "someone-else";
  h.feed({later.dump()});
  CHECK(h.count(state::Family::windows) == 1);
  CHECK(h.count(state::Family::window_expiry) == 1);
  CHECK(h.count(state::Family::dedup) == 1);
  CHECK(h.count(state::Family::dedup_expiry) == 1);
}

TEST_CASE("an unreadable window value fails the batch instead of silently resetting a burst") {
  Harness h;
  auto batch = h.store->make_batch();
  batch.put(
      state::Family::windows,
      std::string("privileged-role-removal-burst") + '\0' + "aaaaaaaa-0000-0000-0000-000000000001",
      "\x07garbage");
  REQUIRE(h.store->write(batch));
  auto line = fixture_lines("lapsus-burst.jsonl").at(0);
  stream::SourceMessage message{"audit", 0, 0, 0, line, false};
  auto result = h.pipeline->process(std::span(&message, 1));
  REQUIRE_FALSE(result);
  CHECK_THAT(result.error().message, Catch::Contains("corrupt window state"));
  auto offset = h.store->next_offset("audit", 0);
  REQUIRE(offset);
  CHECK_FALSE(offset->has_value());  // nothing of the failed batch was committed
}

TEST_CASE(
    "a labelled activation is committed to the outbox with its batch, except when restoring") {
  Harness h;
  auto message = support::event_hubs_message({support::pim_activation()});
  auto result = h.feed({message});
  CHECK(result.counters.activations == 1);
  std::vector<json> outbox;
  REQUIRE(h.store->scan(state::Family::outbox, "", "", [&](auto, auto value) {
    outbox.push_back(json::parse(value));
    return true;
  }));
  REQUIRE(outbox.size() == 1);
  CHECK(outbox[0]["schema"] == "rolewatch.activation.v1");
  CHECK(outbox[0]["auditId"] == json::parse(result.documents.at(0))["auditId"]);

  Harness restoring;
  restoring.feed({message}, /*mute=*/true);
  CHECK(restoring.count(state::Family::outbox) == 0);
}

TEST_CASE("a batch reports its bytes, newest broker time, role events by kind and timings") {
  Harness h;
  auto lines = fixture_lines("lapsus-burst.jsonl");
  std::vector<stream::SourceMessage> messages{{"audit", 0, 0, 1700000000123, lines.at(0), false}};
  auto result = h.pipeline->process(messages);
  REQUIRE(result);
  CHECK(result->bytes == lines.at(0).size());
  CHECK(result->newest_broker_ms == 1700000000123);
  std::uint64_t by_kind = 0;
  for (auto count : result->counters.role_events_by_kind) by_kind += count;
  CHECK(by_kind == result->counters.role_events);
  CHECK(result->counters.role_events > 0);
  CHECK(result->write_time.count() > 0);
  CHECK(result->process_time >= result->write_time);
}

// The batch's state is read ahead in two MultiGets (windows, dedup ids):
// windows stored by earlier batches, across a restart, must be the ones
// each removal counts in, and duplicates in and across batches found.
TEST_CASE(
    "removals by many actors across batches and a restart count in their own stored windows") {
  auto by_actor = [](int actor, int n) {
    auto message = json::parse(
        removal_message("id-" + std::to_string(actor) + "-" + std::to_string(n),
                        "t" + std::to_string(n), "2025-03-04T10:0" + std::to_string(n) + ":00Z"));
    message["records"][0]["properties"]["initiatedBy"]["user"]["id"] =
        "actor-" + std::to_string(actor);
    return message.dump();
  };
  auto round = [&](int n) {
    std::vector<std::string> bodies;
    for (int actor = 0; actor < 40; ++actor) bodies.push_back(by_actor(actor, n));
    return bodies;
  };
  Harness h;
  CHECK(h.feed(round(1)).alerts.empty());
  h.reopen();
  auto second = round(2);
  second.push_back(by_actor(7, 1));  // from the previous batch
  second.push_back(by_actor(7, 2));  // from this one
  auto r2 = h.feed(second);
  CHECK(r2.alerts.empty());
  CHECK(r2.counters.duplicates == 2);
  auto r3 = h.feed(round(3));
  CHECK(r3.alerts.size() == 40);
  for (const auto& alert : r3.alerts) CHECK(alert.removals.size() == 3);
  CHECK(h.count(state::Family::windows) == 40);
}

TEST_CASE("a record behind the watermark moved by an earlier record of the same batch is late") {
  Harness h;
  auto result = h.feed({removal_message("new", "t1", "2025-03-04T12:00:00Z"),
                        removal_message("old", "t2", "2025-03-04T08:59:59Z")});
  CHECK(result.counters.late() == 1);
  CHECK(h.count(state::Family::dedup) == 1);
}
