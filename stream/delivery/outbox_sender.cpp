#include "stream/delivery/outbox_sender.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "state/base/time.hpp"
#include "state/outbox_store.hpp"
#include "stream/ops/background_errors.hpp"

namespace rolewatch::stream {
namespace {

using state::DeliveryRecord;
using state::DeliveryState;
using state::OutboxStore;
using state::StoredAlert;

using Steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::int64_t unix_millis(SystemTime time) {
  return std::chrono::duration_cast<milliseconds>(time.time_since_epoch()).count();
}

SystemTime from_unix_millis(std::int64_t millis) {
  return SystemTime(milliseconds(millis));
}

// A system-clock instant on the steady clock, for waiting.
Steady::time_point to_steady(SystemTime when, Steady::time_point now, SystemTime system_now) {
  return now + std::chrono::duration_cast<Steady::duration>(when - system_now);
}

// The dispatcher's wait after an unexpected error, growing to a minute.
const state::BackoffPolicy kErrorBackoff{milliseconds(1'000), milliseconds(60'000)};

bool power_of_two(int n) {
  return n > 0 && (n & (n - 1)) == 0;
}

std::vector<std::string> names_of(const std::vector<std::unique_ptr<Sink>>& sinks) {
  std::vector<std::string> names;
  for (const auto& sink : sinks) names.push_back(sink->name());
  return names;
}

// One alert on one sink, in memory.
struct Progress {
  DeliveryRecord record;
  Steady::time_point due;  // next attempt (pending) or next re-post (resending)
  bool in_flight = false;
  std::optional<SystemTime> resolve_at;
};

struct Entry {
  StoredAlert stored;
  Revision revision;   // of the burst the id names; 1 for everything else
  SystemTime revised;  // when this revision was decided (updatedAt, else detectedAt)
  std::vector<Progress> sinks;
  bool finishing = false;
};

// This revision's own time: max_age and the delivery delay count from it.
SystemTime revision_time(const StoredAlert& stored) {
  if (!stored.doc.is_object()) return stored.detected;
  auto updated = stored.doc.find("updatedAt");
  if (updated == stored.doc.end() || !updated->is_string()) return stored.detected;
  auto micros = state::parse_event_time(updated->get<std::string>());
  if (!micros) return stored.detected;
  return SystemTime(
      std::chrono::duration_cast<SystemTime::duration>(std::chrono::microseconds(*micros)));
}

// One sink's runtime: its workers and what they are given to do.
struct Slot {
  std::unique_ptr<Sink> sink;
  std::optional<ResendPolicy> resend;
  std::size_t busy = 0;               // queued + running deliveries
  Steady::time_point paused_until{};  // the receiver's Retry-After
  Steady::time_point next_allowed{};  // min_interval between requests
  std::deque<std::uint64_t> queue;
  std::vector<std::thread> workers;
  std::atomic<std::uint64_t> skipped{0};  // revisions done without a request
};

// What an attempt produced, computed outside the lock.
struct Attempt {
  DeliveryOutcome outcome;
  DeliveryRecord record;
  double seconds = 0;
  int failures_before = 0;
};

bool resolved(const Progress& p, SystemTime now) {
  return p.record.state == DeliveryState::resending && p.resolve_at && now >= *p.resolve_at;
}

bool done(const Progress& p, SystemTime now) {
  return p.record.state == DeliveryState::delivered || p.record.state == DeliveryState::failed ||
         resolved(p, now);
}

bool wants_attempt(const Progress& p, SystemTime now) {
  return !p.in_flight && (p.record.state == DeliveryState::pending ||
                          (p.record.state == DeliveryState::resending && !resolved(p, now)));
}

}  // namespace

struct OutboxSender::Impl {
  OutboxStore outbox;
  std::vector<std::unique_ptr<Slot>> slots;
  SenderOptions options;
  state::Backoff backoff;  // guarded by mutex

