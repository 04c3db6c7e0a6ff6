#pragma once
// The burst decision, pure: one counted removal in, the updated window and
// possibly an alert out. The pipeline loads and stores the window.
//
// Semantics (docs/design.md §3): distinct (target, role) pairs per group in a sliding
// event-time window; a burst is a run of counted removals whose gaps are at
// most one window length. A burst is one alert: revision 1 (firing) at the
// moment some window inside it first holds `threshold` distinct pairs, then
// updates as removals join (at most one per the rule's update_interval of
// wall-clock time), then a closed revision once the watermark is one window
// past its newest removal. Every revision lists all the burst's removals, so
// the last one is the same whatever order the records arrived in.
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "rules/alert.hpp"
#include "rules/role_event.hpp"
#include "rules/rule_definition.hpp"
#include "state/group_window.hpp"

namespace rolewatch::rules {

// The key events of one group share: the actor (user or service principal
// id) or the tenant.
std::string group_key(const RuleDefinition& rule, const RoleEvent& event);

// Drops entries older than the retention horizon (watermark - window -
// grace), except those of an alert not yet closed. Returns true if anything
// was removed.
bool prune_window(const RuleDefinition& rule, state::GroupWindow& window, EventTime watermark);

// Adds a counted removal (already deduplicated and not late) and decides:
// the first revision of a burst that just crossed the threshold, or an
// update of the alerted burst it joined if the interval allows (otherwise the
// update is owed; due_revisions sends it). `watermark` bounds pruning; `now`
// is the wall clock (detectedAt, update throttling). `restored`: the removal
// was read below a restore checkpoint (see Alert::raised_before).
std::optional<Alert> add_removal(const RuleDefinition& rule, const std::string& group,
                                 state::GroupWindow& window, const RoleEvent& event,
                                 EventTime watermark, EventTime now, bool restored = false);

// The revisions due without a new removal: the close of every burst quiet
// for one window of watermark time, and owed updates whose interval has
// passed (all of them when `flush`, e.g. at the end of a replay).
std::vector<Alert> due_revisions(const RuleDefinition& rule, state::GroupWindow& window,
                                 EventTime watermark, EventTime now, bool flush);

// When the window's next revision falls due: once the watermark exceeds
// close_after, or the wall clock reaches update_at; owes_update: an update
// is owed (a flush sends it at once). nullopt when no alert awaits one.
struct RevisionTimer {
  static constexpr EventTime kNever = std::numeric_limits<EventTime>::max();
  EventTime close_after = kNever;
  EventTime update_at = kNever;
  bool owes_update = false;

  bool due(EventTime watermark, EventTime now, bool flush) const {
    return watermark > close_after || now >= update_at || (flush && owes_update);
  }
};
std::optional<RevisionTimer> revision_timer(const RuleDefinition& rule,
                                            const state::GroupWindow& window);

// Stable alert id: the same burst gets the same id after a restart or replay.
std::string stable_alert_id(const std::string& rule_id, const std::string& group,
                            const std::string& first_audit_id);

}  // namespace rolewatch::rules
