#pragma once
// The seed's standing questions, answered from state (snapshot + activation
// history) as rows; rendering (JSON, CSV, table) and HTTP routes are in
// stream/. Rows are sorted (UPN, role, ...) so output is stable.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/assignment.hpp"
#include "state/base/expected.hpp"
#include "state/store.hpp"

namespace rolewatch::state {

// Eligible assignments not activated within `days` before `now`.
struct StaleRow {
  std::string principal_id;
  std::string user_principal_name;
  std::string role_template_id;
  std::string role_display_name;
  std::string directory_scope_id;
  std::string eligible_via;  // group id, empty when direct
  std::optional<Micros> last_activation;
};
struct StaleQuery {
  std::int64_t days = 30;
  Micros now = 0;  // 0: the newest event time in state, else the wall clock
};
struct StaleReport {
  Micros now = 0;  // the reference time actually used
  std::vector<StaleRow> rows;
};
Expected<StaleReport> stale_report(const Store& store, const StaleQuery& query);

// Synchronized (onPremisesSyncEnabled) accounts holding eligible or active
// roles; `include_role` picks roles (the privileged list by default in the CLI).
using RoleFilter = std::function<bool(const Assignment&)>;
struct SyncedRow {
  std::string principal_id;
  std::string user_principal_name;
  std::optional<bool> account_enabled;
  std::string role_template_id;
  std::string role_display_name;
  std::string directory_scope_id;
  AssignmentType assignment_type = AssignmentType::eligible;
  std::string inherited_from;
};
Expected<std::vector<SyncedRow>> synced_report(const Store& store, const RoleFilter& include_role);

// Public IPs (private, loopback, link-local, CGNAT, ULA... skipped) used for
// activations, per principal and role.
struct IpRow {
  std::string principal_id;
  std::string user_principal_name;
  std::string role_template_id;
  std::string role_display_name;
  std::string ip_address;
  Micros first_seen = 0;
  Micros last_seen = 0;
  std::uint64_t activations = 0;
};
Expected<std::vector<IpRow>> ip_report(const Store& store);

// IdentityInfo enrichment: one row per principal holding any role.
struct IdentityRolesRow {
  std::string principal_id;
  std::string user_principal_name;
  std::string principal_type;
  std::optional<bool> on_premises_sync;
  std::vector<std::string> eligible_roles;   // display names, sorted, unique
  std::vector<std::string> permanent_roles;  // active permanent or time-bound
  std::optional<Micros> last_activation;     // any role
};
Expected<std::vector<IdentityRolesRow>> identity_roles(const Store& store);

// False for private (RFC 1918, ULA), loopback, link-local, CGNAT, multicast,
// unspecified and unparseable addresses. Documentation ranges (192.0.2.0/24,
// 198.51.100.0/24, 203.0.113.0/24) count as public: samples use them.
bool is_public_ip(std::string_view address);

}  // namespace rolewatch::state