  mutable std::mutex mutex;
  std::condition_variable dispatcher_cv;
  std::condition_variable worker_cv;
  std::condition_variable exit_cv;
  std::condition_variable settled_cv;      // a round published pending_alerts
  std::map<std::uint64_t, Entry> entries;  // by outbox sequence
  // Loaded entries by alert id, in sequence order: the revisions of one burst.
  std::unordered_map<std::string, std::vector<std::uint64_t>> by_id;
  std::uint64_t next_sequence = 0;  // first sequence not loaded yet
  std::size_t not_loaded = 0;
  std::size_t dead_letters = 0;
  std::size_t running_workers = 0;
  bool rescan = true;
  // Rescans asked for (notify, wait_delivered) and the newest one a round has
  // loaded and published: pending() is only current once they meet.
  std::uint64_t scans_asked = 0;
  std::uint64_t scan_loading = 0;
  std::uint64_t scans_published = 0;
  bool woken = false;  // a worker finished: dispatch again
  bool stopping = false;
  bool started = false;
  std::atomic<bool> cancel{false};
  std::atomic<std::size_t> pending_alerts{0};
  std::thread dispatcher;

  Impl(state::Store& store, std::vector<std::unique_ptr<Sink>> sinks, SenderOptions opts)
      : outbox(store, names_of(sinks)), options(std::move(opts)), backoff(options.backoff) {
    for (auto& sink : sinks) {
      auto slot = std::make_unique<Slot>();
      slot->resend = sink->resend_policy();
      slot->sink = std::move(sink);
      if (options.probe != nullptr) options.probe->add_sink(slot->sink->name());
      slots.push_back(std::move(slot));
    }
  }

  // ---- loading ----

  Progress progress_from(const DeliveryRecord& record, Steady::time_point now,
                         SystemTime system_now) {
    Progress p;
    p.record = record;
    p.due = now;  // after a restart, pending deliveries are tried at once
    if (record.state == DeliveryState::resending) {
      p.resolve_at = from_unix_millis(record.resolve_at_ms);
      p.due = to_steady(from_unix_millis(record.next_resend_ms), now, system_now);
    }
    return p;
  }

  Status load_new() {
    std::uint64_t from = 0;
    std::size_t room = 0;
    {
      std::lock_guard lock(mutex);
      from = next_sequence;
      room = options.max_loaded_alerts - std::min(options.max_loaded_alerts, entries.size());
      rescan = false;
      scan_loading = scans_asked;
    }
    auto loaded = outbox.load(from, room);
    if (!loaded) return loaded.error();
    for (auto& alert : loaded->alerts) skip_unwanted_updates(alert);
    auto now = Steady::now();
    auto system_now = std::chrono::system_clock::now();
    std::lock_guard lock(mutex);
    for (auto& alert : loaded->alerts) {
      Entry entry;
      entry.revision = revision_of(alert.doc);
      entry.revised = revision_time(alert);
      bool activation = is_activation_document(alert.doc);
      for (std::size_t i = 0; i < alert.records.size(); ++i) {
        entry.sinks.push_back(progress_from(alert.records[i], now, system_now));
        // Not for this sink: done with it without a request.
        if (activation && !slots[i]->sink->takes_activations()) {
          entry.sinks.back().record.state = DeliveryState::delivered;
        }
      }
      entry.stored = std::move(alert);
      if (!entry.stored.id.empty()) by_id[entry.stored.id].push_back(entry.stored.sequence);
      entries.emplace(entry.stored.sequence, std::move(entry));
    }
    next_sequence = std::max(next_sequence, loaded->next_sequence);
    not_loaded = loaded->not_loaded;
    return ok();
  }

  // Revisions after the first, for sinks configured with `updates: false`:
  // done without a request. Recorded, so each is counted once.
  void skip_unwanted_updates(StoredAlert& alert) {
    if (!revision_of(alert.doc).is_update()) return;
    for (std::size_t i = 0; i < alert.records.size(); ++i) {
      auto& record = alert.records[i];
      if (slots[i]->sink->takes_updates() || record.state != DeliveryState::pending) continue;
      record.state = DeliveryState::delivered;
      save_record(alert.sequence, alert.id, i, record);
      count_skipped(i, alert.id, "the sink takes no updates");
    }
  }

  void save_record(std::uint64_t sequence, const std::string& id, std::size_t index,
                   const DeliveryRecord& record) {
    if (auto status = outbox.save(sequence, index, record); !status) {
      spdlog::error("cannot record delivery of alert {} to sink {}: {}", id,
                    slots[index]->sink->name(), status.error().message);
    }
  }

