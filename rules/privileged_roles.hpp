#pragma once
// Entra roles carrying Microsoft's PRIVILEGED label (permissions reference,
// ms.date 01/20/2026; docs/reference/audit-log-format.md §10), by template id.
#include <span>
#include <string_view>

namespace rolewatch::rules {

struct PrivilegedRole {
  std::string_view template_id;
  std::string_view display_name;
};

std::span<const PrivilegedRole> privileged_roles();

// By template id (lower-case GUID); when the id is empty, by display name,
// including GA's legacy name "Company Administrator".
bool is_privileged_role(std::string_view template_id, std::string_view display_name = {});

}  // namespace rolewatch::rules
