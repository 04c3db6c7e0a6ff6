// A burst's revisions through the outbox sender (docs/design.md §3, "Burst
// updates" and "Alert delivery"): each revision is its own outbox entry,
// delivered exactly once per sink, in order, with its own webhook id;
// `updates: false` sinks get revision 1 only; Alertmanager drops revisions a
// newer one superseded and never lets an older one overwrite a newer one.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "state/base/time.hpp"
#include "state/delivery_record.hpp"
#include "stream/delivery/outbox_sender.hpp"
#include "support/delivery_fixtures.hpp"
#include "support/http_receiver.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;
using namespace rolewatch::stream;
using namespace std::chrono_literals;

namespace {

constexpr const char* kBurst = "7d1c1e55-0000-5000-8000-000000000001";

// Revision `number` of the burst kBurst with `removals` removals.
nlohmann::json revision(std::uint32_t number, const std::string& status, int removals,
                        const std::string& id = kBurst) {
  auto alert = support::sample_alert(id, removals);
  alert["revision"] = number;
  alert["status"] = status;
  return alert;
}

std::unique_ptr<Sink> webhook(const support::HttpReceiver& receiver,
                              const std::string& extra = "") {
  return support::sink_from_yaml("type: webhook\nurl: " + receiver.url() +
                                 "\nsecret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n" + extra);
}

std::unique_ptr<Sink> file_sink(const std::filesystem::path& path, const std::string& extra = "") {
  return support::sink_from_yaml("type: file\npath: " + path.string() + "\n" + extra);
}

std::unique_ptr<Sink> alertmanager(const support::HttpReceiver& receiver,
                                   const std::string& extra = "") {
  return support::sink_from_yaml("type: alertmanager\nurl: " + receiver.url("") + "\n" + extra);
}

std::vector<std::string> lines_of(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// webhook-id of each request, in arrival order.
std::vector<std::string> ids_in_order(const support::HttpReceiver& receiver) {
  std::vector<std::string> ids;
  for (const auto& request : receiver.requests()) ids.push_back(request.header("webhook-id"));
  return ids;
}

std::vector<std::string> revision_ids(std::initializer_list<int> numbers) {
  std::vector<std::string> ids;
  for (auto n : numbers) ids.push_back(std::string(kBurst) + "." + std::to_string(n));
  return ids;
}

// The `revision` annotation of each post an Alertmanager receiver got.
std::vector<std::string> posted_revisions(const support::HttpReceiver& receiver) {
  std::vector<std::string> revisions;
  for (const auto& request : receiver.requests()) {
    revisions.push_back(nlohmann::json::parse(request.body)[0]["annotations"]["revision"]);
  }
  return revisions;
}

SenderOptions fast_options() {
  SenderOptions options;
  options.backoff.initial = 20ms;
  options.backoff.max = 100ms;
  options.rescan_interval = 50ms;
  return options;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 10s) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

state::DeliveryRecord record_of(state::Store& store, std::uint64_t sequence,
                                const std::string& sink) {
  auto stored = store.get(state::Family::deliveries, state::delivery_key(sequence, sink));
  REQUIRE(stored);
  REQUIRE(stored->has_value());
  auto record = state::decode_delivery_record(**stored);
  REQUIRE(record);
  return *record;
}

}  // namespace

TEST_CASE("every revision reaches a webhook as <id>.<revision> and a file sink as stored",
          "[delivery][revisions]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver receiver;
  std::vector<nlohmann::json> revisions{revision(1, "firing", 3), revision(2, "updated", 4),
                                        revision(3, "closed", 5)};
  for (std::size_t i = 0; i < revisions.size(); ++i) {
    support::put_in_outbox(**store, i + 1, revisions[i]);
  }
  OutboxSender sender(**store, support::sinks_of(file_sink(dir / "a.jsonl"), webhook(receiver)));
  auto summary = sender.drain_once();
  REQUIRE(summary);
  CHECK(summary->delivered == 6);
  CHECK(summary->skipped == 0);
  CHECK(ids_in_order(receiver) == revision_ids({1, 2, 3}));
  auto got = receiver.requests();
  REQUIRE(got.size() == 3);
  std::vector<std::string> stored;
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(got[i].body == revisions[i].dump());
    stored.push_back(revisions[i].dump());
  }
  CHECK(lines_of(dir / "a.jsonl") == stored);
  CHECK(support::count_family(**store, state::Family::outbox) == 0);
}