  void count_skipped(std::size_t index, const std::string& id, std::string_view why) {
    ++slots[index]->skipped;
    if (options.probe != nullptr) options.probe->revision_skipped(slots[index]->sink->name());
    spdlog::debug("sink {}: a revision of alert {} needs no request: {}",
                  slots[index]->sink->name(), id, why);
  }

  // ---- revisions of one burst (under the lock) ----

  // True while an older revision of the same alert still waits for (or is
  // on its way to) sink `index`: a sink gets a burst's revisions in order.
  bool waits_for_older(const Entry& entry, std::size_t index) const {
    auto it = by_id.find(entry.stored.id);
    if (it == by_id.end() || it->second.size() < 2) return false;
    for (auto sequence : it->second) {
      const auto& other = entries.at(sequence);
      if (other.revision.number >= entry.revision.number) continue;
      const auto& p = other.sinks[index];
      if (p.in_flight || p.record.state == DeliveryState::pending) return true;
    }
    return false;
  }

  // The newest revision of `id` that sink `index` takes and has not refused.
  std::uint32_t newest_revision(const std::vector<std::uint64_t>& sequences,
                                std::size_t index) const {
    std::uint32_t newest = 0;
    for (auto sequence : sequences) {
      const auto& entry = entries.at(sequence);
      if (entry.sinks[index].record.state == DeliveryState::failed) continue;
      newest = std::max(newest, entry.revision.number);
    }
    return newest;
  }

  // Sinks that hold one alert per id (Alertmanager): an older revision still
  // waiting or re-posting is done once a newer one is loaded, so a stale
  // revision never overwrites or re-opens a newer one. Recorded, so that it
  // stays done after the newer one left the outbox, and across restarts.
  void supersede(std::unique_lock<std::mutex>& lock) {
    struct Save {
      std::uint64_t sequence;
      std::string id;
      std::size_t index;
      DeliveryRecord record;
    };
    std::vector<Save> saves;
    for (const auto& [id, sequences] : by_id) {
      if (sequences.size() < 2) continue;
      for (std::size_t i = 0; i < slots.size(); ++i) {
        if (!slots[i]->sink->supersedes_revisions() || !slots[i]->sink->takes_updates()) continue;
        auto newest = newest_revision(sequences, i);
        for (auto sequence : sequences) {
          auto& entry = entries.at(sequence);
          auto& p = entry.sinks[i];
          bool waiting = p.record.state == DeliveryState::pending ||
                         p.record.state == DeliveryState::resending;
          if (entry.revision.number >= newest || p.in_flight || !waiting) continue;
          if (p.record.delivered_at_ms == 0) count_skipped(i, id, "a newer revision supersedes it");
          p.record.state = DeliveryState::delivered;
          saves.push_back({sequence, id, i, p.record});
        }
      }
    }
    if (saves.empty()) return;
    lock.unlock();  // the marked entries are done: no worker touches them
    for (const auto& save : saves) save_record(save.sequence, save.id, save.index, save.record);
    lock.lock();
  }

  // ---- one attempt ----

  DeliveryRecord record_after(const Progress& before, const DeliveryOutcome& outcome,
                              const Slot& slot, SystemTime now) {
    auto record = before.record;
    record.last_status = outcome.http_status;
    if (outcome.kind == DeliveryOutcome::Kind::skipped) {
      record.state = DeliveryState::delivered;
      record.attempts = 0;
      record.last_error.clear();
      return record;
    }
    if (outcome.kind == DeliveryOutcome::Kind::retry) {
      ++record.attempts;
      record.last_error = outcome.detail;
      return record;
    }
    if (outcome.kind == DeliveryOutcome::Kind::permanent) {
      record.state = DeliveryState::failed;
      record.last_error = outcome.detail;
      return record;
    }
    record.attempts = 0;
    record.last_error.clear();
    if (record.delivered_at_ms == 0) record.delivered_at_ms = unix_millis(now);
    record.state = DeliveryState::delivered;
    if (slot.resend && before.resolve_at) {
      auto next = now + slot.resend->interval;
      if (next < *before.resolve_at) {
        record.state = DeliveryState::resending;
        record.resolve_at_ms = unix_millis(*before.resolve_at);
        record.next_resend_ms = unix_millis(next);
      }
    }
    return record;
  }

