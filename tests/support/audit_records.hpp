#pragma once
// Realistic Entra AuditLogs records, as a diagnostic setting exports them to
// Event Hubs (docs/reference/audit-log-format.md §13), for tests of any layer.
//
//   auto body = support::event_hubs_message({
//       support::core_directory_removal({.target = support::admin(1)}),
//       support::pim_removal({.target = support::admin(2),
//                             .time = support::at(support::kBaseTime, 60)}),
//       support::non_role_record(),
//   });
//
// Builders return the record as JSON (field order as exported), so a test can
// still change or remove any field before serializing it. Every record gets a
// fresh audit id unless `audit_id` is given.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "rules/role_event.hpp"
#include "state/base/time.hpp"
#include "stream/pipeline/audit_decoder.hpp"

namespace support {

using Json = nlohmann::ordered_json;

inline constexpr std::string_view kTenantId = "11111111-2222-3333-4444-555555555555";
inline constexpr std::string_view kGlobalAdministrator = "62e90394-69f5-4237-9190-012177145e10";
inline constexpr std::string_view kPrivilegedRoleAdministrator =
    "e8611ab8-c189-46e8-94e1-60213ab1f814";
inline constexpr std::string_view kUserAdministrator = "fe930be7-5e62-47db-91af-98c3a49a38b1";
inline constexpr std::string_view kMsPimServicePrincipal = "bdefcbb6-d8b2-497d-a944-b683d9a36b0c";
// activityDateTime of the first record in sample C1.
inline constexpr std::string_view kBaseTime = "2025-03-04T10:15:02.1234567+00:00";

// Who initiated the change (properties.initiatedBy).
struct Initiator {
  bool is_app = false;
  std::string id{};  // user object id, or the app's servicePrincipalId
  std::string user_principal_name{};
  std::string display_name{};
  std::string ip_address{};  // users only; empty is written as null
};

Initiator user(std::string id, std::string user_principal_name, std::string display_name = {},
               std::string ip_address = {});
Initiator app(std::string service_principal_id, std::string display_name);
Initiator mallory();       // the attacker of samples C1/C2, 203.0.113.45
Initiator ms_pim();        // app MS-PIM: PIM's Core Directory twins
Initiator azure_ad_pim();  // the system user that expires activations

// Whose role changed (a targetResources entry).
struct Target {
  std::string id{};
  std::string user_principal_name{};
  std::string display_name{};
  std::string type = "User";
};

// admin(n): bbbbbbbb-0000-0000-0000-0000000000nn, adminN@contoso.com.
Target admin(int n);
Target service_principal(std::string id, std::string display_name);

struct RoleRef {
  std::string template_id{};
  std::string display_name{};
  std::string well_known_name{};  // Core Directory Role.WellKnownObjectName
};

RoleRef global_administrator();
RoleRef privileged_role_administrator();
RoleRef user_administrator();

struct RecordSpec {
  std::string activity{};  // empty: the builder's default activity
  std::string audit_id{};  // empty: a fresh unique id
  Initiator actor = mallory();
  Target target = admin(1);
  RoleRef role = global_administrator();
  std::string time = std::string(kBaseTime);  // activityDateTime
  std::string result = "success";
  std::string result_reason{};
  std::string tenant_id = std::string(kTenantId);
  std::string category = "RoleManagement";
  // PIM additionalDetails; empty ones are left out.
  std::string justification{};
  std::string ip_address{};  // ipaddr
  std::string start_time{};
  std::string expiration_time{};
  bool mfa = false;
};

// Core Directory records: the role sits in the principal's modifiedProperties
// (oldValue for removals, newValue for adds).
Json core_directory_record(RecordSpec spec);                 // activity required
Json core_directory_removal(RecordSpec spec = {});           // "Remove member from role"
Json core_directory_addition(RecordSpec spec = {});          // "Add member to role"
Json core_directory_eligible_removal(RecordSpec spec = {});  // "Remove eligible member from role"
// The Core Directory record PIM writes for its own changes (app MS-PIM);
// default activity "Remove member from role".
Json ms_pim_twin(RecordSpec spec = {});

// PIM records: role at targetResources[0], principal at [2].
Json pim_record(RecordSpec spec);        // activity required
Json pim_removal(RecordSpec spec = {});  // "... in PIM completed (permanent)"
Json pim_eligible_removal(RecordSpec spec = {});
// "Add member to role completed (PIM activation)" by the target itself, with
// justification, ipaddr, start/expiration and MFA filled in if not given.
Json pim_activation(RecordSpec spec = {});
// "Remove member from role (PIM activation expired)": actor Azure AD PIM,
// principal at targetResources[3].
Json pim_expiry(RecordSpec spec = {});

// A ~`approx_bytes` record of another category (UserManagement by default),
// like the >95% of traffic the decoder skips.
Json non_role_record(std::string category = "UserManagement", std::size_t approx_bytes = 2048);

// Message bodies.
std::string event_hubs_message(const std::vector<Json>& records);  // {"records":[...]}
std::string graph_page(const std::vector<Json>& records);          // {"value":[<properties>...]}
std::string bare_record(const Json& record);

// `base` (any form rolewatch::state::parse_event_time takes) moved by `seconds`, written as
// the export writes activityDateTime ("2025-03-04T10:16:02.1234560+00:00").
std::string at(std::string_view base, std::int64_t seconds);

// Contents of tests/fixtures/<relative_path>; empty if unreadable.
std::string read_fixture(std::string_view relative_path);

// Runs one payload through a fresh AuditDecoder.
struct Decoded {
  std::vector<rolewatch::rules::RoleEvent> events{};
  rolewatch::stream::DecodeCounters counters{};
};
Decoded decode(std::string_view payload);

}  // namespace support
