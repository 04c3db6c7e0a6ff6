// Event time across Kafka partitions (issue 9, docs/design.md §3 "Event time"): a
// backlog read partition by partition, a restore, a SIGKILL in the middle of
// an aligned catch-up, an idle partition and a wrong host clock must all
// raise exactly the alerts a time-ordered `rolewatch replay` of the same
// messages raises, and drop no record as late or future.
//
// The backlogs come from support::backlog_stream: 12 hours of realistic
// traffic with 24 removal bursts (distinct actors, one every 30 minutes,
// the removals of a burst in different messages on different partitions),
// produced with Event Hubs-like broker timestamps (enqueued time) before
// rolewatch starts, as after an outage or on first start.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <limits>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "state/base/time.hpp"
#include "stream/pipeline/pipeline.hpp"
#include "stream/runtime/runner.hpp"
#include "support/backlog_stream.hpp"
#include "support/command.hpp"
#include "support/kafka_harness.hpp"
#include "support/temp_dir.hpp"

using namespace support;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kTopic = "insights-logs-auditlogs";
// The mock broker keeps about 5 MB per partition; stay well below.
constexpr std::uint64_t kPartitionBudget = 4u << 20;

// BatchCounters' late/future totals: plain fields before issue 9, member
// functions (late(), future()) summing the reasons after it.
template <class Counters>
std::uint64_t late_of(const Counters& counters) {
  if constexpr (requires { counters.late(); }) {
    return counters.late();
  } else {
    return counters.late;
  }
}
template <class Counters>
std::uint64_t future_of(const Counters& counters) {
  if constexpr (requires { counters.future(); }) {
    return counters.future();
  } else {
    return counters.future;
  }
}

// BatchResult's clock after the batch: `watermark` since issue 9,
// `stream_time` before.
template <class Result>
rolewatch::rules::EventTime watermark_of(const Result& result) {
  if constexpr (requires { result.watermark; }) {
    return result.watermark;
  } else {
    return result.stream_time;
  }
}

// RunOptions::wall_clock (issue 9); false when this tree has no such field.
template <class Options>
bool inject_wall_clock(Options& options, const std::function<std::int64_t()>& clock) {
  if constexpr (requires { options.wall_clock = clock; }) {
    options.wall_clock = clock;
    return true;
  } else {
    return false;
  }
}

std::int64_t system_now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

// What an in-process run reported through batch_committed.
struct RunTotals {
  std::mutex mutex;
  std::uint64_t late = 0;
  std::uint64_t future = 0;
  std::uint64_t messages = 0;
  std::uint64_t batches = 0;
  std::vector<json> alerts;  // rolewatch.alert.v1 documents, in order raised

  rolewatch::stream::RunHooks hooks() {
    rolewatch::stream::RunHooks hooks;
    hooks.batch_committed = [this](const rolewatch::stream::BatchResult& result) {
      std::lock_guard lock(mutex);
      late += late_of(result.counters);
      future += future_of(result.counters);
      messages += result.counters.decode.messages;
      ++batches;
      for (const auto& text : result.documents) {
        auto document = nlohmann::json::parse(text);
        if (document.value("schema", "") == "rolewatch.alert.v1") alerts.push_back(document);
      }
    };
    return hooks;
  }
  std::size_t alert_count() {  // bursts alerted, whatever their revisions
    std::lock_guard lock(mutex);
    return latest_revisions(alerts).size();
  }
};

struct ReplayResult {
  int exit_code = -1;
  std::vector<json> alerts;
  std::string summary;  // the "replay done: ..." line
  std::uint64_t late = 0;
};

std::uint64_t summary_count(const std::string& summary, const std::string& name) {
  auto at = summary.find(" " + name + "=");
  if (at == std::string::npos) return 0;
  return std::stoull(summary.substr(at + name.size() + 2));
}

