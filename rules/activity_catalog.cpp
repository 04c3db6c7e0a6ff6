#include "rules/activity_catalog.hpp"

#include <algorithm>
#include <array>

namespace rolewatch::rules {
namespace {

constexpr Service kCore = Service::core_directory;
constexpr Service kPim = Service::pim;

// docs/reference/audit-log-format.md §5.1 (Core Directory, RoleManagement) and §5.2 (all 65
// PIM RoleManagement names). Lifecycle steps that change nothing yet
// (requested, canceled, approved, denied, processed) are `request`; only
// completed changes are adds and removals.
constexpr std::array kEntries = std::to_array<CatalogEntry>({
    // Core Directory: adds.
    {"Add EligibleRoleAssignment to RoleDefinition", kCore, Kind::definition_assignment},
    {"Add eligible member to role", kCore, Kind::add_eligible},
    {"Add member to role", kCore, Kind::add_active},
    {"Add member to role scoped over Restricted Management Administrative Unit", kCore,
     Kind::add_active},
    {"Add role assignment to role definition", kCore, Kind::definition_assignment},
    {"Add role definition", kCore, Kind::other},
    {"Add role from template", kCore, Kind::other},
    {"Add scoped member to role", kCore, Kind::add_active},
    // Core Directory: removals.
    {"Remove EligibleRoleAssignment from RoleDefinition", kCore, Kind::definition_assignment},
    {"Remove eligible member from role", kCore, Kind::remove_eligible},
    {"Remove member from role", kCore, Kind::remove_active},
    {"Remove member from role scoped over Restricted Management Administrative Unit", kCore,
     Kind::remove_active},
    {"Remove role assignment from role definition", kCore, Kind::definition_assignment},
    {"Remove scoped member from role", kCore, Kind::remove_active},
    {"Delete role definition", kCore, Kind::other},
    // Core Directory: updates.
    {"Update role", kCore, Kind::other},
    {"Update role definition", kCore, Kind::other},

    // PIM: eligible add.
    {"Add eligible member to role in PIM canceled (permanent)", kPim, Kind::request},
    {"Add eligible member to role in PIM canceled (renew)", kPim, Kind::request},
    {"Add eligible member to role in PIM canceled (timebound)", kPim, Kind::request},
    {"Add eligible member to role in PIM completed (permanent)", kPim, Kind::add_eligible},
    {"Add eligible member to role in PIM completed (timebound)", kPim, Kind::add_eligible},
    {"Add eligible member to role in PIM requested (permanent)", kPim, Kind::request},
    {"Add eligible member to role in PIM requested (renew)", kPim, Kind::request},
    {"Add eligible member to role in PIM requested (timebound)", kPim, Kind::request},
    // PIM: active add.
    {"Add member to role in PIM canceled (renew)", kPim, Kind::request},
    {"Add member to role in PIM canceled (timebound)", kPim, Kind::request},
    {"Add member to role in PIM completed (permanent)", kPim, Kind::add_active},
    {"Add member to role in PIM completed (timebound)", kPim, Kind::add_active},
    {"Add member to role in PIM requested (permanent)", kPim, Kind::request},
    {"Add member to role in PIM requested (renew)", kPim, Kind::request},
    {"Add member to role in PIM requested (timebound)", kPim, Kind::request},
    {"Add member to role outside of PIM (permanent)", kPim, Kind::add_active},
    // PIM: activation.
    {"Add member to role approval requested (PIM activation)", kPim, Kind::request},
    {"Add member to role canceled (PIM activation)", kPim, Kind::request},
    {"Add member to role completed (PIM activation)", kPim, Kind::activate},
    {"Add member to role request approved (PIM activation)", kPim, Kind::request},
    {"Add member to role request denied (PIM activation)", kPim, Kind::request},
    {"Add member to role requested (PIM activation)", kPim, Kind::request},
    {"PIM activation request expired", kPim, Kind::request},
    // PIM: deactivation and expiry (lifecycle noise, never a removal).
    {"Remove member from role (PIM activation expired)", kPim, Kind::activation_expired},
    {"Remove member from role completed (PIM deactivate)", kPim, Kind::deactivate},
    {"Remove member from role requested (PIM deactivate)", kPim, Kind::request},
    // PIM: eligible removal.
    {"Remove eligible member from role in PIM completed (permanent)", kPim, Kind::remove_eligible},
    {"Remove eligible member from role in PIM completed (timebound)", kPim, Kind::remove_eligible},
    {"Remove eligible member from role in PIM requested (permanent)", kPim, Kind::request},
    {"Remove eligible member from role in PIM requested (timebound)", kPim, Kind::request},
    {"Remove permanent eligible role assignment", kPim, Kind::remove_eligible},
    // PIM: active removal.
    {"Remove member from role in PIM completed (permanent)", kPim, Kind::remove_active},
    {"Remove member from role in PIM completed (timebound)", kPim, Kind::remove_active},
    {"Remove member from role in PIM requested (permanent)", kPim, Kind::request},
    {"Remove member from role in PIM requested (timebound)", kPim, Kind::request},
    {"Remove permanent direct role assignment", kPim, Kind::remove_active},
    // PIM: other. Request handling is `request`; note "Remove request" removes
    // a request, not a role.
    {"Cancel request for role removal", kPim, Kind::request},
    {"Cancel request for role update", kPim, Kind::request},
    {"Deactivate PIM alert", kPim, Kind::other},
    {"Disable PIM alert", kPim, Kind::other},
    {"Enable PIM alert", kPim, Kind::other},
    {"Offboarded resource from PIM", kPim, Kind::other},
    {"Onboarded resource from PIM", kPim, Kind::other},
    {"PIM policy removed", kPim, Kind::other},
    {"Process request", kPim, Kind::request},
    {"Process role removal request", kPim, Kind::request},
    {"Process role update request", kPim, Kind::request},
    {"Refresh PIM alert", kPim, Kind::other},
    {"Remove request", kPim, Kind::request},
    {"Resolve PIM alert", kPim, Kind::other},
    {"Restore eligible member from role in PIM completed", kPim, Kind::other},
    {"Restore member from role", kPim, Kind::other},
    {"Restore member from role in PIM completed", kPim, Kind::other},
    {"Restore permanent direct role assignment", kPim, Kind::other},
    {"Restore permanent eligible role assignment", kPim, Kind::other},
    {"Tenant offboarded from PIM", kPim, Kind::other},
    {"Triggered PIM alert", kPim, Kind::other},
    {"Update PIM alert setting", kPim, Kind::other},
    {"Update eligible member in PIM canceled (extend)", kPim, Kind::request},
    {"Update eligible member in PIM requested (extend)", kPim, Kind::request},
    {"Update member in PIM approved by admin (extend/renew)", kPim, Kind::request},
    {"Update member in PIM canceled (extend)", kPim, Kind::request},
    {"Update member in PIM denied by admin (extend/renew)", kPim, Kind::request},
    {"Update member in PIM requested (extend)", kPim, Kind::request},
    {"Update role setting in PIM", kPim, Kind::other},
});

bool by_name(const CatalogEntry& a, const CatalogEntry& b) {
  return a.name < b.name;
}

// Sorted once, on first use (thread-safe static initialization).
const std::array<CatalogEntry, kEntries.size()>& sorted_entries() {
  static const auto sorted = [] {
    auto copy = kEntries;
    std::sort(copy.begin(), copy.end(), by_name);
    return copy;
  }();
  return sorted;
}

}  // namespace

Service service_from_logged_by(std::string_view logged_by_service) {
  if (equals_ignoring_case(logged_by_service, "Core Directory")) return Service::core_directory;
  if (equals_ignoring_case(logged_by_service, "PIM") ||
      equals_ignoring_case(logged_by_service, "Privileged Identity Management")) {
    return Service::pim;
  }
  return Service::other;
}

ActivityClass classify_activity(std::string_view activity, std::string_view logged_by_service) {
  ActivityClass result;
  result.service = service_from_logged_by(logged_by_service);
  const auto& entries = sorted_entries();
  const auto it = std::lower_bound(entries.begin(), entries.end(),
                                   CatalogEntry{activity, Service::other, Kind::other}, by_name);
  if (it == entries.end() || it->name != activity) return result;
  result.kind = it->kind;
  result.known = true;
  if (result.service == Service::other) result.service = it->service;
  return result;
}

std::span<const CatalogEntry> activity_catalog() {
  return sorted_entries();
}

}  // namespace rolewatch::rules
