#include "rules/burst_detector.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <unordered_map>

namespace rolewatch::rules {
namespace {

using state::BurstAlert;
using state::GroupWindow;
using state::WindowEntry;

bool entry_before(const WindowEntry& a, const WindowEntry& b) {
  return a.time != b.time ? a.time < b.time : a.audit_id < b.audit_id;
}

std::string pair_key(const WindowEntry& entry) {
  // Fall back to the role name when a record carried no template id.
  const auto& role = entry.role_template_id.empty() ? entry.role_name : entry.role_template_id;
  return entry.target_id + '\n' + role;
}

WindowEntry make_entry(const RoleEvent& event) {
  WindowEntry entry;
  entry.time = event.time;
  entry.audit_id = event.audit_id;
  entry.activity = event.activity;
  entry.service = static_cast<std::uint8_t>(event.service);
  entry.result = static_cast<std::uint8_t>(event.result);
  entry.target_id = event.target.id;
  entry.target_upn = event.target.user_principal_name;
  entry.target_type = event.target.type;
  entry.role_template_id = event.role.template_id;
  entry.role_name = event.role.display_name;
  return entry;
}

void remember_actor(GroupWindow& window, const RoleEvent& event) {
  auto& actor = window.actor;
  actor.type = static_cast<std::uint8_t>(event.actor.type);
  if (!event.actor.id.empty()) actor.id = event.actor.id;
  if (!event.actor.user_principal_name.empty()) {
    actor.user_principal_name = event.actor.user_principal_name;
  }
  if (!event.actor.display_name.empty()) actor.display_name = event.actor.display_name;
  if (!event.ip_address.empty()) actor.ip_address = event.ip_address;
  if (!event.tenant_id.empty()) window.tenant_id = event.tenant_id;
}

struct Span {
  std::size_t begin = 0;  // index of first entry
  std::size_t end = 0;    // one past the last
};

// The burst around entries[index]: neighbours closer than one window length.
Span burst_around(const std::vector<WindowEntry>& entries, std::size_t index, EventTime window) {
  Span span{index, index + 1};
  while (span.begin > 0 && entries[span.begin].time - entries[span.begin - 1].time <= window) {
    --span.begin;
  }
  while (span.end < entries.size() &&
         entries[span.end].time - entries[span.end - 1].time <= window) {
    ++span.end;
  }
  return span;
}

// The earliest sub-span of `burst` no longer than one window that holds at
// least `threshold` distinct pairs, if any (two pointers over sorted entries).
std::optional<Span> first_crossing(const std::vector<WindowEntry>& entries, Span burst,
                                   EventTime window, std::uint32_t threshold) {
  std::unordered_map<std::string, int> pairs;
  std::size_t left = burst.begin;
  for (std::size_t right = burst.begin; right < burst.end; ++right) {
    ++pairs[pair_key(entries[right])];
    while (entries[right].time - entries[left].time > window) {
      auto it = pairs.find(pair_key(entries[left]));
      if (--it->second == 0) pairs.erase(it);
      ++left;
    }
    if (pairs.size() >= threshold) return Span{left, right + 1};
  }
  return std::nullopt;
}

// Every removal of one alert, in event-time order: the entries carrying its id.
std::vector<const WindowEntry*> alert_entries(const GroupWindow& window, std::string_view id) {
  std::vector<const WindowEntry*> out;
  for (const auto& entry : window.entries) {
    if (entry.alert_id == id) out.push_back(&entry);
  }
  return out;
}

Alert make_alert(const RuleDefinition& rule, const std::string& id, const GroupWindow& window,
                 EventTime fired_at) {
  Alert alert;
  alert.id = id;
  alert.rule = rule.id;
  alert.title = rule.title;
  alert.severity = rule.severity;
  alert.mitre_tactic = rule.mitre_tactic;
  alert.mitre_technique = rule.mitre_technique;
  alert.tenant_id = window.tenant_id;
  alert.actor.type = static_cast<ActorType>(window.actor.type);
  alert.actor.id = window.actor.id;
  alert.actor.user_principal_name = window.actor.user_principal_name;
  alert.actor.display_name = window.actor.display_name;
  alert.actor.ip_address = window.actor.ip_address;
  alert.threshold = rule.threshold;
  alert.window_seconds = rule.window_seconds;
  alert.detected_at = fired_at;
  std::unordered_map<std::string, bool> seen;
  bool all_restored = true;
  for (const auto* e : alert_entries(window, id)) {
    if (alert.removals.empty()) alert.first_seen = e->time;
    alert.last_seen = e->time;
    all_restored = all_restored && e->restored;
    if (seen.emplace(pair_key(*e), true).second) ++alert.count;
    alert.removals.push_back(Removal{
        e->audit_id, e->time, e->activity, static_cast<Service>(e->service),
        static_cast<Outcome>(e->result), Principal{e->target_id, e->target_upn, e->target_type},
        Role{e->role_template_id, e->role_name}});
  }
  alert.raised_before = all_restored;
  return alert;
}

std::uint32_t restored_count(const GroupWindow& window, std::string_view id) {
  std::uint32_t count = 0;
  for (const auto* e : alert_entries(window, id)) count += e->restored ? 1 : 0;
  return count;
}

// Decides the next revision of `burst`: every removal so far, with `status`.
Alert next_revision(const RuleDefinition& rule, const GroupWindow& window, BurstAlert& burst,
                    AlertStatus status, EventTime now) {
  auto alert = make_alert(rule, burst.id, window, burst.fired_at);
  alert.updated_at = now;
  alert.status = status;
  alert.revision = ++burst.revision;
  burst.decided_at = now;
  burst.pending = false;
  burst.closed = burst.closed || status == AlertStatus::closed;
  return alert;
}

// An owed update may go now: the rule's interval has passed since the last
// revision (or `flush`). With updates off, only a closed burst's correction.
bool update_due(const RuleDefinition& rule, const BurstAlert& burst, EventTime now, bool flush) {
  if (!burst.pending) return false;
  if (rule.update_interval_seconds == 0) return burst.closed;
  return flush || now - burst.decided_at >= rule.update_interval_micros();
}

AlertStatus update_status(const BurstAlert& burst) {
  return burst.closed ? AlertStatus::closed : AlertStatus::updated;
}

// Whether the burst's restored entries alone hold `threshold` distinct pairs
// within one window: then whoever read them before raised the alert.
bool restored_cross_alone(const std::vector<WindowEntry>& entries, Span burst,
                          const RuleDefinition& rule) {
  std::vector<WindowEntry> restored;
  for (auto i = burst.begin; i < burst.end; ++i) {
    if (entries[i].restored) restored.push_back(entries[i]);
  }
  if (restored.size() < rule.threshold) return false;
  return first_crossing(restored, Span{0, restored.size()}, rule.window_micros(), rule.threshold)
      .has_value();
}

// A removal joined the alerted burst `id`. Read below a restore checkpoint,
// it was reported by the previous owner: the revision number moves past any
// that owner could have sent (one revision per removal at most), nothing is
// owed. Otherwise an update is owed, sent now if the interval allows.
std::optional<Alert> join_alert(const RuleDefinition& rule, GroupWindow& window,
                                const std::string& id, bool restored, EventTime now) {
  auto* burst = window.find_alert(id);
  if (burst == nullptr) {
    window.alerts.push_back(BurstAlert{id, 1, now, now, false, true});
    burst = &window.alerts.back();
  }
  if (restored) {
    burst->revision = std::max(burst->revision, restored_count(window, id) + 1);
    return std::nullopt;
  }
  burst->pending = true;
  if (!update_due(rule, *burst, now, false)) return std::nullopt;
  return next_revision(rule, window, *burst, update_status(*burst), now);
}

// The burst just crossed the threshold: revision 1, every removal so far.
Alert fire(const RuleDefinition& rule, const std::string& group, GroupWindow& window, Span burst,
           EventTime now) {
  auto& entries = window.entries;
  auto id = stable_alert_id(rule.id, group, entries[burst.begin].audit_id);
  for (auto i = burst.begin; i < burst.end; ++i) entries[i].alert_id = id;
  const bool muted = restored_cross_alone(entries, burst, rule);
  window.alerts.push_back(BurstAlert{id, 0, now, now, false, false});
  auto alert = next_revision(rule, window, window.alerts.back(), AlertStatus::firing, now);
  if (muted) {
    // Sent by the previous owner, with updates up to one per removal.
    window.alerts.back().revision = restored_count(window, id) + 1;
  }
  alert.raised_before = muted;
  return alert;
}

// Drops the alerts whose removals have all been pruned.
void forget_empty_alerts(GroupWindow& window) {
  std::erase_if(window.alerts, [&](const BurstAlert& burst) {
    return std::none_of(window.entries.begin(), window.entries.end(),
                        [&](const WindowEntry& e) { return e.alert_id == burst.id; });
  });
}

EventTime newest_of(const GroupWindow& window, std::string_view id) {
  EventTime newest = 0;
  for (const auto& entry : window.entries) {
    if (entry.alert_id == id) newest = entry.time;
  }
  return newest;
}

}  // namespace

std::string group_key(const RuleDefinition& rule, const RoleEvent& event) {
  if (rule.group_by == GroupBy::tenant) return event.tenant_id;
  const auto& actor = event.actor;
  if (!actor.id.empty()) return actor.id;
  if (!actor.user_principal_name.empty()) return actor.user_principal_name;
  return actor.display_name;
}

bool prune_window(const RuleDefinition& rule, GroupWindow& window, EventTime watermark) {
  auto horizon = watermark - rule.window_micros() - rule.grace_micros();
  // An alert not yet closed keeps all its removals: its closed revision
  // lists every one, however long the burst ran.
  auto open = [&](const WindowEntry& e) {
    if (e.alert_id.empty()) return false;
    const auto* burst = window.find_alert(e.alert_id);
    return burst != nullptr && !burst->closed;
  };
  auto removed = std::erase_if(window.entries,
                               [&](const WindowEntry& e) { return e.time < horizon && !open(e); });
  return removed > 0;
}

std::optional<Alert> add_removal(const RuleDefinition& rule, const std::string& group,
                                 GroupWindow& window, const RoleEvent& event, EventTime watermark,
                                 EventTime now, bool restored) {
  remember_actor(window, event);
  auto entry = make_entry(event);
  entry.restored = restored;
  auto& entries = window.entries;
  auto at = std::upper_bound(entries.begin(), entries.end(), entry, entry_before);
  auto index = static_cast<std::size_t>(at - entries.begin());
  entries.insert(at, std::move(entry));
  prune_window(rule, window, watermark);
  // Pruning only removes entries older than the new one (it is not late), so
  // re-find it by audit id.
  index = std::min(index, entries.size() - 1);
  while (entries[index].audit_id != event.audit_id) --index;

  auto burst = burst_around(entries, index, rule.window_micros());
  std::string alerted;
  for (auto i = burst.begin; i < burst.end && alerted.empty(); ++i) alerted = entries[i].alert_id;
  if (!alerted.empty()) {
    // Already alerted: the newcomer (and any burst a late record just joined
    // to this one) belongs to that alert.
    for (auto i = burst.begin; i < burst.end; ++i) {
      if (entries[i].alert_id.empty()) entries[i].alert_id = alerted;
    }
    return join_alert(rule, window, alerted, restored, now);
  }
  if (!first_crossing(entries, burst, rule.window_micros(), rule.threshold)) return std::nullopt;
  return fire(rule, group, window, burst, now);
}

std::vector<Alert> due_revisions(const RuleDefinition& rule, GroupWindow& window,
                                 EventTime watermark, EventTime now, bool flush) {
  forget_empty_alerts(window);
  std::vector<Alert> due;
  for (auto& burst : window.alerts) {
    if (!burst.closed && watermark - newest_of(window, burst.id) > rule.window_micros()) {
      due.push_back(next_revision(rule, window, burst, AlertStatus::closed, now));
    } else if (update_due(rule, burst, now, flush)) {
      due.push_back(next_revision(rule, window, burst, update_status(burst), now));
    }
  }
  // Decided: what the watermark has left behind can go.
  if (prune_window(rule, window, watermark)) forget_empty_alerts(window);
  return due;
}

std::optional<RevisionTimer> revision_timer(const RuleDefinition& rule, const GroupWindow& window) {
  std::optional<RevisionTimer> timer;
  for (const auto& burst : window.alerts) {
    if (burst.closed && !burst.pending) continue;
    if (!timer) timer.emplace();
    if (!burst.closed) {
      timer->close_after =
          std::min(timer->close_after, newest_of(window, burst.id) + rule.window_micros());
    }
    if (!burst.pending) continue;
    timer->owes_update = true;
    if (rule.update_interval_seconds > 0 || burst.closed) {
      timer->update_at =
          std::min(timer->update_at, burst.decided_at + rule.update_interval_micros());
    }
  }
  return timer;
}

std::string stable_alert_id(const std::string& rule_id, const std::string& group,
                            const std::string& first_audit_id) {
  auto material = rule_id + '\n' + group + '\n' + first_audit_id;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
  // Shaped like a UUID (version nibble 5-style) so receivers can store it as one.
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);
  char text[37];
  std::snprintf(
      text, sizeof text, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
      digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
      digest[8], digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]);
  return text;
}

}  // namespace rolewatch::rules