// `rolewatch replay FILE`: the reference outcome of a time-ordered stream.
ReplayResult replay(const std::filesystem::path& file) {
  auto run = run_shell(rolewatch_binary() + " replay " + file.string());
  ReplayResult result;
  result.exit_code = run.exit_code;
  for (const auto& line : lines_of(run.out)) {
    auto document = json::parse(line);
    if (document.value("schema", "") == "rolewatch.alert.v1") result.alerts.push_back(document);
  }
  result.alerts = latest_revisions(result.alerts);
  for (const auto& line : lines_of(run.err)) {
    if (line.find("replay done:") != std::string::npos) result.summary = line;
  }
  result.late = summary_count(result.summary, "late");
  return result;
}

std::set<std::string> actor_ids(const std::vector<json>& alerts) {
  std::set<std::string> ids;
  for (const auto& alert : alerts) ids.insert(alert.at("actor").at("id").get<std::string>());
  return ids;
}

std::set<std::string> burst_actors(const Backlog& backlog) {
  std::set<std::string> ids;
  for (const auto& burst : backlog.bursts) ids.insert(burst.actor_id);
  return ids;
}

// No alert id twice and no burst (actor) alerted twice.
void check_no_duplicates(const std::vector<json>& alerts) {
  std::set<std::string> ids, actors;
  for (const auto& alert : alerts) {
    INFO(alert.dump());
    CHECK(ids.insert(alert.at("id").get<std::string>()).second);
    CHECK(actors.insert(alert.at("actor").at("id").get<std::string>()).second);
  }
}

std::string percent(double share) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(0) << share * 100 << "%";
  return text.str();
}

void print_table_row(int partitions, double share, std::size_t alerts, std::size_t expected,
                     std::uint64_t late) {
  static std::once_flag header;
  std::call_once(header, [] {
    std::cout << "\nissue 9 backlog catch-up (12 h, produced first, then `rolewatch run`):\n"
              << "| partitions | share of messages on partition 0 | alerts | late records |\n"
              << "|---|---|---|---|\n";
  });
  std::cout << "| " << partitions << " | " << percent(share) << " | " << alerts << " / " << expected
            << " | " << late << " |" << std::endl;
}

void require_within_retention(const Backlog& backlog) {
  for (int p = 0; p < backlog.partitions; ++p) {
    INFO("partition " << p << ": " << backlog.bytes_per_partition[p] << " bytes");
    REQUIRE(backlog.bytes_per_partition[p] < kPartitionBudget);
  }
}

// The alerts of `replay` of the time-ordered file, checked against the
// generator: one per burst.
ReplayResult reference_alerts(const Backlog& backlog, const std::filesystem::path& file) {
  write_time_ordered_jsonl(backlog, file);
  auto reference = replay(file);
  INFO(reference.summary);
  REQUIRE(reference.exit_code == 0);
  REQUIRE(reference.alerts.size() >= 20);
  REQUIRE(actor_ids(reference.alerts) == burst_actors(backlog));
  return reference;
}

// One row of the table: the whole backlog produced first, then one
// run from an empty state directory until every partition is caught up.
void check_backlog_catch_up(int partitions, double share_on_first, unsigned seed) {
  TempDir dir;
  auto backlog =
      backlog_stream({.partitions = partitions, .share_on_first = share_on_first, .seed = seed});
  require_within_retention(backlog);
  REQUIRE(backlog.bursts.size() >= 20);
  auto reference = reference_alerts(backlog, dir / "backlog.jsonl");

  BrokerProcess broker(partitions, kTopic, dir / "broker.log");
  publish_timed(broker.bootstrap(), kTopic, backlog.timed());

  RunConfigSpec spec{broker.bootstrap(), kTopic, "catch-up", dir / "state", "group", ""};
  RunTotals totals;
  REQUIRE(run_until_caught_up(run_config(spec), {}, totals.hooks(), std::chrono::seconds(60)) == 0);
  auto alerts = outbox_alerts(dir / "state");
  print_table_row(partitions, backlog.share_on(0), alerts.size(), reference.alerts.size(),
                  totals.late);
  INFO("partitions " << partitions << ", share on partition 0 " << percent(backlog.share_on(0))
                     << ", messages " << backlog.messages.size() << ", records " << backlog.records
                     << ", largest partition " << backlog.largest_partition_bytes()
                     << " bytes; replay: " << reference.summary);
  CHECK(totals.messages == backlog.messages.size());
  CHECK(totals.late == 0);
  CHECK(totals.future == 0);
  check_no_duplicates(alerts);
  CHECK(actor_ids(alerts) == burst_actors(backlog));
  CHECK(comparable_alerts(alerts) == comparable_alerts(reference.alerts));
}

