#include "stream/pipeline/pipeline.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "rules/activation_labeler.hpp"
#include "rules/activation_rules.hpp"
#include "rules/burst_detector.hpp"
#include "rules/twin_pairing.hpp"
#include "state/activation_history.hpp"
#include "state/base/job_thread.hpp"
#include "state/base/time.hpp"
#include "state/eligibility_snapshot.hpp"
#include "state/group_window.hpp"
#include "state/keys.hpp"
#include "stream/pipeline/decode_worker.hpp"
#include "stream/pipeline/twin_holder.hpp"

namespace rolewatch::stream {
namespace {

using rules::EventTime;
using state::Family;

using state::keys::time_key;

bool is_counted_kind(rules::Kind kind, const std::vector<rules::RuleDefinition>& rules) {
  return std::any_of(rules.begin(), rules.end(),
                     [kind](const auto& rule) { return rule.kinds.contains(kind); });
}

// A group's window as loaded at the start of the batch, and its changes.
struct TouchedWindow {
  const rules::RuleDefinition* rule = nullptr;
  state::GroupWindow window;
  EventTime stored_newest = 0;  // 0 when not in the store
};

std::string window_key(const rules::RuleDefinition& rule, const std::string& group) {
  return rule.id + '\0' + group;
}

std::string_view rule_id_of(std::string_view window_key) {
  return window_key.substr(0, window_key.find('\0'));
}

// One message decoded ahead of its processing: its role events and the
// newest time among its other records, so that the state they will read can
// be fetched for a group of messages at once (Impl::read_state). Decoding may run
// on the decode worker: what it found is kept here, and counted and logged
// in message order by the pipeline's thread (Impl::read).
struct DecodedMessage {
  std::vector<rules::RoleEvent> events;
  EventTime newest_other = kUnknownTime;
  DecodeCounters counters;
  std::uint64_t future_broker_time = 0;  // other records skipped as future
  std::uint64_t future_host_clock = 0;
  std::string warning;  // the decoder's line for this message, if any
};

// A group of messages whose state is read ahead together (Impl::read_groups)
// ends at this many role events or this many payload bytes: each MultiGet
// still covers hundreds of keys on role-heavy input, while on input of
// mostly other records the rules start on the first messages decoded
// instead of waiting for the whole batch (and the decode worker goes on
// decoding meanwhile).
// The first group of a batch is read before anything else can run (the
// previous batch has just been written); each later group is read on the
// reader thread while the rules run on the group before it, so the first is
// kept small.
constexpr std::size_t kPrefetchEvents = 1024;
constexpr std::size_t kFirstGroupEvents = 256;
constexpr std::size_t kGroupBytes = 1u << 20;
// A time stamped more than kMaxFutureSkew after its reference (the broker
// timestamp, else the host clock at `host_now`) is skipped as future:
// nullopt, and `broker` tells which counter. Otherwise the time counted
// (never after the broker timestamp).
std::optional<EventTime> counted_time(EventTime time, const SourceMessage& message,
                                      EventTime host_now, bool& broker) {
  broker = message.timestamp_ms > 0;
  const EventTime reference = broker ? message.timestamp_ms * 1000 : host_now;
  if (time > reference + kMaxFutureSkew) return std::nullopt;
  return broker ? std::min(time, reference) : time;
}

// Decodes one message into `out`; safe on any thread with its own decoder.
void decode_message(AuditDecoder& decoder, const SourceMessage& message, EventTime host_now,
                    DecodedMessage& out) {
  out.counters = decoder.decode(
      message, [&](rules::RoleEvent&& event) { out.events.push_back(std::move(event)); },
      [&](EventTime time) {
        bool broker = false;
        if (auto counted = counted_time(time, message, host_now, broker)) {
          out.newest_other = std::max(out.newest_other, *counted);
        } else {
          ++(broker ? out.future_broker_time : out.future_host_clock);
        }
      },
      &out.warning);
}

// What a group's state reads found, read before the group is processed:
// stored windows by key (nullopt: not stored), the audit ids looked up and
// those of them already in the dedup family, and activation history.
struct ReadAhead {
  std::unordered_map<std::string, std::optional<std::string>> windows;
  std::unordered_set<std::string> ids;
  std::unordered_set<std::string> stored_ids;
  state::ActivationHistory::Fetched history;
};

// Waits for the job on the reader thread when leaving a scope, also by an
// exception: the job writes to that scope's variables.
struct JobWait {
  JobThread* thread = nullptr;
  ~JobWait() {
    if (thread != nullptr) thread->wait();
  }
};

// What the timers of one batch may decide early.
struct Due {
  bool flush_updates = false;
  bool release_all_twins = false;
};

}  // namespace

EventTime system_wall_clock() {
  return state::wall_clock_now();
}

BatchCounters& BatchCounters::operator+=(const BatchCounters& other) {
  decode += other.decode;
  role_events += other.role_events;
  for (std::size_t i = 0; i < kRoleEventKinds; ++i) {
    role_events_by_kind[i] += other.role_events_by_kind[i];
  }
  duplicates += other.duplicates;
  late_retention += other.late_retention;
  late_rule_window += other.late_rule_window;
  future_broker_time += other.future_broker_time;
  future_host_clock += other.future_host_clock;
  alerts += other.alerts;
  muted_alerts += other.muted_alerts;
  alert_updates += other.alert_updates;
  alert_closes += other.alert_closes;
  twins_paired += other.twins_paired;
  twins_held += other.twins_held;
  twins_unpaired += other.twins_unpaired;
  activations += other.activations;
  return *this;
}

struct Pipeline::Impl {
  state::Store& store;
  std::vector<rules::RuleDefinition> rules;
  rules::ActivationRulesConfig activation_rules;
  DecodeWorker decoding;  // a second thread with PipelineOptions::decode_worker
  // With the decode worker, a third thread reads the next group's state
  // ahead while the rules run on this one (read_groups).
  std::unique_ptr<JobThread> reader;
  state::ActivationHistory history{store};
  state::EligibilitySnapshotCache snapshots{store};
  WallClock now;
  EventClock clock;
  // The watermark as stored: never written backwards, even while a backfill
  // runs the clock on its own older range (docs/backfill.md, "Event time").
  EventTime stored_watermark = 0;
  std::uint64_t outbox_sequence = 0;
  bool keep_outbox;         // PipelineOptions::outbox
  EventTime retention = 0;  // longest window + grace: how long dedup ids are kept
  EventTime twin_window;
  TwinHolder twins;
  // Windows with an alert still to close or an update owed, and when.
  std::map<std::string, rules::RevisionTimer> timers;