  // Sinks must not throw; one that does (a bug, a library's surprise) is
  // caught here: logged, counted, and the alert retried with backoff like
  // any transient failure.
  static DeliveryOutcome guarded_deliver(Sink& sink, const DeliveryRequest& request) {
    DeliveryOutcome outcome;
    if (run_guarded(BackgroundThread::sender, [&] { outcome = sink.deliver(request); })) {
      return outcome;
    }
    return DeliveryOutcome::again("the sink failed unexpectedly (see the log)");
  }

  // Runs without the lock: the entry is not erased while a delivery is in flight.
  Attempt attempt(const Entry& entry, std::size_t index, const Progress& before) {
    auto& slot = *slots[index];
    const auto& stored = entry.stored;
    DeliveryRequest request{stored.doc,        stored.body, stored.id, before.record.attempts + 1,
                            before.resolve_at, &cancel};
    Attempt result;
    result.failures_before = before.record.attempts;
    auto started = Steady::now();
    result.outcome = stored.doc.is_object() && !stored.id.empty()
                         ? guarded_deliver(*slot.sink, request)
                         : DeliveryOutcome::reject("outbox entry is not a readable alert");
    result.seconds = std::chrono::duration<double>(Steady::now() - started).count();
    if (options.after_send) options.after_send(stored.sequence, slot.sink->name(), result.outcome);
    result.record = record_after(before, result.outcome, slot, std::chrono::system_clock::now());
    save_record(stored.sequence, stored.id, index, result.record);
    return result;
  }

  // Under the lock: starts the attempt's bookkeeping, releases the lock for
  // the request itself, then applies the outcome.
  DeliveryOutcome::Kind run_attempt(std::unique_lock<std::mutex>& lock, std::uint64_t sequence,
                                    std::size_t index) {
    auto& entry = entries.at(sequence);
    auto& progress = entry.sinks[index];
    if (slots[index]->resend && !progress.resolve_at) {
      progress.resolve_at =
          resolve_time(entry, *slots[index]->resend, std::chrono::system_clock::now());
    }
    auto before = progress;
    lock.unlock();
    auto result = attempt(entry, index, before);
    lock.lock();
    apply(entry, index, result);
    return result.outcome.kind;
  }

  // When a re-posting receiver should resolve this revision: a closed burst
  // now (it is posted once, already resolved); otherwise active_for after the
  // revision was decided, and never before the next re-post.
  static SystemTime resolve_time(const Entry& entry, const ResendPolicy& policy, SystemTime now) {
    if (entry.revision.status == RevisionStatus::closed) return now;
    return std::max(entry.revised + policy.active_for,
                    now + std::chrono::duration_cast<SystemTime::duration>(policy.interval));
  }

  void apply(Entry& entry, std::size_t index, const Attempt& result) {
    auto& slot = *slots[index];
    auto& progress = entry.sinks[index];
    const auto& name = slot.sink->name();
    bool first_delivery = progress.record.delivered_at_ms == 0;
    progress.record = result.record;
    progress.in_flight = false;
    auto now = Steady::now();
    switch (result.outcome.kind) {
      case DeliveryOutcome::Kind::delivered:
        on_delivered(entry, index, result, first_delivery, now);
        break;
      case DeliveryOutcome::Kind::skipped:
        count_skipped(index, entry.stored.id, result.outcome.detail);
        break;
      case DeliveryOutcome::Kind::retry: {
        auto delay = backoff.delay(result.record.attempts, result.outcome.retry_after);
        progress.due = now + delay;
        if (result.outcome.retry_after) slot.paused_until = progress.due;
        if (options.probe != nullptr) {
          options.probe->failed(name,
                                result.outcome.retry_after || result.outcome.http_status == 429
                                    ? DeliveryFailure::throttled
                                    : DeliveryFailure::transient);
        }
        if (power_of_two(result.record.attempts)) {
          spdlog::warn("sink {} ({}): alert {} not delivered (attempt {}): {}; retrying in {} ms",
                       name, slot.sink->describe(), entry.stored.id, result.record.attempts,
                       result.outcome.detail, delay.count());
        }
        break;
      }
      case DeliveryOutcome::Kind::permanent:
        if (options.probe != nullptr) options.probe->failed(name, DeliveryFailure::permanent);
        spdlog::error(
            "sink {} ({}) rejected alert {} for good: {}; it will be kept in the dead "
            "letters",
            name, slot.sink->describe(), entry.stored.id, result.outcome.detail);
        break;
    }
  }