// Reads a growing log file from where it last stopped.
class LogFollower {
 public:
  explicit LogFollower(std::filesystem::path path) : path_(std::move(path)) {}
  // Waits (polling every 5 ms) until `text` appears, `child` exits or
  // `give_up()` (asked every 100 ms) is true.
  bool wait_for(const std::string& text, ChildProcess& child, std::chrono::milliseconds deadline,
                const std::function<bool()>& give_up = {}) {
    auto end = Clock::now() + deadline;
    auto next_ask = Clock::now();
    while (Clock::now() < end) {
      if (read_more().find(text) != std::string::npos) return true;
      if (!child.running()) return read_more().find(text) != std::string::npos;
      if (give_up && Clock::now() >= next_ask) {
        if (give_up()) return read_more().find(text) != std::string::npos;
        next_ask = Clock::now() + std::chrono::milliseconds(100);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

 private:
  const std::string& read_more() {
    std::ifstream in(path_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(seen_));
    std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    seen_ += chunk.size();
    text_ += chunk;
    return text_;
  }
  std::filesystem::path path_;
  std::size_t seen_ = 0;
  std::string text_;
};

}  // namespace

TEST_CASE("a 12-hour backlog on 4 partitions with 55% on partition 0 raises replay's alerts",
          "[kafka][event-time]") {
  check_backlog_catch_up(4, 0.55, 91);
}

TEST_CASE("a 12-hour backlog on 4 even partitions raises replay's alerts", "[kafka][event-time]") {
  check_backlog_catch_up(4, 0, 92);
}

TEST_CASE("a 12-hour backlog on 8 even partitions raises replay's alerts", "[kafka][event-time]") {
  check_backlog_catch_up(8, 0, 93);
}

TEST_CASE("the backlog generator is deterministic and spreads each burst over partitions",
          "[kafka][event-time]") {
  BacklogSpec spec{.partitions = 4, .share_on_first = 0.55, .seed = 7};
  auto one = backlog_stream(spec);
  auto two = backlog_stream(spec);
  REQUIRE(one.messages.size() == two.messages.size());
  std::size_t different = 0;
  for (std::size_t i = 0; i < one.messages.size(); ++i) {
    const auto& a = one.messages[i];
    const auto& b = two.messages[i];
    if (a.body != b.body || a.partition != b.partition || a.enqueued_ms != b.enqueued_ms) {
      if (different++ == 0) {
        INFO("first difference at message " << i);
        CHECK(a.body == b.body);
      }
    }
  }
  CHECK(different == 0);
  CHECK(backlog_stream({.seed = 8}).messages.front().body != one.messages.front().body);

  CHECK(one.bursts.size() == 24);
  for (const auto& burst : one.bursts) {
    std::set<std::int32_t> partitions;
    for (auto index : burst.removal_messages) partitions.insert(one.messages[index].partition);
    CHECK(burst.removal_messages.size() == 3);
    CHECK(partitions.size() == 3);
  }
  CHECK(one.share_on(0) > 0.5);
  CHECK(one.share_on(0) < 0.6);
  CHECK(one.largest_partition_bytes() < kPartitionBudget);
  auto even = backlog_stream({.partitions = 8, .seed = 7});
  for (int p = 0; p < 8; ++p) CHECK(even.share_on(p) > 0.08);
  // Records are 1-2 KB, several per message.
  std::uint64_t bytes = 0;
  for (const auto& message : one.messages) bytes += message.body.size();
  CHECK(bytes / one.records > 800);
  CHECK(bytes / one.records < 2500);
  CHECK(one.records > 2 * one.messages.size());
  // Each partition's messages are in enqueued (event-time) order, and the
  // stretch covers 12 hours.
  std::map<std::int32_t, std::int64_t> last;
  for (const auto& message : one.messages) {
    CHECK(message.enqueued_ms >= last[message.partition]);
    last[message.partition] = message.enqueued_ms;
  }
  auto span_ms = one.messages.back().enqueued_ms - one.messages.front().enqueued_ms;
  CHECK(span_ms > 11 * 3600 * 1000LL);
}

TEST_CASE(
    "restores from an empty state dir in the middle of a backlog resend no alert "
    "and miss none",
    "[kafka][event-time]") {
  TempDir dir;
  auto backlog = backlog_stream({.partitions = 4, .share_on_first = 0.55, .seed = 94});
  require_within_retention(backlog);
  auto reference = reference_alerts(backlog, dir / "backlog.jsonl");

  // Four checkpoints, each in the middle of a slow burst (removals ~10 min
  // apart): two of its removals before and one after, or one before and two
  // after. Which removal completes the burst in the restored run depends on
  // the order partitions are read in, so several restores are tried.
  struct Checkpoint {
    int burst;
    std::size_t removals_before;
  };
  const std::vector<Checkpoint> checkpoints{{5, 2}, {9, 1}, {13, 2}, {17, 1}};
  std::vector<std::int64_t> splits;
  for (const auto& checkpoint : checkpoints) {
    const auto& burst = backlog.bursts.at(checkpoint.burst);
    REQUIRE(burst.removal_messages.size() == 3);
    auto before = backlog.messages[burst.removal_messages[checkpoint.removals_before - 1]];
    auto after = backlog.messages[burst.removal_messages[checkpoint.removals_before]];
    REQUIRE(before.enqueued_ms < after.enqueued_ms);
    splits.push_back((before.enqueued_ms + after.enqueued_ms) / 2);
  }
  splits.push_back(std::numeric_limits<std::int64_t>::max());

  BrokerProcess broker(4, kTopic, dir / "broker.log");
  RunConfigSpec spec{broker.bootstrap(), kTopic, "restore", dir / "state", "group", ""};
  std::vector<json> all;
  std::set<std::string> delivered;  // alert ids of the runs so far
  std::int64_t published_until = std::numeric_limits<std::int64_t>::min();
  for (std::size_t run = 0; run < splits.size(); ++run) {
    std::vector<TimedMessage> part;
    for (const auto& message : backlog.messages) {
      if (message.enqueued_ms > published_until && message.enqueued_ms <= splits[run]) {
        part.push_back({message.partition, message.body, message.enqueued_ms});
      }
    }
    published_until = splits[run];
    publish_timed(broker.bootstrap(), kTopic, part);
    // Every run after the first starts from an empty state directory: a
    // restore from the group's committed offsets.
    std::filesystem::remove_all(dir / "state");
    RunTotals totals;
    REQUIRE(run_until_caught_up(run_config(spec), {}, totals.hooks(), std::chrono::seconds(60)) ==
            0);
    // Closing committed the checkpoint for the next restore.
    REQUIRE(committed_offsets(broker.bootstrap(), "restore", kTopic, 4) ==
            high_watermarks(broker.bootstrap(), kTopic, 4));
    auto alerts = outbox_alerts(dir / "state");
    std::cout << "restore " << run << ": " << part.size() << " messages produced, " << alerts.size()
              << " alerts, " << totals.late << " late" << std::endl;

    INFO("run " << run << " (" << (run == 0 ? "fresh state" : "restored") << ")");
    check_no_duplicates(alerts);
    for (const auto& alert : alerts) {
      // A burst's later revisions may come from the next owner; the same
      // revision twice would be a repeat.
      INFO("delivered again: " << alert.dump());
      CHECK(delivered
                .insert(alert.at("id").get<std::string>() + "." +
                        std::to_string(alert.value("revision", 1)))
                .second);
    }
    CHECK(totals.late == 0);
    auto actors = actor_ids(alerts);
    // The burst straddling the checkpoint before this run alerts now, and
    // the one straddling the next checkpoint does not yet.
    if (run > 0) {
      const auto& straddling = backlog.bursts.at(checkpoints[run - 1].burst);
      std::ostringstream where;
      where << "burst " << checkpoints[run - 1].burst << " straddles the checkpoint: removals on";
      for (auto index : straddling.removal_messages) {
        const auto& message = backlog.messages[index];
        where << " partition " << message.partition
              << (message.enqueued_ms <= splits[run - 1] ? " (before)" : " (after)");
      }
      INFO(where.str());
      CHECK(actors.count(straddling.actor_id) == 1);
    }
    if (run < checkpoints.size()) {
      CHECK(actors.count(backlog.bursts.at(checkpoints[run].burst).actor_id) == 0);
    }
    all.insert(all.end(), alerts.begin(), alerts.end());
  }
  // Nothing missed: together exactly replay's alerts.
  CHECK(comparable_alerts(all) == comparable_alerts(reference.alerts));
}

TEST_CASE("a run killed with SIGKILL while partitions are paused ends with replay's alerts",
          "[kafka][event-time]") {
  TempDir dir;
  auto backlog = backlog_stream({.partitions = 4, .share_on_first = 0.55, .seed = 95});
  require_within_retention(backlog);
  auto reference = reference_alerts(backlog, dir / "backlog.jsonl");
  auto expected = comparable_alerts(reference.alerts);

  BrokerProcess broker(4, kTopic, dir / "broker.log");
  publish_timed(broker.bootstrap(), kTopic, backlog.timed());
  // Static assignment: a restart resumes at once (no session to expire).
  // Small batches so the catch-up takes long enough to be interrupted.
  RunConfigSpec spec{broker.bootstrap(), kTopic, "killed", dir / "state", "static", ""};
  write_text(dir / "run.yaml", run_config_yaml(spec, {.source_yaml = "  max_skew: 1m\n",
                                                      .log_level = "debug",
                                                      .batch_max_messages = 10}));

  // Every alert ever seen in the state, by id: it only grows toward the
  // burst's whole scope (replay's last revision), never loses a removal.
  std::map<std::string, json> seen;
  auto contains_all = [](const json& whole, const json& part) {
    for (const auto& removal : part["removals"]) {
      if (std::find(whole["removals"].begin(), whole["removals"].end(), removal) ==
          whole["removals"].end()) {
        return false;
      }
    }
    return true;
  };
  auto snapshot = [&](const std::string& when) {
    auto alerts = outbox_alerts(dir / "state");
    INFO(when);
    check_no_duplicates(alerts);
    for (const auto& [id, alert] : comparable_alerts(alerts)) {
      INFO(alert.dump());
      auto it = expected.find(id);
      CHECK(it != expected.end());
      if (it != expected.end()) {
        CHECK(alert["actor"] == it->second["actor"]);
        CHECK(contains_all(it->second, alert));
      }
      auto [previous, inserted] = seen.emplace(id, alert);
      if (!inserted) CHECK(contains_all(alert, previous->second));
      previous->second = alert;
    }
    return alerts.size();
  };

  const auto high = high_watermarks(broker.bootstrap(), kTopic, 4);
  OffsetQuery committed(broker.bootstrap(), "killed");
  auto caught_up = [&] { return committed.committed(kTopic, 4) == high; };
  int kills = 0, kills_mid_catch_up = 0;
  for (int attempt = 0; attempt < 4; ++attempt) {
    auto log = dir / ("run-" + std::to_string(attempt) + ".log");
    RunProcess run(dir / "run.yaml", log);
    LogFollower follower(log);
    bool started = follower.wait_for("kafka: reading all", run.process(), std::chrono::seconds(15));
    bool paused = started && follower.wait_for("kafka: paused partitions", run.process(),
                                               std::chrono::seconds(5), caught_up);
    if (!run.process().running()) {
      FAIL("rolewatch run exited on its own:\n" << read_text(log));
    }
    REQUIRE(started);
    if (!paused) break;  // what is left is within max_skew: no pausing any more
    run.process().kill_hard();
    ++kills;
    auto alerts = snapshot("after kill " + std::to_string(kills));
    if (alerts < expected.size()) ++kills_mid_catch_up;
    std::cout << "SIGKILL " << kills << " with partitions paused: " << alerts << " / "
              << expected.size() << " alerts in the state" << std::endl;
  }
  REQUIRE(kills >= 1);
  CHECK(kills_mid_catch_up >= 1);  // at least one kill landed before the end
  // The last restart runs until caught up (in this process, so it can stop
  // there: if the last killed run had read everything, nothing is left to
  // commit and the group's offsets would not move).
  RunTotals final_totals;
  REQUIRE(run_until_caught_up(run_config(spec, {.source_yaml = "  max_skew: 1m\n"}), {},
                              final_totals.hooks(), std::chrono::seconds(60)) == 0);
  CHECK(final_totals.late == 0);
  {
    auto store = rolewatch::state::Store::open(dir / "state");
    REQUIRE(store.has_value());
    for (const auto& [partition, high] : high_watermarks(broker.bootstrap(), kTopic, 4)) {
      auto next = (*store)->next_offset(kTopic, partition);
      REQUIRE(next.has_value());
      INFO("partition " << partition);
      CHECK(next->value_or(-1) == high);
    }
  }
  CAPTURE(kills, kills_mid_catch_up);
  snapshot("after the final run");
  auto alerts = outbox_alerts(dir / "state");
  check_no_duplicates(alerts);
  CHECK(comparable_alerts(alerts) == expected);
}

TEST_CASE("a partition that receives nothing for hours does not stop the others' alerts",
          "[kafka][event-time]") {
  TempDir dir;
  // Partition 0: five minutes of traffic, then silence. Partitions 1-3: four
  // hours with a burst every 70 minutes by two actors in turn, so each actor
  // bursts again 140 minutes later: a new alert only if the watermark moved
  // on (the first burst ended: no removal for a window of watermark time).
  auto quiet =
      backlog_stream({.partitions = 1, .minutes = 5, .bursts = 0, .seed = 96, .tag = "quiet"});
  auto busy = backlog_stream({.partitions = 3,
                              .minutes = 245,
                              .bursts = 4,
                              .first_burst_minute = 20,
                              .burst_every_minutes = 70,
                              .actors = 2,
                              .slow_bursts = false,
                              .seed = 97,
                              .tag = "busy"});
  const auto start_us = *rolewatch::state::parse_event_time(BacklogSpec{}.start);
  auto minute_of = [&](const BacklogMessage& message) {
    return (message.newest_event_us - start_us) / (60 * 1'000'000LL);
  };
  auto wave = [&](std::int64_t from_minute, std::int64_t to_minute) {
    std::vector<TimedMessage> messages;
    for (const auto& message : busy.messages) {
      // Live: the broker stamps them as they arrive.
      if (minute_of(message) >= from_minute && minute_of(message) < to_minute) {
        messages.push_back({message.partition + 1, message.body, 0});
      }
    }
    return messages;
  };
  // The reference: both backlogs in one time-ordered file.
  {
    std::vector<const BacklogMessage*> ordered;
    for (const auto& message : quiet.messages) ordered.push_back(&message);
    for (const auto& message : busy.messages) ordered.push_back(&message);
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](auto* a, auto* b) { return a->enqueued_ms < b->enqueued_ms; });
    std::ofstream out(dir / "all.jsonl");
    for (const auto* message : ordered) out << message->body << '\n';
  }
  auto reference = replay(dir / "all.jsonl");
  INFO(reference.summary);
  REQUIRE(reference.exit_code == 0);
  REQUIRE(reference.alerts.size() == busy.bursts.size());