  // Per-batch scratch, cleared by process().
  std::map<std::string, TouchedWindow> windows;  // ordered: deterministic writes
  std::unordered_map<std::string, EventTime> new_audit_ids;
  ReadAhead ahead;  // the current group's (read_state)
  std::vector<DecodedMessage> decoded;
  std::map<std::string, std::int64_t> offsets;  // partition key -> next offset
  const std::string* partition = nullptr;       // key of the message being decoded
  std::vector<std::string> outbox_values;
  std::optional<state::Batch> batch;
  std::shared_ptr<const state::EligibilitySnapshot> snapshot;  // loaded on first activation
  BatchResult result;
  std::optional<Error> failure;  // the first error of the batch: nothing of it commits

  Impl(state::Store& s, std::vector<rules::RuleDefinition> r, PipelineOptions options)
      : store(s),
        rules(std::move(r)),
        activation_rules(std::move(options.activation_rules)),
        decoding(options.decode_worker),
        reader(options.decode_worker ? std::make_unique<JobThread>() : nullptr),
        now(options.now ? std::move(options.now) : system_wall_clock),
        keep_outbox(options.outbox),
        twin_window(options.twin_window),
        twins(s, options.twin_window) {
    for (const auto& rule : rules) {
      retention = std::max(retention, rule.window_micros() + rule.grace_micros());
    }
  }