  void on_delivered(Entry& entry, std::size_t index, const Attempt& result, bool first_delivery,
                    Steady::time_point now) {
    auto& slot = *slots[index];
    auto& progress = entry.sinks[index];
    if (progress.record.state == DeliveryState::resending) {
      progress.due = to_steady(from_unix_millis(progress.record.next_resend_ms), now,
                               std::chrono::system_clock::now());
    }
    if (!first_delivery) return;  // a re-post; counted once
    if (options.probe != nullptr) {
      auto since =
          std::chrono::duration<double>(std::chrono::system_clock::now() - entry.revised).count();
      options.probe->delivered(slot.sink->name(), result.seconds, since);
    }
    if (result.failures_before == 0) return;
    spdlog::info("sink {} ({}) took alert {} after {} failed attempts", slot.sink->name(),
                 slot.sink->describe(), entry.stored.id, result.failures_before);
    // The receiver is back: let everything else waiting for it go now
    // instead of at the end of each alert's own backoff.
    for (auto& [sequence, other] : entries) {
      auto& p = other.sinks[index];
      if (p.record.state == DeliveryState::pending && !p.in_flight) p.due = std::min(p.due, now);
    }
  }

  // ---- dispatching, expiry, completion (under the lock) ----

  bool slot_ready(const Slot& slot, Steady::time_point now) const {
    return slot.busy < slot.sink->concurrency() && now >= slot.paused_until &&
           now >= slot.next_allowed;
  }

  // Hands every due delivery to its sink's workers, within each sink's limits.
  void dispatch(Steady::time_point now, SystemTime system_now) {
    for (auto& [sequence, entry] : entries) {
      if (entry.finishing) continue;
      for (std::size_t i = 0; i < slots.size(); ++i) {
        auto& slot = *slots[i];
        auto& progress = entry.sinks[i];
        if (!wants_attempt(progress, system_now) || progress.due > now) continue;
        if (!slot_ready(slot, now) || waits_for_older(entry, i)) continue;
        progress.in_flight = true;
        ++slot.busy;
        slot.next_allowed = now + slot.sink->min_interval();
        slot.queue.push_back(sequence);
      }
    }
    worker_cv.notify_all();
  }

  // Alerts still undelivered at max_age give up on the sinks that lack them,
  // once each of those sinks had at least one try (after a long shutdown,
  // old alerts are still worth one attempt).
  void expire(SystemTime system_now) {
    for (auto& [sequence, entry] : entries) {
      if (system_now - entry.revised <= options.max_age) continue;
      for (std::size_t i = 0; i < slots.size(); ++i) {
        auto& progress = entry.sinks[i];
        if (progress.in_flight || progress.record.state != DeliveryState::pending ||
            progress.record.attempts == 0) {
          continue;
        }
        progress.record.state = DeliveryState::failed;
        progress.record.last_error = "not delivered within max_age";
        if (options.probe != nullptr) {
          options.probe->failed(slots[i]->sink->name(), DeliveryFailure::expired);
        }
        spdlog::error(
            "alert {} was not delivered to sink {} within {} s; moving it to the dead "
            "letters",
            entry.stored.id, slots[i]->sink->name(), options.max_age.count());
      }
    }
  }

  bool complete(const Entry& entry, SystemTime now) const {
    return !entry.finishing && std::all_of(entry.sinks.begin(), entry.sinks.end(),
                                           [&](auto& p) { return !p.in_flight && done(p, now); });
  }