  BrokerProcess broker(4, kTopic, dir / "broker.log");
  {
    std::vector<TimedMessage> first;
    for (const auto& message : quiet.messages) first.push_back({0, message.body, 0});
    auto rest = wave(0, 5);
    first.insert(first.end(), rest.begin(), rest.end());
    publish_timed(broker.bootstrap(), kTopic, first);
  }
  RunConfigSpec spec{broker.bootstrap(), kTopic, "idle", dir / "state", "static", ""};
  auto config = run_config(spec, {.source_yaml = "  idle_after: 1s\n"});
  RunTotals totals;
  std::atomic<rolewatch::rules::EventTime> watermark{0};
  auto hooks = totals.hooks();
  hooks.batch_committed = [&, count = hooks.batch_committed](const auto& result) {
    count(result);
    watermark = std::max(watermark.load(), watermark_of(result));
  };
  std::atomic<bool> stop{false};
  rolewatch::stream::RunOptions options;
  options.install_signal_handlers = false;
  options.stop = &stop;
  int code = -1;
  std::thread runner([&] { code = rolewatch::stream::run(config, options, hooks); });

  // Waves of half an hour of event time, each after partition 0 has been
  // quiet for longer than idle_after.
  for (int minute = 5; minute < 245; minute += 30) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    publish_timed(broker.bootstrap(), kTopic, wave(minute, minute + 30));
  }
  // The last burst is at minute ~230: the watermark must get past it,
  // however long ago partition 0 said anything.
  const auto last_burst_us = start_us + 230LL * 60 * 1'000'000;
  auto end = Clock::now() + std::chrono::seconds(10);
  while ((totals.alert_count() < reference.alerts.size() || watermark.load() < last_burst_us) &&
         Clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop = true;
  runner.join();
  CHECK(code == 0);
  std::lock_guard lock(totals.mutex);
  INFO("watermark " << rolewatch::state::format_event_time(watermark.load()));
  CHECK(watermark.load() >= last_burst_us);
  CHECK(comparable_alerts(totals.alerts) == comparable_alerts(reference.alerts));
  CHECK(latest_revisions(totals.alerts).size() == busy.bursts.size());
  CHECK(totals.late == 0);
  CHECK(totals.future == 0);
}

