#include "rules/twin_pairing.hpp"

#include "state/base/ascii.hpp"

namespace rolewatch::rules {
namespace {

// The direction of the operation ('r' ends an assignment, 'a' grants one),
// or 0 when it has no twin. PIM ends an active assignment by removal,
// deactivation or expiry and grants one by assignment or activation; Core
// Directory writes each as a member change. Active and eligible are not
// told apart: which Core Directory activity echoes which PIM operation is
// not documented, and pairing still needs a PIM record for the same target
// and role within the twin window.
char operation_family(const RoleEvent& event) {
  const bool pim = event.service == Service::pim;
  if (!pim && event.service != Service::core_directory) return 0;
  switch (event.kind) {
    case Kind::remove_active:
    case Kind::remove_eligible:
      return 'r';
    case Kind::deactivate:
    case Kind::activation_expired:
      return pim ? 'r' : 0;
    case Kind::add_active:
    case Kind::add_eligible:
      return 'a';
    case Kind::activate:
      return pim ? 'a' : 0;
    default:
      return 0;
  }
}

}  // namespace

bool claims_pim(const RoleEvent& event) {
  return event.service == Service::core_directory && event.initiated_by_pim;
}

std::optional<std::string> twin_key(const RoleEvent& event) {
  const char family = operation_family(event);
  if (family == 0 || event.target.id.empty()) return std::nullopt;
  // The template id when the record has one; else the name, as the rules do.
  auto role = event.role.template_id.empty() ? state::ascii_lower(event.role.display_name)
                                             : event.role.template_id;
  if (role.empty()) return std::nullopt;
  std::string key(1, family);
  key += state::ascii_lower(event.target.id);
  key += '\0';
  key += role;
  key += '\0';
  return key;
}

}  // namespace rolewatch::rules
