#include "state/directory/graph_directory.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "state/base/ascii.hpp"
#include "state/base/time.hpp"
#include "state/eligibility_snapshot.hpp"

namespace rolewatch::state {
namespace {

using nlohmann::json;

constexpr const char* kEligibilityPath =
    "/roleManagement/directory/roleEligibilitySchedules?$expand=roleDefinition,principal";
constexpr const char* kAssignmentPath =
    "/roleManagement/directory/roleAssignmentSchedules?$expand=roleDefinition,principal";
constexpr const char* kUserSelect =
    "?$select=id,userPrincipalName,onPremisesSyncEnabled,accountEnabled";

std::string str(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "#microsoft.graph.user" -> "User"; unknown types keep their name.
std::string principal_type(const json& principal) {
  auto type = ascii_lower(str(principal, "@odata.type"));
  if (type == "#microsoft.graph.user") return "User";
  if (type == "#microsoft.graph.group") return "Group";
  if (type == "#microsoft.graph.serviceprincipal") return "ServicePrincipal";
  if (type == "#microsoft.graph.device") return "Device";
  return type.empty() ? "User" : str(principal, "@odata.type");
}

// ISO 8601 durations as PIM writes them ("PT8H", "P365D", "P1DT12H").
Micros parse_duration(std::string_view text) {
  if (text.empty() || text[0] != 'P') return 0;
  Micros seconds = 0, number = 0;
  bool in_time = false;
  for (char c : text.substr(1)) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      number = number * 10 + (c - '0');
      continue;
    }
    switch (c) {
      case 'T':
        in_time = true;
        continue;
      case 'W':
        seconds += number * 7 * 86400;
        break;
      case 'D':
        seconds += number * 86400;
        break;
      case 'H':
        seconds += number * 3600;
        break;
      case 'M':
        seconds += in_time ? number * 60 : number * 30 * 86400;
        break;
      case 'S':
        seconds += number;
        break;
      default:
        return 0;
    }
    number = 0;
  }
  return seconds * 1'000'000;
}

// Statuses of schedules that grant nothing (yet or any more).
bool grants_nothing(const std::string& status) {
  static const std::set<std::string> kInactive{"Canceled",
                                               "Denied",
                                               "Failed",
                                               "Revoked",
                                               "PendingApproval",
                                               "PendingAdminDecision",
                                               "PendingProvisioning",
                                               "PendingScheduleCreation"};
  return kInactive.contains(status);
}

struct Schedule {
  json principal;
  Assignment row;  // principal fields filled for direct principals
};

Schedule to_schedule(const json& item, bool eligibility) {
  Schedule schedule;
  auto& row = schedule.row;
  schedule.principal = item.value("principal", json::object());
  if (!schedule.principal.is_object()) schedule.principal = json::object();
  row.principal_id = ascii_lower(str(item, "principalId"));
  row.principal_type = principal_type(schedule.principal);
  row.user_principal_name = str(schedule.principal, "userPrincipalName");
  const auto definition = item.value("roleDefinition", json::object());
  auto template_id = definition.is_object() ? str(definition, "templateId") : std::string();
  row.role_template_id =
      ascii_lower(template_id.empty() ? str(item, "roleDefinitionId") : template_id);
  row.role_display_name = definition.is_object() ? str(definition, "displayName") : std::string();
  if (auto scope = str(item, "directoryScopeId"); !scope.empty()) row.directory_scope_id = scope;
  const auto info = item.value("scheduleInfo", json::object());
  const auto expiration = info.is_object() ? info.value("expiration", json::object()) : json();
  row.start = info.is_object() ? state::parse_time_or_zero(str(info, "startDateTime")) : 0;
  auto expiry_type = expiration.is_object() ? str(expiration, "type") : std::string();
  if (expiry_type == "afterDateTime")
    row.end = state::parse_time_or_zero(str(expiration, "endDateTime"));
  if (expiry_type == "afterDuration" && row.start != 0) {
    row.end = row.start + parse_duration(str(expiration, "duration"));
  }
  if (eligibility) {
    row.type = AssignmentType::eligible;
  } else if (str(item, "assignmentType") == "Activated") {
    row.type = AssignmentType::active_activated;
  } else {
    row.type = row.end == 0 ? AssignmentType::active_permanent : AssignmentType::active_timebound;
  }
  return schedule;
}

class Flattener {
 public:
  explicit Flattener(GraphClient& graph) : graph_(graph) {}