  // Removes finished alerts from the outbox (dead ones into the dead letters).
  void finish_complete(std::unique_lock<std::mutex>& lock, SystemTime now) {
    std::vector<Entry*> finished;
    for (auto& [sequence, entry] : entries) {
      if (!complete(entry, now)) continue;
      entry.finishing = true;
      finished.push_back(&entry);
    }
    if (finished.empty()) return;
    lock.unlock();
    std::vector<std::pair<Entry*, bool>> removed;  // entry, dead
    for (auto* entry : finished) {
      bool dead = std::any_of(entry->sinks.begin(), entry->sinks.end(),
                              [](auto& p) { return p.record.state == DeliveryState::failed; });
      if (auto status = outbox.finish(entry->stored.sequence, dead, entry->stored.body)) {
        removed.emplace_back(entry, dead);
      } else {
        spdlog::error("cannot remove alert {} from the outbox: {}", entry->stored.id,
                      status.error().message);
      }
    }
    lock.lock();
    for (auto* entry : finished) entry->finishing = false;  // the failed ones try again later
    for (auto [entry, dead] : removed) {
      if (dead) count_dead_letter();
      forget_id(entry->stored);
      entries.erase(entry->stored.sequence);
      if (not_loaded > 0) rescan = true;
    }
  }

  void forget_id(const StoredAlert& stored) {
    auto it = by_id.find(stored.id);
    if (it == by_id.end()) return;
    std::erase(it->second, stored.sequence);
    if (it->second.empty()) by_id.erase(it);
  }

  void count_dead_letter() {
    ++dead_letters;
    if (options.probe != nullptr) {
      options.probe->dead_lettered(1);
      options.probe->set_dead_letters(dead_letters);
    }
  }

  void publish_pending(SystemTime now) {
    std::size_t alerts = 0;
    std::vector<std::size_t> per_sink(slots.size(), not_loaded);
    for (const auto& [sequence, entry] : entries) {
      bool waiting = false;
      for (std::size_t i = 0; i < slots.size(); ++i) {
        if (entry.sinks[i].record.state != DeliveryState::pending) continue;
        ++per_sink[i];
        waiting = true;
      }
      if (waiting) ++alerts;
    }
    pending_alerts = alerts + not_loaded;
    if (options.probe == nullptr) return;
    options.probe->set_outbox_pending(pending_alerts);
    for (std::size_t i = 0; i < slots.size(); ++i) {
      options.probe->set_sink_pending(slots[i]->sink->name(), per_sink[i]);
    }
  }

  // When the dispatcher next has something to do.
  Steady::time_point next_wake(Steady::time_point now, SystemTime system_now) const {
    auto wake = now + options.rescan_interval;
    for (const auto& [sequence, entry] : entries) {
      for (std::size_t i = 0; i < slots.size(); ++i) {
        const auto& slot = *slots[i];
        const auto& p = entry.sinks[i];
        if (p.record.state == DeliveryState::resending && p.resolve_at) {
          wake = std::min(wake, to_steady(*p.resolve_at, now, system_now));
        }
        if (!wants_attempt(p, system_now) || slot.busy >= slot.sink->concurrency() ||
            waits_for_older(entry, i)) {
          continue;  // a worker finishing, or the older revision's own due, wakes us
        }
        wake = std::min(wake, std::max({p.due, slot.paused_until, slot.next_allowed}));
        if (p.record.state == DeliveryState::pending && p.record.attempts > 0) {
          wake = std::min(wake, to_steady(entry.revised + options.max_age, now, system_now));
        }
      }
    }
    return std::max(wake, now + milliseconds(1));
  }

  // drain_once(): every delivery due now that this drain did not try yet.
  std::vector<std::pair<std::uint64_t, std::size_t>> due_now(
      const std::set<std::pair<std::uint64_t, std::size_t>>& tried) const {
    auto now = Steady::now();
    auto system_now = std::chrono::system_clock::now();
    std::vector<std::pair<std::uint64_t, std::size_t>> due;
    for (const auto& [sequence, entry] : entries) {
      for (std::size_t i = 0; i < slots.size(); ++i) {
        const auto& p = entry.sinks[i];
        if (!wants_attempt(p, system_now) || p.due > now || now < slots[i]->paused_until ||
            waits_for_older(entry, i) || tried.count({sequence, i}) > 0) {
          continue;
        }
        due.emplace_back(sequence, i);
      }
    }
    return due;
  }

  std::uint64_t skipped_total() const {
    std::uint64_t total = 0;
    for (const auto& slot : slots) total += slot->skipped;
    return total;
  }

