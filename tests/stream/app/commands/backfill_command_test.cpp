// `rolewatch backfill` against the fake Graph: paging, throttling, an
// interruption and a failure then resume, dry run, dedup against replay,
// bad pages, a missing permission, event time and the command line's checks.
#include "stream/app/commands/backfill_command.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "state/base/time.hpp"
#include "state/keys.hpp"
#include "state/store.hpp"
#include "stream/app/commands/replay_command.hpp"
#include "stream/runtime/stop_signal.hpp"
#include "support/audit_history.hpp"
#include "support/audit_records.hpp"
#include "support/captured_log.hpp"
#include "support/fake_graph.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;
using nlohmann::json;

namespace {

constexpr const char* kSince = "2026-10-01T00:00:00Z";
constexpr const char* kUntil = "2026-10-31T00:00:00Z";

// One backfill setup: a fake Graph holding October's history, a config.
struct Backfill {
  support::FakeGraph graph;
  support::TempDir dir;
  std::filesystem::path config = support::write_backfill_config(dir.path(), graph);

  explicit Backfill(std::size_t fillers = 40) {
    graph.set_audits(support::october_history(fillers, "oct"));
    stream::clear_stop_request();
  }

  stream::BackfillOptions options() const {
    stream::BackfillOptions o;
    o.config_file = config;
    o.since = kSince;
    o.until = kUntil;
    o.page_size = 10;
    o.delivery_wait = std::chrono::seconds(10);
    return o;
  }
  int run(const stream::BackfillOptions& o, std::string* printed = nullptr) {
    std::ostringstream out;
    int code = stream::backfill_command(o, out);
    if (printed) *printed = out.str();
    stream::clear_stop_request();
    return code;
  }
  int run() { return run(options()); }

  // (id, revision, status, count) of every alert the file sink received,
  // sorted: two runs compare whatever order the sender delivered in.
  std::vector<std::string> delivered() const {
    std::vector<std::string> out;
    std::ifstream in(dir.path() / "alerts.jsonl");
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(summary(json::parse(line)));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::string summary(const json& alert) {
    return alert["id"].get<std::string>() + " rev " + std::to_string(alert["revision"].get<int>()) +
           " " + alert["status"].get<std::string>() + " count " +
           std::to_string(alert["count"].get<int>());
  }
};

std::vector<std::string> printed_alerts(const std::string& out) {
  std::vector<std::string> alerts;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    auto doc = json::parse(line);
    if (doc["schema"] == "rolewatch.alert.v1") alerts.push_back(Backfill::summary(doc));
  }
  std::sort(alerts.begin(), alerts.end());
  return alerts;
}

std::set<std::string> ids_of(const std::vector<std::string>& alerts) {
  std::set<std::string> ids;
  for (const auto& alert : alerts) ids.insert(alert.substr(0, alert.find(' ')));
  return ids;
}

bool unique(const std::vector<std::string>& alerts) {
  return std::set<std::string>(alerts.begin(), alerts.end()).size() == alerts.size();
}

}  // namespace

TEST_CASE("backfill pages the range oldest first and alerts through the sinks", "[backfill]") {
  Backfill b;
  support::CapturedLog log;
  REQUIRE(b.run() == 0);
  // 47 records in pages of 10: five requests, each with the RoleManagement
  // filter, the range and ascending order.
  auto queries = b.graph.audit_queries();
  CHECK(queries.size() == 5);
  CHECK(queries.front() ==
        "category eq 'RoleManagement' and activityDateTime ge 2026-10-01T00:00:00.000000Z and "
        "activityDateTime le 2026-10-31T00:00:00.000000Z | activityDateTime asc");
  auto alerts = b.delivered();
  CHECK(ids_of(alerts).size() == 2);  // mallory's burst of 3 and the app's of 4
  CHECK(unique(alerts));
  CHECK_THAT(log.text(), Catch::Contains("pages=5 records=47"));
  CHECK_THAT(log.text(), Catch::Contains("late=0"));
}