TEST_CASE("a sink with updates: false gets revision 1 only; each skip is counted once",
          "[delivery][revisions]") {
  support::TempDir dir;
  support::HttpReceiver receiver;
  receiver.down();  // the webhook keeps the revisions in the outbox across the restart
  auto first = revision(1, "firing", 3);
  {
    auto store = state::Store::open(dir / "state");
    REQUIRE(store);
    support::put_in_outbox(**store, 1, first);
    support::put_in_outbox(**store, 2, revision(2, "updated", 4));
    support::put_in_outbox(**store, 3, revision(3, "closed", 4));
    OutboxSender sender(**store, support::sinks_of(file_sink(dir / "a.jsonl", "updates: false\n"),
                                                   webhook(receiver)));
    auto summary = sender.drain_once();
    REQUIRE(summary);
    CHECK(summary->skipped == 2);
    CHECK(sender.skipped_revisions("file") == 2);
    CHECK(sender.skipped_revisions("webhook") == 0);
    CHECK(record_of(**store, 3, "file").state == state::DeliveryState::delivered);
  }
  CHECK(lines_of(dir / "a.jsonl") == std::vector<std::string>{first.dump()});
  receiver.up();
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  OutboxSender sender(**store, support::sinks_of(file_sink(dir / "a.jsonl", "updates: false\n"),
                                                 webhook(receiver)));
  auto summary = sender.drain_once();
  REQUIRE(summary);
  CHECK(summary->skipped == 0);  // recorded the first time
  CHECK(sender.skipped_revisions("file") == 0);
  CHECK(lines_of(dir / "a.jsonl").size() == 1);
  CHECK(ids_in_order(receiver) == revision_ids({1, 2, 3}));
  CHECK(support::count_family(**store, state::Family::outbox) == 0);
}

TEST_CASE("a sender restarted between revisions sends no revision twice and loses none",
          "[delivery][revisions]") {
  support::TempDir dir;
  support::HttpReceiver receiver;
  {
    auto store = state::Store::open(dir / "state");
    REQUIRE(store);
    support::put_in_outbox(**store, 1, revision(1, "firing", 3));
    OutboxSender sender(**store, support::sinks_of(file_sink(dir / "a.jsonl"), webhook(receiver)),
                        fast_options());
    REQUIRE(sender.start());
    REQUIRE(eventually([&] { return sender.pending() == 0 && receiver.count() == 1; }));
    support::put_in_outbox(**store, 2, revision(2, "updated", 4));
    sender.notify();
    REQUIRE(eventually([&] { return receiver.count() == 2 && sender.pending() == 0; }));
    support::put_in_outbox(**store, 3, revision(3, "updated", 5));
    // Stopped before it looks again: revision 3 waits in RocksDB.
    sender.stop(std::chrono::steady_clock::now() + 2s);
  }
  {
    auto store = state::Store::open(dir / "state");
    REQUIRE(store);
    support::put_in_outbox(**store, 4, revision(4, "closed", 5));
    OutboxSender sender(**store, support::sinks_of(file_sink(dir / "a.jsonl"), webhook(receiver)),
                        fast_options());
    REQUIRE(sender.start());
    REQUIRE(eventually([&] { return sender.pending() == 0 && receiver.count() >= 4; }));
    std::this_thread::sleep_for(200ms);  // nothing more may arrive
    sender.stop(std::chrono::steady_clock::now() + 2s);
    CHECK(support::count_family(**store, state::Family::outbox) == 0);
  }
  CHECK(ids_in_order(receiver) == revision_ids({1, 2, 3, 4}));
  auto lines = lines_of(dir / "a.jsonl");
  REQUIRE(lines.size() == 4);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    CHECK(nlohmann::json::parse(lines[i])["revision"] == i + 1);
  }
}

TEST_CASE("a sink gets a burst's revisions in order, also when the first attempt fails",
          "[delivery][revisions]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver receiver;
  receiver.script({{503}});
  receiver.set_fallback({202});
  support::put_in_outbox(**store, 1, revision(1, "firing", 3));
  support::put_in_outbox(**store, 2, revision(2, "updated", 4));
  support::put_in_outbox(**store, 3, revision(3, "closed", 4));
  OutboxSender sender(**store, support::sinks_of(webhook(receiver, "concurrency: 4\n")),
                      fast_options());
  REQUIRE(sender.start());
  REQUIRE(receiver.wait_for(4));
  REQUIRE(eventually([&] { return sender.pending() == 0; }));
  std::this_thread::sleep_for(100ms);  // nothing more may arrive
  sender.stop(std::chrono::steady_clock::now() + 2s);
  // Revision 2 waited for revision 1's retry instead of overtaking it.
  CHECK(ids_in_order(receiver) == revision_ids({1, 1, 2, 3}));
}

TEST_CASE("Alertmanager gets only the newest of the revisions waiting for it",
          "[delivery][revisions]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver receiver;
  support::put_in_outbox(**store, 1, revision(1, "firing", 3));
  support::put_in_outbox(**store, 2, revision(2, "updated", 4));
  support::put_in_outbox(**store, 3, revision(3, "closed", 5));
  OutboxSender sender(**store, support::sinks_of(alertmanager(receiver)));
  auto before = std::chrono::system_clock::now();
  auto summary = sender.drain_once();
  REQUIRE(summary);
  CHECK(summary->delivered == 1);
  CHECK(summary->skipped == 2);
  CHECK(sender.skipped_revisions("alertmanager") == 2);
  REQUIRE(receiver.count() == 1);
  auto posted = nlohmann::json::parse(receiver.requests()[0].body)[0];
  CHECK(posted["annotations"]["revision"] == "3");
  CHECK(posted["annotations"]["status"] == "closed");
  CHECK_THAT(posted["annotations"]["description"].get<std::string>(),
             Catch::StartsWith("5 privileged role removals"));
  // Closed: endsAt is the moment it was sent, so Alertmanager resolves it; no re-posts.
  auto ends = state::parse_event_time(posted["endsAt"].get<std::string>());
  REQUIRE(ends);
  auto ends_at = std::chrono::system_clock::time_point(std::chrono::microseconds(*ends));
  CHECK(ends_at >= before - 1s);
  CHECK(ends_at <= std::chrono::system_clock::now());
  CHECK(support::count_family(**store, state::Family::outbox) == 0);
}

