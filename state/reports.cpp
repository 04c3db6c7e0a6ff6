#include "state/reports.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <tuple>

#include "state/activation_history.hpp"
#include "state/base/time.hpp"
#include "state/eligibility_snapshot.hpp"

namespace rolewatch::state {
namespace {

constexpr Micros kMicrosPerDay = 86'400LL * 1'000'000;

Micros wall_clock() {
  return state::wall_clock_now();
}

// Groups never activate (their members do), so per-principal reports skip them.
bool is_member_principal(const Assignment& row) {
  return row.principal_type != "Group";
}

std::string role_name(const Assignment& row) {
  return row.role_display_name.empty() ? row.role_template_id : row.role_display_name;
}

// Splits "a\0b\0c" after `prefix`.
std::vector<std::string_view> key_parts(std::string_view key, std::string_view prefix) {
  std::vector<std::string_view> parts;
  key.remove_prefix(prefix.size());
  for (std::size_t pos; (pos = key.find('\0')) != std::string_view::npos;) {
    parts.push_back(key.substr(0, pos));
    key.remove_prefix(pos + 1);
  }
  parts.push_back(key);
  return parts;
}

bool ipv4_public(const unsigned char* a) {
  auto in = [&](unsigned char first, unsigned char mask_bits_second_min, unsigned char second_max) {
    return a[0] == first && a[1] >= mask_bits_second_min && a[1] <= second_max;
  };
  if (a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224) return false;
  if (in(100, 64, 127) || in(169, 254, 254) || in(172, 16, 31) || in(192, 168, 168)) return false;
  if (in(198, 18, 19)) return false;  // benchmarking
  return true;
}

}  // namespace

bool is_public_ip(std::string_view address) {
  std::string text(address);
  unsigned char bytes[16];
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) return ipv4_public(bytes);
  if (inet_pton(AF_INET6, text.c_str(), bytes) != 1) return false;
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped, kMapped + 12, bytes)) return ipv4_public(bytes + 12);
  if (std::all_of(bytes, bytes + 15, [](auto b) { return b == 0; }) && bytes[15] <= 1) {
    return false;  // :: and ::1
  }
  if ((bytes[0] & 0xfe) == 0xfc) return false;                      // fc00::/7 ULA
  if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80) return false;  // fe80::/10
  if (bytes[0] == 0xff) return false;                               // multicast
  return true;
}

Expected<StaleReport> stale_report(const Store& store, const StaleQuery& query) {
  auto snapshot = EligibilitySnapshot::load(store);
  if (!snapshot) return snapshot.error();
  StaleReport report;
  report.now = query.now;
  if (report.now == 0) {
    auto newest = newest_event_time(store);
    if (!newest) return newest.error();
    report.now = *newest != 0 ? *newest : wall_clock();
  }
  const Micros cutoff = report.now - query.days * kMicrosPerDay;
  ActivationHistory history(store);
  for (const auto& row : snapshot->rows()) {
    if (row.type != AssignmentType::eligible || !is_member_principal(row)) continue;
    // Too young to judge, or already expired.
    if (row.start > cutoff || (row.end != 0 && row.end < report.now)) continue;
    auto last = history.last_activation(row.principal_id, row.role_template_id);
    if (!last) return last.error();
    if (*last && (*last)->time >= cutoff) continue;
    report.rows.push_back({row.principal_id, row.user_principal_name, row.role_template_id,
                           role_name(row), row.directory_scope_id, row.inherited_from,
                           *last ? std::optional<Micros>((*last)->time) : std::nullopt});
  }
  std::sort(report.rows.begin(), report.rows.end(), [](const auto& a, const auto& b) {
    return std::tie(a.user_principal_name, a.principal_id, a.role_display_name, a.eligible_via) <
           std::tie(b.user_principal_name, b.principal_id, b.role_display_name, b.eligible_via);
  });
  return report;
}