TEST_CASE("backfill waits out 429 and 503 with Retry-After and misses nothing", "[backfill]") {
  Backfill reference;
  REQUIRE(reference.run() == 0);
  Backfill b;
  b.graph.inject({"/auditLogs/directoryAudits", 429, "1", 1});
  b.graph.inject({"skiptoken=20", 503, "1", 1});
  auto started = std::chrono::steady_clock::now();
  REQUIRE(b.run() == 0);
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(1900));
  CHECK(b.graph.answered(429) == 1);
  CHECK(b.graph.answered(503) == 1);
  CHECK(b.delivered().size() == reference.delivered().size());
}

TEST_CASE("an interrupted backfill continues from its last committed page without duplicates",
          "[backfill]") {
  Backfill reference;
  REQUIRE(reference.run() == 0);
  Backfill b;
  support::CapturedLog log;
  // SIGINT/SIGTERM set this flag; page 3 (records 20-29) is committed, then it stops.
  b.graph.on_audit_page([](std::size_t first) {
    if (first == 20) stream::request_stop();
  });
  CHECK(b.run() == 1);
  CHECK_THAT(log.text(), Catch::Contains("interrupted; the same command continues from page 3"));
  b.graph.on_audit_page({});
  REQUIRE(b.run() == 0);
  CHECK_THAT(log.text(), Catch::Contains("resuming graph-backfill/"));
  // The resumed run asks from the time page 3 reached, not from the start.
  auto queries = b.graph.audit_queries();
  CHECK(queries.back().find("ge 2026-10-01T00:00:00.000000Z") == std::string::npos);
  auto alerts = b.delivered();
  CHECK(unique(alerts));
  CHECK(alerts == reference.delivered());
}

TEST_CASE("a backfill that fails mid-way exits 1 and the rerun fills the rest", "[backfill]") {
  Backfill reference;
  REQUIRE(reference.run() == 0);
  Backfill b;
  support::CapturedLog log;
  // max_attempts 2: two 500s on the fourth page end the first run.
  b.graph.inject({"skiptoken=30", 500, "", 2});
  CHECK(b.run() == 1);
  CHECK_THAT(log.text(), Catch::Contains("HTTP 500"));
  REQUIRE(b.run() == 0);
  auto alerts = b.delivered();
  CHECK(unique(alerts));
  CHECK(alerts == reference.delivered());
}

TEST_CASE("a dry run prints the alerts, delivers nothing and leaves the state as it was",
          "[backfill]") {
  Backfill b;
  auto options = b.options();
  options.dry_run = true;
  std::string printed;
  REQUIRE(b.run(options, &printed) == 0);
  auto dry = printed_alerts(printed);
  CHECK(ids_of(dry).size() == 2);
  CHECK(b.delivered().empty());
  CHECK_FALSE(std::filesystem::exists(b.dir.path() / "state"));  // not even created
  // The real backfill afterwards still alerts, with the same alerts.
  REQUIRE(b.run() == 0);
  CHECK(b.delivered() == dry);
  // A second dry run over the now-existing state changes nothing either.
  auto store = state::Store::open(b.dir.path() / "state");
  REQUIRE(store);
  auto before = (*store)->partition_position(
      "graph-backfill/2026-10-01T00:00:00.000000Z/2026-10-31T00:00:00.000000Z", 0);
  REQUIRE(before);
  REQUIRE(before->has_value());
  store->reset();
  REQUIRE(b.run(options, &printed) == 0);
  CHECK(printed_alerts(printed).empty());  // everything is a duplicate of the real run
  CHECK(b.delivered() == dry);
}

TEST_CASE(
    "records within window and grace of the state's watermark are duplicates; older "
    "bursts alert again under the same id",
    "[backfill]") {
  Backfill reference;
  REQUIRE(reference.run() == 0);
  Backfill b;
  auto page = b.dir.path() / "october.jsonl";
  std::ofstream(page) << support::as_graph_page(support::october_history(40, "oct")) << '\n';
  stream::ReplayOptions replay;
  replay.files = {page.string()};
  replay.state_dir = b.dir.path() / "state";
  REQUIRE(stream::replay_command(replay) == 0);
  support::CapturedLog log;
  auto options = b.options();
  options.dry_run = true;
  std::string printed;
  REQUIRE(b.run(options, &printed) == 0);
  // The app's burst ends at the watermark: its 4 removals are known ids.
  CHECK_THAT(log.text(), Catch::Contains("duplicates=4"));
  // Mallory's, a day older, has left dedup (window + grace = 3 h): it is
  // raised again, with the id receivers already have.
  auto again = ids_of(printed_alerts(printed));
  CHECK(again.size() == 1);
  auto known = ids_of(reference.delivered());
  CHECK(known.contains(*again.begin()));
}