  Status load_meta() {
    for (auto key : state::keys::kWatermarkKeys) {
      auto time = store.get(Family::meta, key);
      if (!time) return time.error();
      if (!time->has_value()) continue;
      stored_watermark = static_cast<EventTime>(state::decode_be64(**time));
      clock = EventClock(stored_watermark);
      break;
    }
    auto sequence = store.get(Family::meta, state::keys::kOutboxSequence);
    if (!sequence) return sequence.error();
    if (sequence->has_value()) outbox_sequence = state::decode_be64(**sequence);
    if (auto status = twins.load(); !status) return status;
    return load_timers();
  }

  const rules::RuleDefinition* rule_named(std::string_view id) const {
    for (const auto& rule : rules) {
      if (rule.id == id) return &rule;
    }
    return nullptr;
  }

  // The timers of the windows indexed as awaiting a revision. A window whose
  // rule is no longer configured awaits nothing.
  Status load_timers() {
    timers.clear();
    const auto prefix = std::string(state::keys::kOpenAlertPrefix);
    std::vector<std::string> keys;
    auto status = store.scan(Family::meta, prefix, prefix.substr(0, prefix.size() - 1) + '0',
                             [&](auto key, auto) {
                               keys.emplace_back(key.substr(prefix.size()));
                               return true;
                             });
    if (!status) return status;
    for (const auto& key : keys) {
      const auto* rule = rule_named(rule_id_of(key));
      auto stored = store.get(Family::windows, key);
      if (!stored) return stored.error();
      if (rule == nullptr || !stored->has_value()) continue;
      auto window = state::decode_group_window(**stored);
      if (!window) return make_error("corrupt window state for key " + key);
      if (auto timer = rules::revision_timer(*rule, *window)) timers.emplace(key, *timer);
    }
    return ok();
  }

  Expected<bool> seen_before(const std::string& audit_id) {
    if (new_audit_ids.contains(audit_id)) return true;
    if (ahead.ids.contains(audit_id)) return ahead.stored_ids.contains(audit_id);
    auto stored = store.get(Family::dedup, audit_id);
    if (!stored) return stored.error();
    return stored->has_value();
  }

  Expected<TouchedWindow*> window_for(const rules::RuleDefinition& rule, const std::string& key) {
    auto it = windows.find(key);
    if (it != windows.end()) return &it->second;
    TouchedWindow touched;
    touched.rule = &rule;
    auto stored = stored_window(key);
    if (!stored) return stored.error();
    if (stored->has_value()) {
      auto decoded = state::decode_group_window(**stored);
      // A value we cannot read would silently reset a burst; refuse instead.
      if (!decoded) return make_error("corrupt window state for key " + key);
      touched.window = std::move(*decoded);
      touched.stored_newest = touched.window.newest_time();
    }
    return &windows.emplace(key, std::move(touched)).first->second;
  }

  // The stored value of a window: read ahead for the batch, or now.
  Expected<std::optional<std::string>> stored_window(const std::string& key) {
    auto it = ahead.windows.find(key);
    if (it == ahead.windows.end()) return store.get(Family::windows, key);
    return std::move(it->second);  // read once: window_for keeps the decoded window
  }

