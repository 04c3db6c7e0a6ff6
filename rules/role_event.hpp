#pragma once
// The normalized role change: what the decoder makes of one RoleManagement
// audit record, and all the rules ever see. Plain data, owned strings.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rolewatch::rules {

// Microseconds since the Unix epoch, UTC. 0 means "not present".
using EventTime = std::int64_t;

enum class Service { core_directory, pim, other };

enum class Kind {
  remove_active,
  remove_eligible,
  add_active,
  add_eligible,
  activate,
  deactivate,
  activation_expired,
  request,
  // Core Directory records about the role definition's assignment objects
  // (`Remove role assignment from role definition`, `... EligibleRoleAssignment
  // ... RoleDefinition`). docs/design.md §3 counts the member-level records of a
  // removal; these are kept apart so a rule opts in to them explicitly.
  definition_assignment,
  other,  // last: kinds index arrays up to `other`
};

enum class Outcome { success, failure };

enum class ActorType { user, service_principal, unknown };

struct Actor {
  ActorType type = ActorType::unknown;
  std::string id;                   // user object id or service principal id
  std::string user_principal_name;  // users only
  std::string display_name;
  std::string ip_address;  // empty when absent or "<null>"
};

struct Principal {
  std::string id;
  std::string user_principal_name;
  std::string type;  // "User", "ServicePrincipal", "Group", ...
};

struct Role {
  std::string template_id;  // lower-case GUID; empty when the record has none
  std::string display_name;
};

struct RoleEvent {
  std::string audit_id;  // properties.id
  EventTime time = 0;    // properties.activityDateTime
  std::string activity;  // properties.activityDisplayName
  Service service = Service::other;
  Kind kind = Kind::other;
  Outcome result = Outcome::success;
  std::string result_reason;
  Actor actor;
  // True for Core Directory records that PIM itself performed (initiator app
  // "MS-PIM"): twins of a PIM record, never attributed to MS-PIM.
  bool initiated_by_pim = false;
  Principal target;
  Role role;
  std::string justification;
  EventTime activation_start = 0;
  EventTime activation_expiry = 0;
  std::string ip_address;  // best client IP: PIM ipaddr, else initiator IP
  std::string tenant_id;
  bool mfa = false;  // PIM IsAuthenticatedWithMfa == True
};

// Names used in alert JSON and rule YAML:
// Service: "Core Directory", "PIM", "other".
// Kind: "remove-active", "remove-eligible", "add-active", "add-eligible", "activate",
//       "deactivate", "activation-expired", "request", "other".
// Outcome: "success", "failure".  ActorType: "user", "servicePrincipal", "unknown".
std::string_view to_string(Service service);
std::string_view to_string(Kind kind);
std::string_view to_string(Outcome outcome);
std::string_view to_string(ActorType type);

// Inverse of to_string for Kind and Service, for rule definitions: case and
// '-'/'_'/' ' are not significant ("remove-active" == "remove_active").
// Service also accepts "Privileged Identity Management". nullopt if unknown.
std::optional<Kind> kind_from_string(std::string_view text);
std::optional<Service> service_from_string(std::string_view text);

}  // namespace rolewatch::rules