  // ---- threads ----

  // One round: load, expire, finish, dispatch, then wait. Entered and left
  // with the lock held.
  void dispatch_round(std::unique_lock<std::mutex>& lock, Steady::time_point& next_rescan) {
    if (rescan || Steady::now() >= next_rescan) {
      lock.unlock();
      if (auto status = load_new(); !status) {
        spdlog::error("cannot read the alert outbox: {}", status.error().message);
      }
      lock.lock();
      next_rescan = Steady::now() + options.rescan_interval;
    }
    auto now = Steady::now();
    auto system_now = std::chrono::system_clock::now();
    expire(system_now);
    supersede(lock);
    finish_complete(lock, system_now);
    if (stopping) return;
    dispatch(now, system_now);
    publish_pending(system_now);
    scans_published = scan_loading;
    settled_cv.notify_all();
    dispatcher_cv.wait_until(lock, std::min(next_wake(now, system_now), next_rescan),
                             [&] { return stopping || rescan || woken; });
    woken = false;
  }

  // An exception in a round (reading the outbox, a store error no check
  // foresaw) is logged and counted, and the next round comes after a backoff.
  void dispatcher_loop() {
    std::unique_lock lock(mutex);
    auto next_rescan = Steady::now();
    state::Backoff error_backoff(kErrorBackoff);
    int errors = 0;
    while (!stopping) {
      bool ok = run_guarded(BackgroundThread::sender, [&] {
        if (!lock.owns_lock()) lock.lock();
        dispatch_round(lock, next_rescan);
      });
      if (!lock.owns_lock()) lock.lock();
      errors = ok ? 0 : errors + 1;
      if (ok) continue;
      rescan = true;
      auto delay = std::max(milliseconds(100), error_backoff.delay(errors, std::nullopt));
      dispatcher_cv.wait_for(lock, delay, [&] { return stopping; });
    }
  }

  // An attempt that threw outside the sink (guarded_deliver covers the
  // sink): the delivery stays pending and is tried again after a second.
  void release_after_error(std::uint64_t sequence, std::size_t index) {
    auto it = entries.find(sequence);
    if (it == entries.end()) return;
    auto& progress = it->second.sinks[index];
    progress.in_flight = false;
    progress.due = Steady::now() + std::chrono::seconds(1);
  }

  void worker_loop(std::size_t index) {
    auto& slot = *slots[index];
    std::unique_lock lock(mutex);
    while (true) {
      worker_cv.wait(lock, [&] { return stopping || !slot.queue.empty(); });
      if (stopping) break;
      auto sequence = slot.queue.front();
      slot.queue.pop_front();
      if (!run_guarded(BackgroundThread::sender, [&] { run_attempt(lock, sequence, index); })) {
        if (!lock.owns_lock()) lock.lock();
        release_after_error(sequence, index);
      }
      --slot.busy;
      woken = true;
      dispatcher_cv.notify_one();
    }
    // Queued but not started: they stay pending, in memory and in RocksDB.
    for (auto sequence : slot.queue) entries.at(sequence).sinks[index].in_flight = false;
    slot.busy -= slot.queue.size();
    slot.queue.clear();
    --running_workers;
    exit_cv.notify_all();
  }
};

OutboxSender::OutboxSender(state::Store& store, std::vector<std::unique_ptr<Sink>> sinks,
                           SenderOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(sinks), std::move(options))) {}

OutboxSender::~OutboxSender() {
  stop(Steady::now() + std::chrono::seconds(2));
}

Status OutboxSender::start() {
  auto& impl = *impl_;
  if (impl.started) return make_error("the outbox sender is already running");
  auto dead = impl.outbox.count_dead_letters();
  if (!dead) return dead.error();
  impl.dead_letters = *dead;
  if (impl.options.probe != nullptr) impl.options.probe->set_dead_letters(*dead);
  if (auto status = impl.load_new(); !status) return status;
  std::lock_guard lock(impl.mutex);
  impl.started = true;
  for (std::size_t i = 0; i < impl.slots.size(); ++i) {
    for (std::size_t n = 0; n < impl.slots[i]->sink->concurrency(); ++n) {
      ++impl.running_workers;
      impl.slots[i]->workers.emplace_back([&impl, i] { impl.worker_loop(i); });
    }
    spdlog::info("alert sink {}: {} ({})", impl.slots[i]->sink->name(), impl.slots[i]->sink->type(),
                 impl.slots[i]->sink->describe());
  }
  impl.dispatcher = std::thread([&impl] { impl.dispatcher_loop(); });
  return ok();
}