  // Reads in MultiGets what a group's events will look up one by one: the
  // dedup entry of each audit id, the window of each group a rule may count
  // it in, and the activation history a PIM activation is labelled from.
  // Events later skipped (late, duplicate, a twin held) cost a key read for
  // nothing; that is cheaper than a Get each. Reads only the store, the
  // rules and `group`: safe on the reader thread while this one processes
  // the group before (the store changes only when the batch is written).
  Expected<ReadAhead> read_state(std::span<const DecodedMessage> group) const {
    std::vector<std::string> ids;
    std::vector<std::string> keys;
    std::vector<state::ActivationRecord> activations;
    for (const auto& message : group) {
      for (const auto& event : message.events) {
        const bool activation = rules::is_labelled_activation(event);
        if (!activation && !is_counted_kind(event.kind, rules)) continue;
        ids.push_back(event.audit_id);
        if (activation) activations.push_back(rules::activation_record(event));
        for (const auto& rule : rules) {
          if (rule.matches(event)) keys.push_back(window_key(rule, rules::group_key(rule, event)));
        }
      }
    }
    ReadAhead read;
    auto found = read_keys(Family::dedup, ids);
    if (!found) return found.error();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if ((*found)[i]) read.stored_ids.insert(ids[i]);
      read.ids.insert(std::move(ids[i]));
    }
    found = read_keys(Family::windows, keys);
    if (!found) return found.error();
    for (std::size_t i = 0; i < keys.size(); ++i) {
      read.windows.emplace(std::move(keys[i]), std::move((*found)[i]));
    }
    auto history_read = history.fetch(activations);
    if (!history_read) return history_read.error();
    read.history = std::move(*history_read);
    return read;
  }

  // Sorts and dedups `keys` in place, then reads them all.
  Expected<std::vector<std::optional<std::string>>> read_keys(
      Family family, std::vector<std::string>& keys) const {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    std::vector<std::string_view> views(keys.begin(), keys.end());
    return store.multi_get(family, views);
  }

  // A record's time against its reference: the broker timestamp (the hub's
  // enqueued time) when there is one, so a wrong host clock drops nothing;
  // the host clock in replay. A future record would drag its partition's
  // time along; it is skipped and moves nothing. Otherwise its time counts
  // toward the partition's, at most up to the broker timestamp.
  // Counts a future role record and returns false; else moves the partition.
  bool observe_time(EventTime time, const SourceMessage& message) {
    bool broker = false;
    auto counted = counted_time(time, message, now(), broker);
    if (counted) {
      clock.observe(*partition, *counted);
    } else {
      ++(broker ? result.counters.future_broker_time : result.counters.future_host_clock);
    }
    return counted.has_value();
  }

  void handle(rules::RoleEvent&& event, const SourceMessage& message) {
    if (failure) return;
    ++result.counters.role_events;
    ++result.counters.role_events_by_kind[static_cast<std::size_t>(event.kind)];
    if (!observe_time(event.time, message)) {
      spdlog::warn("skipping record {} at {}:{}:{}: event time {} is in the future", event.audit_id,
                   message.topic, message.partition, message.offset,
                   state::format_event_time(event.time));
      return;
    }
    auto twin = rules::twin_key(event);
    if (twin && event.service == rules::Service::pim) leave_mark(event, *twin);
    bool activation = rules::is_labelled_activation(event);
    if (!activation && !is_counted_kind(event.kind, rules)) return;
    if (event.time < clock.watermark() - retention) {
      ++result.counters.late_retention;
      return;
    }
    auto seen = seen_before(event.audit_id);
    if (!seen) {
      failure = seen.error();
      return;
    }
    if (*seen) {
      ++result.counters.duplicates;
      return;
    }
    new_audit_ids.emplace(event.audit_id, event.time);
    if (activation) {
      label(event, message);
      return;
    }
    if (twin && rules::claims_pim(event) && matches_any_rule(event)) {
      pair_or_hold(event, *twin, message.mute_alerts);
      return;
    }
    for (const auto& rule : rules) apply_rule(rule, event, message.mute_alerts);
  }

  bool matches_any_rule(const rules::RoleEvent& event) const {
    return std::any_of(rules.begin(), rules.end(),
                       [&](const auto& rule) { return rule.matches(event); });
  }

  // A PIM record marks its (operation, target, role) for twins to pair with.
  void leave_mark(const rules::RoleEvent& pim, const std::string& twin) {
    if (pim.time < clock.watermark() - retention) return;  // no candidate that old is read
    result.counters.twins_paired += twins.mark(pim, twin, *batch);
  }

