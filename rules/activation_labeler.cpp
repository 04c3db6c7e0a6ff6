#include "rules/activation_labeler.hpp"

#include <algorithm>

#include "rules/privileged_roles.hpp"
#include "state/base/json_writer.hpp"
#include "state/base/time.hpp"

namespace rolewatch::rules {
namespace {

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

std::string activation_document(const ActivationLabel& label) {
  // Keys in sorted order, as an nlohmann::json object would dump them.
  state::JsonWriter out;
  const auto time_or_null = [&out](std::optional<EventTime> time) -> state::JsonWriter& {
    return time ? out.string(state::format_event_time(*time)) : out.null();
  };
  const auto nonzero_time = [](EventTime time) {
    return time != 0 ? std::optional<EventTime>(time) : std::nullopt;
  };
  const auto bool_or_null = [&out](std::optional<bool> value) -> state::JsonWriter& {
    return value ? out.boolean(*value) : out.null();
  };
  out.begin_object().key("accountEnabled");
  bool_or_null(label.account_enabled);
  out.key("activationStart");
  time_or_null(nonzero_time(label.activation_start));
  out.key("actor").begin_object();
  out.key("displayName").string_or_null(label.actor.display_name);
  out.key("id").string_or_null(label.actor.id);
  out.key("type").string(to_string(label.actor.type));
  out.key("userPrincipalName").string_or_null(label.actor.user_principal_name);
  out.end_object();
  out.key("auditId").string(label.audit_id);
  out.key("eligibility").string(to_string(label.eligibility));
  out.key("eligibleVia").string_or_null(label.eligible_via);
  out.key("expiry");
  time_or_null(nonzero_time(label.expiry));
  out.key("ipAddress").string_or_null(label.ip_address);
  out.key("justification").string_or_null(label.justification);
  out.key("mfa").boolean(label.mfa);
  out.key("newIp");
  bool_or_null(label.new_ip);
  out.key("previousActivation");
  time_or_null(label.previous_activation);
  out.key("principal").begin_object();
  out.key("id").string(label.principal.id);
  out.key("type").string_or_null(label.principal.type);
  out.key("userPrincipalName").string_or_null(label.principal.user_principal_name);
  out.end_object();
  out.key("privileged").boolean(label.privileged);
  out.key("role").begin_object();
  out.key("displayName").string_or_null(label.role.display_name);
  out.key("templateId").string_or_null(label.role.template_id);
  out.end_object();
  out.key("schema").string("rolewatch.activation.v1");
  out.key("snapshot");
  if (label.snapshot) {
    out.begin_object();
    out.key("fetchedAt");
    time_or_null(nonzero_time(label.snapshot->fetched_at));
    out.key("generation").number(label.snapshot->generation);
    out.key("source").string(label.snapshot->source);
    out.end_object();
  } else {
    out.null();
  }
  out.key("synced");
  bool_or_null(label.synced);
  out.key("tenantId").string_or_null(label.tenant_id);
  out.key("time").string(state::format_event_time(label.time));
  out.end_object();
  return out.take();
}

}  // namespace rolewatch::rules
