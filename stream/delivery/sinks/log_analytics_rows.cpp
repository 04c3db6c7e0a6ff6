// One alert revision as a row of the RolewatchAlerts_CL table.
#include "stream/delivery/sinks/log_analytics_rows.hpp"

#include <array>

#include "state/base/time.hpp"
#include "stream/delivery/sink.hpp"

namespace rolewatch::stream {
namespace {

using nlohmann::json;

constexpr std::array<LogColumn, 26> kColumns{{
    {"TimeGenerated", "datetime"},
    {"AlertId", "string"},
    {"Revision", "int"},
    {"Status", "string"},
    {"DeliveryId", "string"},
    {"RuleId", "string"},
    {"Title", "string"},
    {"Severity", "string"},
    {"MitreTactic", "string"},
    {"MitreTechnique", "string"},
    {"EntraTenantId", "string"},
    {"ActorType", "string"},
    {"ActorId", "string"},
    {"ActorUserPrincipalName", "string"},
    {"ActorDisplayName", "string"},
    {"ActorIpAddress", "string"},
    {"RemovalCount", "int"},
    {"FailedCount", "int"},
    {"Threshold", "int"},
    {"Window", "string"},
    {"FirstSeen", "datetime"},
    {"LastSeen", "datetime"},
    {"DetectedAt", "datetime"},
    {"Targets", "dynamic"},
    {"Removals", "dynamic"},
    {"IsTest", "boolean"},
}};

// A string field, or null when absent or not a string.
json text(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? *it : json();
}

json count(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_unsigned() ? *it : json();
}

json time_generated(const json& alert) {
  for (const char* key : {"updatedAt", "detectedAt"}) {
    if (auto value = text(alert, key); value.is_string()) return value;
  }
  return state::format_event_time(state::wall_clock_now());
}

// Who lost a role, in removal order: the UPN, else the object id.
json targets(const json& removals) {
  json list = json::array();
  for (const auto& removal : removals) {
    if (!removal.is_object()) continue;
    auto target = removal.value("target", json::object());
    if (!target.is_object()) continue;
    auto upn = text(target, "userPrincipalName");
    list.push_back(upn.is_string() ? upn : text(target, "id"));
  }
  return list;
}

void add_actor(json& row, const json& alert) {
  auto actor = alert.value("actor", json::object());
  if (!actor.is_object()) actor = json::object();
  row["ActorType"] = text(actor, "type");
  row["ActorId"] = text(actor, "id");
  row["ActorUserPrincipalName"] = text(actor, "userPrincipalName");
  row["ActorDisplayName"] = text(actor, "displayName");
  row["ActorIpAddress"] = text(actor, "ipAddress");
}

}  // namespace

std::span<const LogColumn> log_analytics_columns() {
  return kColumns;
}

json log_analytics_row(const json& document, std::string_view alert_id) {
  static const json kEmpty = json::object();
  const json& alert = document.is_object() ? document : kEmpty;
  auto revision = revision_of(alert);
  auto mitre = alert.value("mitre", json::object());
  if (!mitre.is_object()) mitre = json::object();
  auto removals = alert.value("removals", json::array());
  if (!removals.is_array()) removals = json::array();
  json row = {
      {"TimeGenerated", time_generated(alert)},
      {"AlertId", std::string(alert_id)},
      {"Revision", revision.number},
      {"Status", std::string(to_string(revision.status))},
      {"DeliveryId", delivery_id(alert, alert_id)},
      {"RuleId", text(alert, "rule")},
      {"Title", text(alert, "title")},
      {"Severity", text(alert, "severity")},
      {"MitreTactic", text(mitre, "tactic")},
      {"MitreTechnique", text(mitre, "technique")},
      {"EntraTenantId", text(alert, "tenantId")},
  };
  add_actor(row, alert);
  row["RemovalCount"] = count(alert, "count");
  row["FailedCount"] = count(alert, "failedCount");
  row["Threshold"] = count(alert, "threshold");
  row["Window"] = text(alert, "window");
  row["FirstSeen"] = text(alert, "firstSeen");
  row["LastSeen"] = text(alert, "lastSeen");
  row["DetectedAt"] = text(alert, "detectedAt");
  row["Targets"] = targets(removals);
  row["Removals"] = std::move(removals);
  auto test = alert.find("test");
  row["IsTest"] = test != alert.end() && test->is_boolean() && test->get<bool>();
  return row;
}

std::string serialise_row(const json& row) {
  return row.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace rolewatch::stream