  // A Core Directory record claiming MS-PIM: PIM's twin if a PIM record
  // pairs with it, else held until the watermark says none will.
  void pair_or_hold(const rules::RoleEvent& event, const std::string& twin, bool restored) {
    auto paired = twins.pair_or_hold(event, twin, restored, *batch);
    if (!paired) {
      failure = paired.error();
      return;
    }
    ++(*paired ? result.counters.twins_paired : result.counters.twins_held);
  }

  // Held candidates no PIM record paired within the twin window count as
  // what they are: removals by the app that calls itself MS-PIM.
  void release_twins(bool all) {
    const EventTime watermark = clock.watermark();
    if (watermark == kUnknownTime && !all) return;
    for (auto& held : twins.release_due(watermark, all, *batch)) {
      ++result.counters.twins_unpaired;
      spdlog::warn(
          "record {}: initiator claims MS-PIM but no PIM record for the same target and "
          "role within {} s; counted as the app's own removal",
          held.event.audit_id, twin_window / 1'000'000);
      for (const auto& rule : rules) apply_rule(rule, held.event, held.restored);
    }
  }

  // Labels a PIM activation from the eligibility snapshot and the history,
  // records it in the history (same batch) and evaluates the activation rules.
  void label(const rules::RoleEvent& event, const SourceMessage& message) {
    if (!snapshot) {
      auto current = snapshots.current();
      if (!current) {
        failure = current.error();
        return;
      }
      snapshot = *current;
    }
    auto labelled = rules::label_activation(event, *snapshot, history);
    if (!labelled) {
      failure = labelled.error();
      return;
    }
    if (auto status = history.record(*batch, rules::activation_record(event)); !status) {
      failure = status.error();
      return;
    }
    ++result.counters.activations;
    // The labelled activation is an event for the sinks that take them; like
    // alerts, it is not sent again while a lost state is rebuilt.
    auto document = rules::activation_document(*labelled);
    if (!message.mute_alerts && keep_outbox) outbox_values.push_back(document);
    result.documents.push_back(std::move(document));
    for (auto& alert : rules::evaluate_activation_rules(activation_rules, *labelled, now())) {
      emit(rules::to_text(alert), message.mute_alerts);
    }
  }

  // An alert document goes to the outbox unless it was sent before the state
  // was lost (it is being rebuilt, muted).
  bool emit(std::string text, bool muted) {
    if (muted) {
      ++result.counters.muted_alerts;
      return false;
    }
    ++result.counters.alerts;
    if (keep_outbox) outbox_values.push_back(text);
    result.documents.push_back(std::move(text));
    return true;
  }

  void apply_rule(const rules::RuleDefinition& rule, const rules::RoleEvent& event, bool restored) {
    if (!rule.matches(event)) return;
    // Each rule has its own lateness bound.
    const EventTime watermark = clock.watermark();
    if (event.time < watermark - rule.window_micros() - rule.grace_micros()) {
      ++result.counters.late_rule_window;
      return;
    }
    auto group = rules::group_key(rule, event);
    auto touched = window_for(rule, window_key(rule, group));
    if (!touched) {
      failure = touched.error();
      return;
    }
    auto alert =
        rules::add_removal(rule, group, (*touched)->window, event, watermark, now(), restored);
    if (alert) emit_revision(std::move(*alert));
  }

  // A burst's revision goes out unless the instance that read its removals
  // before the state was lost sent it: a first revision whose restored
  // removals cross the threshold alone (across partitions a restore reads in
  // another order than the first run, and a burst completed by a new record
  // was never alerted), a later one whose removals were all restored.
  void emit_revision(rules::Alert alert) {
    const bool first = alert.status == rules::AlertStatus::firing;
    if (!emit(rules::to_text(alert), alert.raised_before)) return;
    if (first) {
      result.alerts.push_back(std::move(alert));
      return;
    }
    --result.counters.alerts;  // counted apart from new alerts
    ++(alert.status == rules::AlertStatus::closed ? result.counters.alert_closes
                                                  : result.counters.alert_updates);
    result.revisions.push_back(std::move(alert));
  }