Expected<std::vector<SyncedRow>> synced_report(const Store& store, const RoleFilter& include_role) {
  auto snapshot = EligibilitySnapshot::load(store);
  if (!snapshot) return snapshot.error();
  std::vector<SyncedRow> rows;
  for (const auto& row : snapshot->rows()) {
    // Standing privilege only: an activation is the use of an eligibility.
    if (row.on_premises_sync != true || row.type == AssignmentType::active_activated) continue;
    if (include_role && !include_role(row)) continue;
    rows.push_back({row.principal_id, row.user_principal_name, row.account_enabled,
                    row.role_template_id, role_name(row), row.directory_scope_id, row.type,
                    row.inherited_from});
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::tie(a.user_principal_name, a.principal_id, a.role_display_name, a.assignment_type) <
           std::tie(b.user_principal_name, b.principal_id, b.role_display_name, b.assignment_type);
  });
  return rows;
}

Expected<std::vector<IpRow>> ip_report(const Store& store) {
  auto snapshot = EligibilitySnapshot::load(store);
  if (!snapshot) return snapshot.error();
  std::vector<IpRow> rows;
  bool corrupt = false;
  auto status = store.scan(Family::activations, "r/", "r0", [&](auto key, auto value) {
    auto parts = key_parts(key, "r/");
    if (parts.size() != 3 || !is_public_ip(parts[2])) return true;
    auto sighting = decode_ip_sighting(value);
    if (!sighting) return !(corrupt = true);
    rows.push_back({std::string(parts[0]), "", std::string(parts[1]), "", std::string(parts[2]),
                    sighting->first_seen, sighting->last_seen, sighting->count});
    return true;
  });
  if (!status) return status.error();
  if (corrupt) return make_error("corrupt IP sighting in activation history");
  ActivationHistory history(store);
  for (auto& row : rows) {
    // Names from the activation itself, else from the snapshot.
    auto last = history.last_activation(row.principal_id, row.role_template_id);
    if (!last) return last.error();
    if (*last) row.user_principal_name = (*last)->user_principal_name;
    if (*last) row.role_display_name = (*last)->role_display_name;
    auto assignments = snapshot->find(row.principal_id, row.role_template_id);
    if (!assignments.empty() && row.role_display_name.empty()) {
      row.role_display_name = assignments.front()->role_display_name;
    }
    if (const auto* any = snapshot->any_of_principal(row.principal_id);
        any && row.user_principal_name.empty()) {
      row.user_principal_name = any->user_principal_name;
    }
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::tie(a.user_principal_name, a.principal_id, a.role_display_name, a.ip_address) <
           std::tie(b.user_principal_name, b.principal_id, b.role_display_name, b.ip_address);
  });
  return rows;
}

Expected<std::vector<IdentityRolesRow>> identity_roles(const Store& store) {
  auto snapshot = EligibilitySnapshot::load(store);
  if (!snapshot) return snapshot.error();
  std::map<std::string, IdentityRolesRow> by_principal;
  std::map<std::string, std::pair<std::set<std::string>, std::set<std::string>>> roles;
  for (const auto& row : snapshot->rows()) {
    if (!is_member_principal(row) || row.type == AssignmentType::active_activated) continue;
    auto& entry = by_principal[row.principal_id];
    entry.principal_id = row.principal_id;
    if (entry.user_principal_name.empty()) entry.user_principal_name = row.user_principal_name;
    entry.principal_type = row.principal_type;
    if (row.on_premises_sync) entry.on_premises_sync = row.on_premises_sync;
    auto& [eligible, permanent] = roles[row.principal_id];
    (row.type == AssignmentType::eligible ? eligible : permanent).insert(role_name(row));
  }
  std::vector<IdentityRolesRow> rows;
  for (auto& item : by_principal) {
    // Not a structured binding: the scan's lambda captures `entry`, which
    // clang 14 (the fuzz preset) refuses for a binding.
    const auto& id = item.first;
    auto& entry = item.second;
    entry.eligible_roles.assign(roles[id].first.begin(), roles[id].first.end());
    entry.permanent_roles.assign(roles[id].second.begin(), roles[id].second.end());
    auto prefix = last_activation_key(id, "");  // "l/" id \0
    auto end = prefix;
    end.back() = '\x01';
    auto status = store.scan(Family::activations, prefix, end, [&](auto, auto value) {
      auto last = decode_last_activation(value);
      if (last && (!entry.last_activation || *entry.last_activation < last->time)) {
        entry.last_activation = last->time;
      }
      return true;
    });
    if (!status) return status.error();
    rows.push_back(std::move(entry));
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::tie(a.user_principal_name, a.principal_id) <
           std::tie(b.user_principal_name, b.principal_id);
  });
  return rows;
}

}  // namespace rolewatch::state
