#pragma once
// One flattened role assignment of the eligibility snapshot: who (a user or
// service principal, never a group: group assignments are flattened to their
// members), which directory role, how (eligible / active), and through which
// group if inherited. Plain data shared by the Graph client, the CSV import,
// the snapshot store, the reports and (read-only) the activation labeller.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/base/time.hpp"

namespace rolewatch::state {

enum class AssignmentType {
  eligible,          // PIM eligibility: may activate
  active_permanent,  // standing assignment without expiry ("Assigned", noExpiration)
  active_timebound,  // standing assignment with an end date ("Assigned", afterDateTime)
  active_activated,  // a current JIT activation ("Activated")
};

// "Eligible", "ActivePermanent", "ActiveTimebound", "ActiveActivated".
std::string_view to_string(AssignmentType type);
// Also accepts the seed's and Graph's spellings: "Assigned", "Active",
// "Activated", "Permanent"; case-insensitive. nullopt if unknown.
std::optional<AssignmentType> assignment_type_from_string(std::string_view text);

struct Assignment {
  std::string principal_id;              // user / service principal object id
  std::string principal_type;            // "User", "ServicePrincipal"
  std::string user_principal_name;       // empty when unknown
  std::optional<bool> on_premises_sync;  // nullopt: unknown
  std::optional<bool> account_enabled;   // nullopt: unknown
  std::string role_template_id;          // lower-case GUID
  std::string role_display_name;
  std::string directory_scope_id = "/";
  std::string inherited_from;  // group id when assigned through a group, else empty
  AssignmentType type = AssignmentType::eligible;
  Micros start = 0;  // schedule start, 0 unknown
  Micros end = 0;    // schedule end, 0 none / unknown

  bool active_at(Micros time) const {
    return (start == 0 || time >= start) && (end == 0 || time <= end);
  }
  friend bool operator==(const Assignment&, const Assignment&) = default;
};

// What produced a snapshot, and when.
struct SnapshotInfo {
  std::uint64_t generation = 0;
  Micros fetched_at = 0;  // when the directory was read (Graph) or the CSV's as-of time
  std::string source;     // "graph" or "csv:<file name>"
  std::uint64_t assignments = 0;
};

// Read-only view the activation labeller uses (implemented by
// EligibilitySnapshot; tests may implement it with plain maps).
class EligibilityLookup {
 public:
  virtual ~EligibilityLookup() = default;
  // Every assignment of `role_template_id` held by `principal_id`, directly or
  // through a group; empty if none.
  virtual std::vector<const Assignment*> find(std::string_view principal_id,
                                              std::string_view role_template_id) const = 0;
  // Any assignment row of the principal (for its UPN / sync flag), or null.
  virtual const Assignment* any_of_principal(std::string_view principal_id) const = 0;
  // nullopt when no snapshot has been loaded at all.
  virtual std::optional<SnapshotInfo> info() const = 0;
};

}  // namespace rolewatch::state
