#pragma once
// Labels a PIM activation from the eligibility snapshot and the activation
// history: pure (reads only the two views it is given), no I/O of its own.
//
// Integration (pipeline, per batch): for each successful Kind::activate event
// with a directory role and a principal id:
//   auto label = label_activation(event, *snapshot, history, options);
//   if (!label) -> fail the batch (state read error)
//   history.record(batch, activation_record(event));   // same Batch as offsets
//   emit activation_document(*label); evaluate_activation_rules(...) -> alerts
// and history.clear_pending() after the batch is written or abandoned.
#include <optional>
#include <string>

#include "rules/role_event.hpp"
#include "state/activation_history.hpp"
#include "state/assignment.hpp"
#include "state/base/expected.hpp"
#include "state/base/time.hpp"

namespace rolewatch::rules {

enum class Eligibility { direct, group, none };
std::string_view to_string(Eligibility eligibility);  // "direct", "group", "none"

struct LabelOptions {
  // Slack when matching an eligibility schedule's start/end against the
  // activation time (clock skew between PIM and the snapshot).
  EventTime schedule_slack = 300 * state::kMicrosPerSecond;
};

struct ActivationLabel {
  std::string audit_id;
  EventTime time = 0;
  std::string tenant_id;
  Actor actor;          // who activated (normally the principal itself)
  Principal principal;  // the activated principal (UPN filled from the snapshot if missing)
  Role role;            // display name filled from the snapshot if missing
  bool privileged = false;
  Eligibility eligibility = Eligibility::none;
  std::string eligible_via;                      // group id when eligibility == group
  std::optional<bool> synced;                    // onPremisesSyncEnabled; nullopt unknown
  std::optional<bool> account_enabled;           // nullopt unknown
  std::string ip_address;                        // empty: none in the record
  std::optional<bool> new_ip;                    // nullopt when there is no IP
  std::optional<EventTime> previous_activation;  // this role by this principal
  std::optional<EventTime> first_activation;     // any role by this principal (learning)
  std::string justification;
  bool mfa = false;
  EventTime activation_start = 0;
  EventTime expiry = 0;
  // Snapshot the eligibility came from; nullopt when none is loaded.
  std::optional<state::SnapshotInfo> snapshot;
};

// True for successful PIM activations of a directory role that can be
// labelled (have a principal id and a role).
bool is_labelled_activation(const RoleEvent& event);

Expected<ActivationLabel> label_activation(const RoleEvent& event,
                                           const state::EligibilityLookup& eligibility,
                                           const state::ActivationHistoryView& history,
                                           const LabelOptions& options = {});

// What the history keeps of the event (record it after labelling).
state::ActivationRecord activation_record(const RoleEvent& event);

// schema "rolewatch.activation.v1": principal {id, userPrincipalName}, role
// {templateId, displayName}, eligibility, eligibleVia, synced, ipAddress,
// newIp, previousActivation, plus privileged, justification, mfa, expiry...
// as JSON text (written without a DOM: one is written per activation).
std::string activation_document(const ActivationLabel& label);

}  // namespace rolewatch::rules