  // Closes bursts the watermark has left behind and sends owed updates whose
  // interval has passed, for every window awaiting one (and those touched
  // now: a burst rebuilt from old records may be due at once).
  void revise_due(bool flush) {
    const EventTime watermark = clock.watermark();
    const EventTime wall = now();
    std::vector<std::string> due;
    for (const auto& [key, timer] : timers) {
      if (timer.due(watermark, wall, flush)) due.push_back(key);
    }
    for (const auto& [key, touched] : windows) {
      if (!touched.window.alerts.empty() && !timers.contains(key)) due.push_back(key);
    }
    for (const auto& key : due) {
      const auto* rule = rule_named(rule_id_of(key));
      if (rule == nullptr) continue;
      auto touched = window_for(*rule, key);
      if (!touched) {
        failure = touched.error();
        return;
      }
      for (auto& alert : rules::due_revisions(*rule, (*touched)->window, watermark, wall, flush)) {
        emit_revision(std::move(alert));
      }
    }
  }

  void run_timers(Due due) {
    if (failure) return;
    release_twins(due.release_all_twins);
    if (failure) return;
    revise_due(due.flush_updates);
  }

  void write_windows(state::Batch& batch) {
    for (auto& [key, touched] : windows) {
      auto& window = touched.window;
      if (touched.stored_newest != 0) {
        batch.erase(Family::window_expiry, time_key(touched.stored_newest) + key);
      }
      write_timer(batch, key, touched);
      if (window.entries.empty()) {
        batch.erase(Family::windows, key);
        continue;
      }
      batch.put(Family::windows, key, state::encode_group_window(window));
      batch.put(Family::window_expiry, time_key(window.newest_time()) + key, "");
    }
  }

  // Indexes the window as awaiting a revision, or no longer.
  void write_timer(state::Batch& batch, const std::string& key, const TouchedWindow& touched) {
    auto timer = touched.window.entries.empty()
                     ? std::nullopt
                     : rules::revision_timer(*touched.rule, touched.window);
    if (timer) {
      if (!timers.contains(key)) batch.put(Family::meta, state::keys::open_alert(key), "");
      timers.insert_or_assign(key, *timer);
    } else if (timers.erase(key) > 0) {
      batch.erase(Family::meta, state::keys::open_alert(key));
    }
  }

  // Removes whole windows whose newest entry fell behind every horizon, and
  // dedup ids older than the longest retention. Both indexes are ordered by
  // time, so this touches only what just expired.
  Status expire(state::Batch& batch) {
    const EventTime watermark = clock.watermark();
    if (watermark == kUnknownTime) return ok();
    if (auto status = twins.expire(watermark - retention - twin_window, batch); !status) {
      return status;
    }
    auto horizon = time_key(watermark - retention);
    auto status = store.scan(Family::window_expiry, "", horizon, [&](auto key, auto) {
      auto window_key = std::string(key.substr(8));
      if (!windows.contains(window_key)) {
        batch.erase(Family::windows, window_key);
        batch.erase(Family::window_expiry, key);
      }
      return true;
    });
    if (!status) return status;
    return store.scan(Family::dedup_expiry, "", horizon, [&](auto key, auto) {
      batch.erase(Family::dedup, key.substr(8));
      batch.erase(Family::dedup_expiry, key);
      return true;
    });
  }