TEST_CASE("old records are processed in event time behind a newer stored watermark", "[backfill]") {
  Backfill b;
  // `run` (here: a replay) has already reached December.
  auto december = b.dir.path() / "december.jsonl";
  std::ofstream(december) << support::graph_page({support::core_directory_addition(
                                 {.time = "2026-12-05T10:00:00.0000000+00:00"})})
                          << '\n';
  stream::ReplayOptions replay;
  replay.files = {december.string()};
  replay.state_dir = b.dir.path() / "state";
  REQUIRE(stream::replay_command(replay) == 0);
  support::CapturedLog log;
  REQUIRE(b.run() == 0);
  CHECK(ids_of(b.delivered()).size() == 2);
  CHECK_THAT(log.text(), Catch::Contains("late=0"));
  // The stored watermark stays in December: `run` continues where it was.
  auto store = state::Store::open(b.dir.path() / "state");
  REQUIRE(store);
  auto stored = (*store)->get(state::Family::meta, state::keys::kWatermark);
  REQUIRE(stored);
  REQUIRE(stored->has_value());
  CHECK(static_cast<std::int64_t>(state::decode_be64(**stored)) ==
        *state::parse_event_time("2026-12-05T10:00:00Z"));
}

TEST_CASE("a page without a value array is counted and skipped", "[backfill]") {
  Backfill b;
  support::CapturedLog log;
  int pages = 0;
  b.graph.tamper_with_audit_pages([&pages](json page) {
    if (++pages == 1) page["value"] = "not an array";
    return page;
  });
  REQUIRE(b.run() == 0);
  CHECK_THAT(log.text(), Catch::Contains("bad_pages=1"));
  CHECK_THAT(log.text(), Catch::Contains("pages=4 records=37"));
}

TEST_CASE("a Graph app without AuditLog.Read.All gets a clear error and exit 1", "[backfill]") {
  Backfill b;
  b.graph.deny_audit_logs(true);
  support::CapturedLog log;
  CHECK(b.run() == 1);
  CHECK_THAT(log.text(), Catch::Contains("HTTP 403 Authorization_RequestDenied"));
  CHECK_THAT(log.text(), Catch::Contains("AuditLog.Read.All"));
  CHECK(b.delivered().empty());
}

TEST_CASE("backfill writes a progress line while it runs", "[backfill]") {
  Backfill b;
  b.graph.inject({"/auditLogs/directoryAudits", 429, "1", 1});
  support::CapturedLog log;
  auto options = b.options();
  options.progress_interval = std::chrono::milliseconds(100);
  REQUIRE(b.run(options) == 0);
  CHECK_THAT(log.text(), Catch::Contains("backfill: pages=0 records=0 reached=- rate="));
}

TEST_CASE("backfill refuses bad times, a config without graph and a state in use", "[backfill]") {
  Backfill b;
  auto options = b.options();
  options.since = "last tuesday";
  CHECK(b.run(options) == 2);
  options = b.options();
  options.until = "2026-09-01T00:00:00Z";
  CHECK(b.run(options) == 2);
  options = b.options();
  options.config_file = b.dir.path() / "missing.yaml";
  CHECK(b.run(options) == 2);

  support::TempDir other;
  std::ofstream(other.path() / "rolewatch.yaml")
      << "source: {brokers: embedded, topic: t, group: g}\nstate: {dir: "
      << (other.path() / "state").string() << "}\n";
  options = b.options();
  options.config_file = other.path() / "rolewatch.yaml";
  support::CapturedLog log;
  CHECK(b.run(options) == 2);
  CHECK_THAT(log.text(), Catch::Contains("add a graph: section"));

  auto held = state::Store::open(b.dir.path() / "state");
  REQUIRE(held);
  CHECK(b.run() == 1);
  CHECK_THAT(log.text(), Catch::Contains("stop it first"));
}
