#include "rules/activation_labeler.hpp"

#include <algorithm>

#include "rules/privileged_roles.hpp"
#include "state/base/time.hpp"

namespace rolewatch::rules {
namespace {

using nlohmann::json;

json optional_string(const std::string& text) {
  return text.empty() ? json() : json(text);
}
json optional_time(const std::optional<EventTime>& time) {
  return time ? json(state::format_event_time(*time)) : json();
}
json optional_time(EventTime time) {
  return time != 0 ? json(state::format_event_time(time)) : json();
}
template <typename T>
json optional_value(const std::optional<T>& value) {
  return value ? json(*value) : json();
}

// The principal whose role it is: the record's target, else the initiator
// (an activation is requested by the user for themself).
Principal activated_principal(const RoleEvent& event) {
  if (!event.target.id.empty()) return event.target;
  return Principal{event.actor.id, event.actor.user_principal_name, "User"};
}

bool eligible_at(const state::Assignment& row, EventTime time, EventTime slack) {
  return row.type == state::AssignmentType::eligible &&
         (row.start == 0 || time + slack >= row.start) && (row.end == 0 || time - slack <= row.end);
}

// Direct eligibility wins over a group's; among groups the smallest id, so
// the label is the same on every replay.
void apply_eligibility(ActivationLabel& label, const std::vector<const state::Assignment*>& rows,
                       const LabelOptions& options) {
  for (const auto* row : rows) {
    if (label.role.display_name.empty()) label.role.display_name = row->role_display_name;
    if (!eligible_at(*row, label.time, options.schedule_slack)) continue;
    if (row->inherited_from.empty()) {
      label.eligibility = Eligibility::direct;
      label.eligible_via.clear();
      return;
    }
    if (label.eligible_via.empty() || row->inherited_from < label.eligible_via) {
      label.eligibility = Eligibility::group;
      label.eligible_via = row->inherited_from;
    }
  }
}

void apply_principal(ActivationLabel& label, const state::EligibilityLookup& eligibility) {
  const auto* row = eligibility.any_of_principal(label.principal.id);
  if (row == nullptr) return;
  if (label.principal.user_principal_name.empty()) {
    label.principal.user_principal_name = row->user_principal_name;
  }
  label.synced = row->on_premises_sync;
  label.account_enabled = row->account_enabled;
}

Status apply_history(ActivationLabel& label, const state::ActivationHistoryView& history) {
  auto last = history.last_activation(label.principal.id, label.role.template_id);
  if (!last) return last.error();
  // Only an earlier activation is "previous" (records may arrive out of order).
  if (*last && (*last)->time < label.time) label.previous_activation = (*last)->time;
  auto principal = history.principal(label.principal.id);
  if (!principal) return principal.error();
  if (*principal) label.first_activation = (*principal)->first_activation;
  if (label.ip_address.empty()) return ok();
  auto sighting = history.ip_sighting(label.principal.id, label.ip_address);
  if (!sighting) return sighting.error();
  label.new_ip = !sighting->has_value();
  return ok();
}

}  // namespace

std::string_view to_string(Eligibility eligibility) {
  switch (eligibility) {
    case Eligibility::direct:
      return "direct";
    case Eligibility::group:
      return "group";
    case Eligibility::none:
      return "none";
  }
  return "none";
}

bool is_labelled_activation(const RoleEvent& event) {
  return event.kind == Kind::activate && event.result == Outcome::success &&
         event.service == Service::pim && !activated_principal(event).id.empty() &&
         (!event.role.template_id.empty() || !event.role.display_name.empty());
}

Expected<ActivationLabel> label_activation(const RoleEvent& event,
                                           const state::EligibilityLookup& eligibility,
                                           const state::ActivationHistoryView& history,
                                           const LabelOptions& options) {
  ActivationLabel label;
  label.audit_id = event.audit_id;
  label.time = event.time;
  label.tenant_id = event.tenant_id;
  label.actor = event.actor;
  label.principal = activated_principal(event);
  label.role = event.role;
  label.ip_address = event.ip_address;
  label.justification = event.justification;
  label.mfa = event.mfa;
  label.activation_start = event.activation_start;
  label.expiry = event.activation_expiry;
  label.snapshot = eligibility.info();
  apply_eligibility(label, eligibility.find(label.principal.id, label.role.template_id), options);
  apply_principal(label, eligibility);
  label.privileged = is_privileged_role(label.role.template_id, label.role.display_name);
  if (auto status = apply_history(label, history); !status) return status.error();
  return label;
}

state::ActivationRecord activation_record(const RoleEvent& event) {
  auto principal = activated_principal(event);
  return state::ActivationRecord{principal.id,
                                 principal.user_principal_name,
                                 event.role.template_id,
                                 event.role.display_name,
                                 event.ip_address,
                                 event.audit_id,
                                 event.time};
}

json to_json(const ActivationLabel& label) {
  json snapshot;
  if (label.snapshot) {
    snapshot = {{"generation", label.snapshot->generation},
                {"source", label.snapshot->source},
                {"fetchedAt", optional_time(label.snapshot->fetched_at)}};
  }
  return {
      {"schema", "rolewatch.activation.v1"},
      {"auditId", label.audit_id},
      {"time", state::format_event_time(label.time)},
      {"tenantId", optional_string(label.tenant_id)},
      {"actor",
       {{"type", to_string(label.actor.type)},
        {"id", optional_string(label.actor.id)},
        {"userPrincipalName", optional_string(label.actor.user_principal_name)},
        {"displayName", optional_string(label.actor.display_name)}}},
      {"principal",
       {{"id", label.principal.id},
        {"userPrincipalName", optional_string(label.principal.user_principal_name)},
        {"type", optional_string(label.principal.type)}}},
      {"role",
       {{"templateId", optional_string(label.role.template_id)},
        {"displayName", optional_string(label.role.display_name)}}},
      {"privileged", label.privileged},
      {"eligibility", to_string(label.eligibility)},
      {"eligibleVia", optional_string(label.eligible_via)},
      {"synced", optional_value(label.synced)},
      {"accountEnabled", optional_value(label.account_enabled)},
      {"ipAddress", optional_string(label.ip_address)},
      {"newIp", optional_value(label.new_ip)},
      {"previousActivation", optional_time(label.previous_activation)},
      {"justification", optional_string(label.justification)},
      {"mfa", label.mfa},
      {"activationStart", optional_time(label.activation_start)},
      {"expiry", optional_time(label.expiry)},
      {"snapshot", snapshot},
  };
}

}  // namespace rolewatch::rules