  Status commit() {
    auto& batch = *this->batch;
    write_windows(batch);
    for (const auto& [audit_id, time] : new_audit_ids) {
      batch.put(Family::dedup, audit_id, time_key(time));
      batch.put(Family::dedup_expiry, time_key(time) + audit_id, "");
    }
    // Each partition's time goes with its offset: a restart resumes both.
    for (const auto& [key, next] : offsets) {
      batch.put(Family::offsets, key,
                state::encode_partition_position({next, clock.partition_time(key)}));
    }
    for (const auto& value : outbox_values) {
      batch.put(Family::outbox, state::keys::outbox_key(++outbox_sequence), value);
    }
    batch.put(Family::meta, state::keys::kOutboxSequence, state::encode_be64(outbox_sequence));
    const EventTime watermark = std::max(stored_watermark, clock.watermark());
    batch.put(Family::meta, state::keys::kWatermark, time_key(watermark));
    if (auto status = expire(batch); !status) return status;
    auto started = std::chrono::steady_clock::now();
    auto status = store.write(batch);
    result.write_time = std::chrono::steady_clock::now() - started;
    if (status) stored_watermark = watermark;
    return status;
  }

  void reset_batch() {
    windows.clear();
    new_audit_ids.clear();
    ahead = ReadAhead{};
    decoded.clear();
    offsets.clear();
    outbox_values.clear();
    batch.emplace(store.make_batch());
    snapshot.reset();
    history.clear_pending();
    result = BatchResult{};
    failure.reset();
  }

  // Processes a decoded message in the order decoding found it: its
  // warning and counts, its role events, then the newest time of its other
  // records.
  void read(const SourceMessage& message, DecodedMessage& decoded_message) {
    if (!decoded_message.warning.empty()) spdlog::warn("{}", decoded_message.warning);
    result.counters.decode += decoded_message.counters;
    result.counters.future_broker_time += decoded_message.future_broker_time;
    result.counters.future_host_clock += decoded_message.future_host_clock;
    auto offset =
        offsets.try_emplace(state::Store::offset_key(message.topic, message.partition), 0).first;
    partition = &offset->first;
    for (auto& event : decoded_message.events) handle(std::move(event), message);
    if (decoded_message.newest_other != kUnknownTime) {
      clock.observe(*partition, decoded_message.newest_other);
    }
    result.bytes += message.payload.size();
    result.newest_broker_ms = std::max(result.newest_broker_ms, message.timestamp_ms);
    offset->second = std::max(offset->second, message.offset + 1);
    partition = nullptr;
  }

  // The end of the group starting at `first`: messages up to `events` role
  // events or kGroupBytes (or the end), each waited for until decoded, by
  // decoding it here if no thread has yet (`help`) or by waiting only (the
  // reader thread, which has no decoder).
  std::size_t group_end(std::span<const SourceMessage> messages, std::size_t first,
                        std::size_t events, bool help) {
    std::size_t count = 0;
    std::size_t bytes = 0;
    std::size_t end = first;
    while (end < messages.size() && count < events && bytes < kGroupBytes) {
      if (help) {
        decoding.await(end);
      } else {
        decoding.wait_for(end);
      }
      bytes += messages[end].payload.size();
      count += decoded[end++].events.size();
    }
    return end;
  }

  // Processes messages [first, end) with the state read ahead for them.
  void process_group(std::span<const SourceMessage> messages, std::size_t first, std::size_t end,
                     Expected<ReadAhead> read) {
    if (read) {
      history.adopt(std::move(read->history));
      ahead = std::move(*read);
    } else {
      ahead = ReadAhead{};
      if (!failure) failure = read.error();
    }
    for (std::size_t i = first; i < end; ++i) {
      this->read(messages[i], decoded[i]);
      decoded[i] = DecodedMessage{};  // its events are handled: memory back now
    }
  }