namespace {

// Six bursts in the last hour before the real now, produced with their
// (real) enqueued times, consumed by a run whose host clock is off by
// `offset`.
void check_wrong_host_clock(std::chrono::hours offset) {
  const auto real_now_us = system_now_us();
  BacklogSpec spec{.partitions = 4,
                   .minutes = 60,
                   .bursts = 6,
                   .first_burst_minute = 5,
                   .burst_every_minutes = 9,
                   .slow_bursts = false,
                   .seed = 98,
                   .tag = "clock"};
  // The stretch ends ten minutes before now (enqueued at most two later).
  spec.start = rolewatch::state::format_event_time(real_now_us - 70LL * 60 * 1'000'000);
  auto backlog = backlog_stream(spec);
  TempDir dir;
  BrokerProcess broker(4, kTopic, dir / "broker.log");
  publish_timed(broker.bootstrap(), kTopic, backlog.timed());

  RunConfigSpec run_spec{broker.bootstrap(), kTopic, "clock", dir / "state", "static", ""};
  rolewatch::stream::RunOptions options;
  const auto skew_us = std::chrono::duration_cast<std::chrono::microseconds>(offset).count();
  if (!inject_wall_clock(options, [skew_us] { return system_now_us() + skew_us; })) {
    FAIL("stream::RunOptions has no wall_clock: the host clock cannot be injected");
  }
  RunTotals totals;
  REQUIRE(run_until_caught_up(run_config(run_spec), options, totals.hooks(),
                              std::chrono::seconds(30)) == 0);
  auto alerts = outbox_alerts(dir / "state");
  INFO("host clock off by " << offset.count() << " h");
  CHECK(totals.messages == backlog.messages.size());
  CHECK(totals.future == 0);
  CHECK(totals.late == 0);
  CHECK(actor_ids(alerts) == burst_actors(backlog));
  check_no_duplicates(alerts);
  // detectedAt is the (injected) host clock's time.
  for (const auto& alert : alerts) {
    auto detected = rolewatch::state::parse_event_time(alert.value("detectedAt", ""));
    REQUIRE(detected.has_value());
    CHECK(std::abs(*detected - (system_now_us() + skew_us)) < 10LL * 60 * 1'000'000);
  }
}

}  // namespace

TEST_CASE("a host clock three hours slow drops no record as future or late",
          "[kafka][event-time]") {
  check_wrong_host_clock(std::chrono::hours(-3));
}

TEST_CASE("a host clock three hours fast drops no record as future or late",
          "[kafka][event-time]") {
  check_wrong_host_clock(std::chrono::hours(3));
}