  Status add_schedules(const char* path, bool eligibility, std::uint64_t& count) {
    auto items = graph_.get_all(path);
    if (!items) return items.error();
    count = items->size();
    for (const auto& item : *items) {
      if (!item.is_object() || grants_nothing(str(item, "status"))) continue;
      auto schedule = to_schedule(item, eligibility);
      if (schedule.row.principal_id.empty() || schedule.row.role_template_id.empty()) continue;
      if (schedule.row.principal_type == "Group") {
        if (auto status = add_group_members(schedule.row); !status) return status;
      } else {
        rows_.push_back(std::move(schedule.row));
      }
    }
    return ok();
  }

  Status fill_users(std::uint64_t& count) {
    std::vector<std::string> ids;
    for (const auto& row : rows_) {
      if (row.principal_type == "User") ids.push_back(row.principal_id);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::vector<std::string> urls;
    for (const auto& id : ids) urls.push_back("/users/" + id + kUserSelect);
    auto bodies = graph_.batch_get(urls);
    if (!bodies) return bodies.error();
    std::map<std::string, json> users;
    for (std::size_t i = 0; i < ids.size(); ++i) users[ids[i]] = std::move((*bodies)[i]);
    for (auto& row : rows_) apply_user(row, users);
    count = ids.size();
    return ok();
  }

  std::uint64_t groups() const { return members_.size(); }
  std::vector<Assignment> take_rows() { return std::move(rows_); }

 private:
  // Role-assignable groups cannot nest (Entra refuses it), but transitive
  // members are read anyway so that nothing is missed if that ever changes.
  Status add_group_members(const Assignment& group_row) {
    auto& members = members_[group_row.principal_id];
    if (!members) {
      auto fetched = graph_.get_all("/groups/" + group_row.principal_id + "/transitiveMembers");
      if (!fetched) return fetched.error();
      members = std::move(*fetched);
    }
    for (const auto& member : *members) {
      auto type = principal_type(member);
      if (type != "User" && type != "ServicePrincipal") continue;  // nested groups, devices
      Assignment row = group_row;
      row.principal_id = ascii_lower(str(member, "id"));
      row.principal_type = type;
      row.user_principal_name = str(member, "userPrincipalName");
      row.inherited_from = group_row.principal_id;
      if (!row.principal_id.empty()) rows_.push_back(std::move(row));
    }
    return ok();
  }

  // A user read with $select: onPremisesSyncEnabled is null for cloud-only
  // accounts (so false), and stays unknown only when the user was not found.
  static void apply_user(Assignment& row, const std::map<std::string, json>& users) {
    auto it = users.find(row.principal_id);
    if (it == users.end() || !it->second.is_object()) return;
    const auto& user = it->second;
    if (auto upn = str(user, "userPrincipalName"); !upn.empty()) row.user_principal_name = upn;
    auto sync = user.value("onPremisesSyncEnabled", json());
    row.on_premises_sync = sync.is_boolean() && sync.get<bool>();
    if (auto enabled = user.value("accountEnabled", json()); enabled.is_boolean()) {
      row.account_enabled = enabled.get<bool>();
    }
  }

  GraphClient& graph_;
  std::vector<Assignment> rows_;
  std::map<std::string, std::optional<std::vector<json>>> members_;
};

bool row_less(const Assignment& a, const Assignment& b) {
  return std::tie(a.principal_id, a.role_template_id, a.directory_scope_id, a.type,
                  a.inherited_from) < std::tie(b.principal_id, b.role_template_id,
                                               b.directory_scope_id, b.type, b.inherited_from);
}

}  // namespace

Expected<FetchResult> fetch_directory_assignments(GraphClient& graph) {
  FetchResult result;
  Flattener flattener(graph);
  auto& counts = result.counts;
  if (auto s = flattener.add_schedules(kEligibilityPath, true, counts.eligibility_schedules); !s) {
    return s.error();
  }
  if (auto s = flattener.add_schedules(kAssignmentPath, false, counts.assignment_schedules); !s) {
    return s.error();
  }
  if (auto s = flattener.fill_users(counts.users); !s) return s.error();
  counts.groups = flattener.groups();
  result.rows = flattener.take_rows();
  std::sort(result.rows.begin(), result.rows.end(), row_less);
  counts.rows = result.rows.size();
  return result;
}

Expected<RefreshOutcome> refresh_eligibility(Store& store, GraphClient& graph, Micros now) {
  auto started = std::chrono::steady_clock::now();
  auto fetched = fetch_directory_assignments(graph);
  if (!fetched) return fetched.error();
  auto info = write_snapshot(store, fetched->rows, SnapshotInfo{0, now, "graph", 0});
  if (!info) return info.error();
  auto elapsed = std::chrono::steady_clock::now() - started;
  return RefreshOutcome{*info, fetched->counts,
                        std::chrono::duration_cast<std::chrono::milliseconds>(elapsed)};
}

}  // namespace rolewatch::state