  // Processes the batch group by group, each group's state read in
  // MultiGets before it (read_state): the first group's here, every later
  // one's on the reader thread while this thread processes the group before.
  // The reader waits for the decode worker to decode its group; this thread,
  // once done with its group, decodes what is still left of the next.
  void read_groups(std::span<const SourceMessage> messages) {
    const bool overlap = reader && decoding.second_thread();
    std::size_t first = 0;
    std::size_t end = group_end(messages, 0, kFirstGroupEvents, true);
    auto current = read_state(std::span(decoded).subspan(0, end));
    while (first < messages.size()) {
      Expected<ReadAhead> next = ReadAhead{};
      JobWait wait;
      if (overlap && end < messages.size()) {
        reader->start([this, messages, end, &next] {
          const std::size_t next_end = group_end(messages, end, kPrefetchEvents, false);
          next = read_state(std::span(decoded).subspan(end, next_end - end));
        });
        wait.thread = reader.get();
      }
      process_group(messages, first, end, std::move(current));
      const std::size_t next_end = group_end(messages, end, kPrefetchEvents, true);
      if (wait.thread != nullptr) {
        reader->wait();
        wait.thread = nullptr;
      } else if (next_end > end) {
        next = read_state(std::span(decoded).subspan(end, next_end - end));
      }
      current = std::move(next);
      first = end;
      end = next_end;
    }
  }

  // Decodes the batch's messages into `decoded`, ahead of read_groups, on
  // this thread and the decode worker. Other records' times move the
  // partition once per message (they are >95% of traffic: no clock update
  // per record).
  [[nodiscard]] DecodeWorker::Round decode_ahead(std::span<const SourceMessage> messages) {
    decoded.resize(messages.size());  // no reallocation while the worker writes
    const EventTime host_now = now();
    return decoding.begin(messages.size(),
                          [this, messages, host_now](AuditDecoder& own, std::size_t i) {
                            decode_message(own, messages[i], host_now, decoded[i]);
                          });
  }

  // Without input, a batch that decided nothing writes nothing.
  bool idle(std::span<const SourceMessage> messages) const {
    return messages.empty() && !failure && batch->size() == 0 && outbox_values.empty() &&
           windows.empty();
  }

  Expected<BatchResult> run(std::span<const SourceMessage> messages, Due due) {
    auto started = std::chrono::steady_clock::now();
    reset_batch();
    auto saved_clock = clock;
    auto saved_sequence = outbox_sequence;
    {
      const auto round = decode_ahead(messages);
      read_groups(messages);
    }
    run_timers(due);
    if (idle(messages)) {
      result.watermark = clock.watermark();
      return std::move(result);
    }
    Status status = failure ? Status(*failure) : commit();
    history.clear_pending();
    if (!status) {
      // Nothing of the batch was written: forget its in-memory effects too.
      clock = std::move(saved_clock);
      outbox_sequence = saved_sequence;
      forget_unwritten();
      return status.error();
    }
    twins.committed();
    result.watermark = clock.watermark();
    result.process_time = std::chrono::steady_clock::now() - started;
    return std::move(result);
  }

  // Held twins and timers changed with the batch; reread them as stored.
  void forget_unwritten() {
    auto status = twins.load();
    if (status) status = load_timers();
    if (!status) spdlog::error("cannot reread pending decisions: {}", status.error().message);
  }
};

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pipeline::~Pipeline() = default;

Expected<std::unique_ptr<Pipeline>> Pipeline::make(state::Store& store,
                                                   std::vector<rules::RuleDefinition> rules,
                                                   PipelineOptions options) {
  auto impl = std::make_unique<Impl>(store, std::move(rules), std::move(options));
  if (auto status = impl->load_meta(); !status) return status.error();
  return std::unique_ptr<Pipeline>(new Pipeline(std::move(impl)));
}

const std::vector<rules::RuleDefinition>& Pipeline::rules() const {
  return impl_->rules;
}

EventClock& Pipeline::clock() {
  return impl_->clock;
}

Expected<BatchResult> Pipeline::process(std::span<const SourceMessage> messages) {
  return impl_->run(messages, {});
}

Expected<BatchResult> Pipeline::tick() {
  return impl_->run({}, {});
}

Expected<BatchResult> Pipeline::flush(FlushScope scope) {
  return impl_->run({}, {true, scope == FlushScope::end_of_input});
}

}  // namespace rolewatch::stream