TEST_CASE("a newer revision stops the Alertmanager re-posts of older ones, also after a restart",
          "[delivery][revisions]") {
  support::TempDir dir;
  support::HttpReceiver receiver;
  support::HttpReceiver soar;
  soar.down();  // keeps every revision in the outbox until the second run
  auto sinks = [&] {
    return support::sinks_of(alertmanager(receiver, "resend_interval: 1s\nactive_for: 1h\n"),
                             webhook(soar));
  };
  {
    auto store = state::Store::open(dir / "state");
    REQUIRE(store);
    support::put_in_outbox(**store, 1, revision(1, "firing", 3));
    OutboxSender sender(**store, sinks(), fast_options());
    REQUIRE(sender.start());
    REQUIRE(receiver.wait_for(2, 5s));  // posted, then re-posted a second later
    support::put_in_outbox(**store, 2, revision(2, "updated", 4));
    sender.notify();
    REQUIRE(eventually([&] { return posted_revisions(receiver).back() == "2"; }));
    std::this_thread::sleep_for(2300ms);  // re-posts: of revision 2 only
    sender.stop(std::chrono::steady_clock::now() + 2s);
    // Recorded: revision 1 stays done for Alertmanager while it waits for the webhook.
    CHECK(record_of(**store, 1, "alertmanager").state == state::DeliveryState::delivered);
    CHECK(record_of(**store, 2, "alertmanager").state == state::DeliveryState::resending);
  }
  auto revisions = posted_revisions(receiver);
  auto first_two = std::find(revisions.begin(), revisions.end(), "2");
  REQUIRE(std::distance(first_two, revisions.end()) >= 2);  // posted and re-posted
  CHECK(std::count(first_two, revisions.end(), "1") == 0);
  soar.up();
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::put_in_outbox(**store, 3, revision(3, "closed", 4));
  auto posts_before = receiver.count();
  OutboxSender sender(**store, sinks(), fast_options());
  REQUIRE(sender.start());
  REQUIRE(soar.wait_for(3));
  REQUIRE(eventually([&] { return support::count_family(**store, state::Family::outbox) == 0; }));
  std::this_thread::sleep_for(1500ms);  // past a resend_interval: nothing re-opens it
  sender.stop(std::chrono::steady_clock::now() + 2s);
  auto after = posted_revisions(receiver);
  CHECK(std::vector<std::string>(after.begin() + static_cast<long>(posts_before), after.end()) ==
        std::vector<std::string>{"3"});
  CHECK(ids_in_order(soar) == revision_ids({1, 2, 3}));
}

TEST_CASE("an Alertmanager sink with updates: false keeps re-posting revision 1",
          "[delivery][revisions]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver receiver;
  support::put_in_outbox(**store, 1, revision(1, "firing", 3));
  support::put_in_outbox(**store, 2, revision(2, "updated", 4));
  OutboxSender sender(**store, support::sinks_of(alertmanager(receiver, "updates: false\n")));
  auto summary = sender.drain_once();
  REQUIRE(summary);
  CHECK(posted_revisions(receiver) == std::vector<std::string>{"1"});
  CHECK(record_of(**store, 1, "alertmanager").state == state::DeliveryState::resending);
  CHECK(sender.skipped_revisions("alertmanager") == 1);
}

TEST_CASE("a later revision's max_age counts from its updatedAt, not the burst's detection",
          "[delivery][revisions]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver receiver;
  receiver.set_fallback({503});
  auto at = [](std::chrono::system_clock::time_point time) {
    return state::format_event_time(
        std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count());
  };
  auto now = std::chrono::system_clock::now();
  auto fresh = support::sample_alert(kBurst, 4, now - 48h);  // detected two days ago
  fresh["revision"] = 2;
  fresh["status"] = "updated";
  fresh["updatedAt"] = at(now);
  auto stale = support::sample_alert("7d1c1e55-0000-5000-8000-000000000002", 4, now - 48h);
  stale["revision"] = 2;
  stale["status"] = "updated";
  stale["updatedAt"] = at(now - 25h);
  support::put_in_outbox(**store, 1, fresh);
  support::put_in_outbox(**store, 2, stale);
  OutboxSender sender(**store, support::sinks_of(webhook(receiver)));
  REQUIRE(sender.drain_once());
  CHECK((*(*store)->get(state::Family::outbox, state::encode_be64(1))).has_value());
  CHECK((*(*store)->get(state::Family::dead_letters, state::encode_be64(2))).has_value());
}
