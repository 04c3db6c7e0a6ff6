#pragma once
// What an audit activity means for rules: every RoleManagement activity name
// that Core Directory and PIM log (docs/reference/audit-log-format.md §5.1, §5.2), mapped to
// a Kind. Names are matched exactly; Microsoft logs them verbatim.
#include <span>
#include <string_view>

#include "rules/role_event.hpp"
#include "state/base/ascii.hpp"

namespace rolewatch::rules {

struct ActivityClass {
  Service service = Service::other;
  Kind kind = Kind::other;
  bool known = false;  // false: the name is not in the catalog (kind is other)
};

struct CatalogEntry {
  std::string_view name;
  Service service;  // the service that logs this name
  Kind kind;
};

// The service named by properties.loggedByService: "Core Directory", "PIM" or
// "Privileged Identity Management"; anything else is other.
Service service_from_logged_by(std::string_view logged_by_service);

// Classifies an activityDisplayName. The service is loggedByService when it
// names one, else the service the catalog lists the activity under.
ActivityClass classify_activity(std::string_view activity, std::string_view logged_by_service);

// Every catalogued activity, sorted by name (for tests and documentation).
std::span<const CatalogEntry> activity_catalog();

// ASCII case-insensitive equality, for the names in audit records that vary
// in case between exports (services, target types, additionalDetails keys).
using state::equals_ignoring_case;

}  // namespace rolewatch::rules
