#include "support/audit_records.hpp"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "state/base/time.hpp"

namespace support {
namespace {

using rolewatch::state::format_event_time;
using rolewatch::state::parse_event_time;

std::atomic<int> next_record_number{1};

// A GUID-shaped id unique within the test run: <prefix>-0000-4000-8000-<n>.
std::string numbered_guid(std::string_view prefix, int n) {
  char out[64];
  std::snprintf(out, sizeof out, "%.8s-0000-4000-8000-%012d", std::string(prefix).c_str(), n);
  return out;
}

Json null_if_empty(const std::string& text) {
  return text.empty() ? Json(nullptr) : Json(text);
}

// modifiedProperties values carry one JSON encoding layer.
Json json_encoded(const std::string& text) {
  return text.empty() ? Json(nullptr) : Json(Json(text).dump());
}

bool is_removal(std::string_view activity) {
  return activity.starts_with("Remove") || activity.starts_with("Delete");
}

// The envelope time is activityDateTime in UTC with a Z, as exported.
std::string envelope_time(const std::string& activity_time) {
  const auto parsed = rolewatch::state::parse_event_time(activity_time);
  if (!parsed) return activity_time;
  auto text = rolewatch::state::format_event_time(*parsed);
  return text.substr(0, text.size() - 1) + "0Z";
}

Json initiated_by(const Initiator& who) {
  if (who.is_app) {
    return {{"app",
             {{"appId", nullptr},
              {"displayName", who.display_name},
              {"servicePrincipalId", who.id},
              {"servicePrincipalName", nullptr}}}};
  }
  return {{"user",
           {{"id", who.id},
            {"displayName", null_if_empty(who.display_name)},
            {"userPrincipalName", null_if_empty(who.user_principal_name)},
            {"ipAddress", null_if_empty(who.ip_address)},
            {"roles", Json::array()}}}};
}

Json envelope(const RecordSpec& spec, const std::string& correlation_id, Json properties) {
  const auto& who = spec.actor;
  return {{"time", envelope_time(spec.time)},
          {"resourceId", "/tenants/" + spec.tenant_id + "/providers/Microsoft.aadiam"},
          {"operationName", spec.activity},
          {"operationVersion", "1.0"},
          {"category", "AuditLogs"},
          {"tenantId", spec.tenant_id},
          {"resultSignature", "None"},
          {"durationMs", 0},
          {"callerIpAddress", who.ip_address.empty() ? "<null>" : who.ip_address},
          {"correlationId", correlation_id},
          {"identity", who.display_name},
          {"Level", 4},
          {"properties", std::move(properties)}};
}

Json target_resource(const Target& target) {
  return {{"id", target.id},
          {"displayName", null_if_empty(target.display_name)},
          {"type", target.type},
          {"userPrincipalName", null_if_empty(target.user_principal_name)},
          {"administrativeUnits", Json::array()}};
}

// Role.* on the principal, as Core Directory logs membership changes.
Json role_membership_properties(const RoleRef& role, bool removal) {
  Json properties = Json::array();
  auto add = [&](const char* name, const std::string& value) {
    if (value.empty()) return;
    const Json encoded = json_encoded(value);
    properties.push_back({{"displayName", name},
                          {"oldValue", removal ? encoded : Json(nullptr)},
                          {"newValue", removal ? Json(nullptr) : encoded}});
  };
  add("Role.ObjectID", "c4d2a9e1-0f3b-4c5d-8e7f-1a2b3c4d5e6f");
  add("Role.DisplayName", role.display_name);
  add("Role.TemplateId", role.template_id);
  add("Role.WellKnownObjectName", role.well_known_name);
  return properties;
}

Json pim_role_target(const RoleRef& role) {
  Json properties = Json::array();
  if (!role.template_id.empty()) {
    for (const char* name : {"RoleDefinitionOriginId", "TemplateId"}) {
      properties.push_back({{"displayName", name},
                            {"oldValue", "\"\""},
                            {"newValue", json_encoded(role.template_id)}});
    }
  }
  return {
      {"id", role.template_id.empty() ? "00000000-0000-0000-0000-000000000000" : role.template_id},
      {"displayName", role.display_name},
      {"type", "Role"},
      {"modifiedProperties", properties},
      {"administrativeUnits", Json::array()}};
}

Json pim_details(const RecordSpec& spec, const std::string& request_id,
                 std::string_view audit_type) {
  Json details = Json::array();
  auto add = [&](const char* key, const std::string& value) {
    if (!value.empty()) details.push_back({{"key", key}, {"value", value}});
  };
  add("RoleDefinitionOriginId", spec.role.template_id);
  add("RoleDefinitionOriginType", "BuiltInRole");
  add("TemplateId", spec.role.template_id);
  add("StartTime", spec.start_time);
  add("ExpirationTime", spec.expiration_time);
  add("Justification", spec.justification);
  add("oid", spec.actor.is_app ? std::string() : spec.actor.id);
  add("tid", spec.tenant_id);
  add("ipaddr", spec.ip_address);
  add("AuditType", std::string(audit_type));
  if (spec.mfa) add("IsAuthenticatedWithMfa", "True");
  add("RequestId", request_id);
  return details;
}

Json build_pim_record(RecordSpec spec, std::vector<Json> targets, std::string_view audit_type) {
  const int n = next_record_number++;
  const auto correlation_id = numbered_guid("7c6b5a49", n);
  const auto request_id = numbered_guid("9f8e7d6c", n);
  if (spec.audit_id.empty()) {
    spec.audit_id = "PIM_" + correlation_id + "_" + numbered_guid("0e1f2a3b", n) + "_1343310000";
  }
  targets.insert(
      targets.begin(),
      {pim_role_target(spec.role),
       {{"id", request_id}, {"type", "Request"}, {"administrativeUnits", Json::array()}}});
  targets.push_back({{"id", spec.tenant_id},
                     {"displayName", "Contoso"},
                     {"type", "Directory"},
                     {"administrativeUnits", Json::array()}});
  Json properties = {
      {"id", spec.audit_id},
      {"category", spec.category},
      {"correlationId", correlation_id},
      {"result", spec.result},
      {"resultReason", spec.result_reason.empty() ? spec.justification : spec.result_reason},
      {"activityDisplayName", spec.activity},
      {"activityDateTime", spec.time},
      {"loggedByService", "PIM"},
      {"operationType", is_removal(spec.activity) ? "Delete" : "Update"},
      {"initiatedBy", initiated_by(spec.actor)},
      {"targetResources", std::move(targets)},
      {"additionalDetails", pim_details(spec, request_id, audit_type)}};
  return envelope(spec, correlation_id, std::move(properties));
}

}  // namespace

Initiator user(std::string id, std::string user_principal_name, std::string display_name,
               std::string ip_address) {
  return {false, std::move(id), std::move(user_principal_name), std::move(display_name),
          std::move(ip_address)};
}

Initiator app(std::string service_principal_id, std::string display_name) {
  return {true, std::move(service_principal_id), {}, std::move(display_name), {}};
}

Initiator mallory() {
  return user("aaaaaaaa-0000-0000-0000-000000000001", "mallory@contoso.onmicrosoft.com",
              "Mallory Attacker", "203.0.113.45");
}

Initiator ms_pim() {
  return app(std::string(kMsPimServicePrincipal), "MS-PIM");
}

Initiator azure_ad_pim() {
  return user("9dfd627f-bdc5-4b1c-af9d-c85097fdeff8", "", "Azure AD PIM");
}

Target admin(int n) {
  char id[40];
  std::snprintf(id, sizeof id, "bbbbbbbb-0000-0000-0000-%012d", n);
  return {id, "admin" + std::to_string(n) + "@contoso.com", "Admin " + std::to_string(n), "User"};
}

Target service_principal(std::string id, std::string display_name) {
  return {std::move(id), {}, std::move(display_name), "ServicePrincipal"};
}

RoleRef global_administrator() {
  return {std::string(kGlobalAdministrator), "Global Administrator", "TenantAdmins"};
}

RoleRef privileged_role_administrator() {
  return {std::string(kPrivilegedRoleAdministrator), "Privileged Role Administrator",
          "PrivilegedRoleAdmins"};
}

RoleRef user_administrator() {
  return {std::string(kUserAdministrator), "User Administrator", "UserAccountAdmins"};
}

Json core_directory_record(RecordSpec spec) {
  const int n = next_record_number++;
  const auto correlation_id = numbered_guid("6a1f0c2e", n);
  if (spec.audit_id.empty())
    spec.audit_id = "Directory_" + correlation_id + "_ABCDE_" + std::to_string(n);
  const bool removal = is_removal(spec.activity);
  Json target = target_resource(spec.target);
  target["modifiedProperties"] = role_membership_properties(spec.role, removal);
  Json properties = {{"id", spec.audit_id},
                     {"category", spec.category},
                     {"correlationId", correlation_id},
                     {"result", spec.result},
                     {"resultReason", spec.result_reason},
                     {"activityDisplayName", spec.activity},
                     {"activityDateTime", spec.time},
                     {"loggedByService", "Core Directory"},
                     {"operationType", removal ? "Unassign" : "Assign"},
                     {"userAgent", nullptr},
                     {"initiatedBy", initiated_by(spec.actor)},
                     {"targetResources", Json::array({target})},
                     {"additionalDetails", Json::array()}};
  return envelope(spec, correlation_id, std::move(properties));
}

Json core_directory_removal(RecordSpec spec) {
  if (spec.activity.empty()) spec.activity = "Remove member from role";
  return core_directory_record(std::move(spec));
}

Json core_directory_addition(RecordSpec spec) {
  if (spec.activity.empty()) spec.activity = "Add member to role";
  return core_directory_record(std::move(spec));
}

Json core_directory_eligible_removal(RecordSpec spec) {
  if (spec.activity.empty()) spec.activity = "Remove eligible member from role";
  return core_directory_record(std::move(spec));
}

Json ms_pim_twin(RecordSpec spec) {
  if (spec.activity.empty()) spec.activity = "Remove member from role";
  spec.actor = ms_pim();
  return core_directory_record(std::move(spec));
}

Json pim_record(RecordSpec spec) {
  const Target principal = spec.target;
  return build_pim_record(std::move(spec), {target_resource(principal)}, "");
}

Json pim_removal(RecordSpec spec) {
  if (spec.activity.empty()) spec.activity = "Remove member from role in PIM completed (permanent)";
  return pim_record(std::move(spec));
}

Json pim_eligible_removal(RecordSpec spec) {
  if (spec.activity.empty()) {
    spec.activity = "Remove eligible member from role in PIM completed (permanent)";
  }
  return pim_record(std::move(spec));
}

Json pim_activation(RecordSpec spec) {
  if (spec.activity.empty()) spec.activity = "Add member to role completed (PIM activation)";
  if (spec.ip_address.empty()) spec.ip_address = "198.51.100.7";
  if (spec.justification.empty()) spec.justification = "CHG0042 rotate app secret";
  if (spec.start_time.empty()) spec.start_time = envelope_time(spec.time);
  if (spec.expiration_time.empty()) spec.expiration_time = envelope_time(at(spec.time, 3600));
  // One activates one's own role.
  spec.actor = user(spec.target.id, spec.target.user_principal_name, spec.target.display_name,
                    spec.ip_address);
  const Target principal = spec.target;
  return build_pim_record(std::move(spec), {target_resource(principal)}, "ActivateRole");
}

Json pim_expiry(RecordSpec spec) {
  if (spec.activity.empty()) spec.activity = "Remove member from role (PIM activation expired)";
  spec.actor = azure_ad_pim();
  const Target principal = spec.target;
  Json schedule = {{"id", numbered_guid("5e4d3c2b", next_record_number++)},
                   {"type", "Other"},
                   {"administrativeUnits", Json::array()}};
  return build_pim_record(std::move(spec), {schedule, target_resource(principal)},
                          "RemoveActivatedRole");
}

Json non_role_record(std::string category, std::size_t approx_bytes) {
  RecordSpec spec;
  spec.activity = "Update user";
  spec.category = std::move(category);
  spec.target = admin(900);
  Json record = core_directory_record(spec);
  auto& target = record["properties"]["targetResources"][0];
  target["modifiedProperties"] = Json::array({{{"displayName", "StsRefreshTokensValidFrom"},
                                               {"oldValue", "[\"2025-03-01T08:00:00Z\"]"},
                                               {"newValue", "[\"2025-03-04T10:00:00Z\"]"}}});
  const std::size_t size = record.dump().size();
  if (size < approx_bytes) {
    record["properties"]["additionalDetails"] =
        Json::array({{{"key", "User-Agent"}, {"value", std::string(approx_bytes - size, 'x')}}});
  }
  return record;
}

std::string event_hubs_message(const std::vector<Json>& records) {
  return Json{{"records", records}}.dump();
}

std::string graph_page(const std::vector<Json>& records) {
  Json page = {
      {"@odata.context", "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits"},
      {"value", Json::array()}};
  for (const auto& record : records) page["value"].push_back(record.at("properties"));
  return page.dump();
}

std::string bare_record(const Json& record) {
  return record.dump();
}

std::string at(std::string_view base, std::int64_t seconds) {
  const auto parsed = rolewatch::state::parse_event_time(base);
  if (!parsed) return std::string(base);
  auto text =
      rolewatch::state::format_event_time(*parsed + seconds * rolewatch::state::kMicrosPerSecond);
  return text.substr(0, text.size() - 1) + "0+00:00";
}

std::string read_fixture(std::string_view relative_path) {
  std::ifstream in(std::string(ROLEWATCH_TEST_FIXTURES) + "/" + std::string(relative_path),
                   std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Decoded decode(std::string_view payload) {
  Decoded decoded;
  rolewatch::stream::AuditDecoder decoder;
  rolewatch::stream::SourceMessage message;
  message.topic = "test";
  message.payload = payload;
  decoded.counters = decoder.decode(message, [&](rolewatch::rules::RoleEvent&& event) {
    decoded.events.push_back(std::move(event));
  });
  return decoded;
}

}  // namespace support