void OutboxSender::notify() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->rescan = true;
    ++impl_->scans_asked;
  }
  impl_->dispatcher_cv.notify_one();
}

std::size_t OutboxSender::wait_delivered(std::chrono::steady_clock::time_point deadline) {
  auto& impl = *impl_;
  std::unique_lock lock(impl.mutex);
  if (!impl.started || impl.stopping) return impl.pending_alerts;
  // A rescan after this call: what was committed before it is counted.
  const auto asked = ++impl.scans_asked;
  impl.rescan = true;
  impl.dispatcher_cv.notify_one();
  impl.settled_cv.wait_until(lock, deadline, [&] {
    return impl.stopping || (impl.scans_published >= asked && impl.pending_alerts == 0);
  });
  return impl.scans_published >= asked ? impl.pending_alerts.load()
                                       : std::max<std::size_t>(impl.pending_alerts, 1);
}

void OutboxSender::stop(std::chrono::steady_clock::time_point deadline) {
  auto& impl = *impl_;
  {
    std::lock_guard lock(impl.mutex);
    if (!impl.started || impl.stopping) return;
    impl.stopping = true;
  }
  impl.dispatcher_cv.notify_all();
  impl.worker_cv.notify_all();
  impl.settled_cv.notify_all();  // a wait_delivered() on another thread returns
  impl.dispatcher.join();
  {
    std::unique_lock lock(impl.mutex);
    if (!impl.exit_cv.wait_until(lock, deadline, [&] { return impl.running_workers == 0; })) {
      spdlog::warn(
          "cancelling alert deliveries still in flight at shutdown; they resume on restart");
      impl.cancel = true;
    }
  }
  for (auto& slot : impl.slots) {
    for (auto& worker : slot->workers) worker.join();
    slot->workers.clear();
  }
}

Expected<DrainSummary> OutboxSender::drain_once() {
  auto& impl = *impl_;
  if (impl.started) return make_error("drain_once() cannot run while the sender is started");
  auto skipped_before = impl.skipped_total();
  if (auto status = impl.load_new(); !status) return status.error();
  DrainSummary summary;
  std::unique_lock lock(impl.mutex);
  impl.expire(std::chrono::system_clock::now());
  // Passes until nothing is due: a burst's later revision is due once the
  // earlier one was tried. Each delivery is tried at most once per drain.
  std::set<std::pair<std::uint64_t, std::size_t>> tried;
  for (bool any = true; any;) {
    impl.supersede(lock);
    auto due = impl.due_now(tried);
    any = !due.empty();
    for (auto [sequence, index] : due) {
      tried.emplace(sequence, index);
      impl.entries.at(sequence).sinks[index].in_flight = true;
      auto kind = impl.run_attempt(lock, sequence, index);
      if (kind == DeliveryOutcome::Kind::skipped) continue;
      (kind == DeliveryOutcome::Kind::delivered ? summary.delivered : summary.failed) += 1;
    }
  }
  impl.expire(std::chrono::system_clock::now());
  impl.finish_complete(lock, std::chrono::system_clock::now());
  impl.publish_pending(std::chrono::system_clock::now());
  summary.pending = impl.pending_alerts;
  summary.skipped = impl.skipped_total() - skipped_before;
  return summary;
}

std::size_t OutboxSender::pending() const {
  return impl_->pending_alerts;
}

std::uint64_t OutboxSender::skipped_revisions(const std::string& sink) const {
  for (const auto& slot : impl_->slots) {
    if (slot->sink->name() == sink) return slot->skipped;
  }
  return 0;
}

std::vector<std::string> OutboxSender::sink_names() const {
  std::vector<std::string> names;
  for (const auto& slot : impl_->slots) names.push_back(slot->sink->name());
  return names;
}

}  // namespace rolewatch::stream
