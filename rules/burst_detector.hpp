#pragma once
// The burst decision, pure: one counted removal in, the updated window and
// possibly an alert out. The pipeline loads and stores the window.
//
// Semantics (docs/design.md §3): distinct (target, role) pairs per group in a sliding
// event-time window; a burst is a run of counted removals whose gaps are at
// most one window length; a burst alerts exactly once, at the moment some
// window inside it first holds `threshold` distinct pairs.
#include <optional>
#include <string>

#include "rules/alert.hpp"
#include "rules/role_event.hpp"
#include "rules/rule_definition.hpp"
#include "state/group_window.hpp"

namespace rolewatch::rules {

// The key events of one group share: the actor (user or service principal
// id) or the tenant.
std::string group_key(const RuleDefinition& rule, const RoleEvent& event);

// Drops entries older than the retention horizon (watermark - window -
// grace). Returns true if anything was removed.
bool prune_window(const RuleDefinition& rule, state::GroupWindow& window, EventTime watermark);

// Adds a counted removal (already deduplicated and not late) and decides.
// `watermark` bounds pruning; `now` is the wall clock, only used for the
// alert's detectedAt. `restored`: the removal was read below a restore
// checkpoint (see Alert::raised_before).
std::optional<Alert> add_removal(const RuleDefinition& rule, const std::string& group,
                                 state::GroupWindow& window, const RoleEvent& event,
                                 EventTime watermark, EventTime now, bool restored = false);

// Stable alert id: the same burst gets the same id after a restart or replay.
std::string stable_alert_id(const std::string& rule_id, const std::string& group,
                            const std::string& first_audit_id);

}  // namespace rolewatch::rules
