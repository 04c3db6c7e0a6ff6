#include "rules/alert.hpp"

#include "state/base/time.hpp"

namespace rolewatch::rules {
namespace {

using nlohmann::json;

json optional_string(std::string_view text) {
  return text.empty() ? json() : json(std::string(text));
}

std::string string_or_empty(const json& value) {
  return value.is_string() ? value.get<std::string>() : std::string();
}

EventTime time_or_zero(const json& value) {
  if (!value.is_string()) return 0;
  return state::parse_event_time(value.get<std::string>()).value_or(0);
}

json removal_json(const Removal& removal) {
  return {
      {"auditId", removal.audit_id},
      {"time", state::format_event_time(removal.time)},
      {"activity", removal.activity},
      {"service", to_string(removal.service)},
      {"result", to_string(removal.result)},
      {"target",
       {{"id", removal.target.id},
        {"userPrincipalName", optional_string(removal.target.user_principal_name)},
        {"type", removal.target.type}}},
      {"role",
       {{"templateId", optional_string(removal.role.template_id)},
        {"displayName", optional_string(removal.role.display_name)}}},
  };
}

Removal removal_from_json(const json& doc) {
  Removal removal;
  removal.audit_id = string_or_empty(doc.value("auditId", json()));
  removal.time = time_or_zero(doc.value("time", json()));
  removal.activity = string_or_empty(doc.value("activity", json()));
  removal.service = doc.value("service", "") == "PIM" ? Service::pim : Service::core_directory;
  removal.result = doc.value("result", "") == "failure" ? Outcome::failure : Outcome::success;
  const auto& target = doc.value("target", json::object());
  removal.target = {string_or_empty(target.value("id", json())),
                    string_or_empty(target.value("userPrincipalName", json())),
                    string_or_empty(target.value("type", json()))};
  const auto& role = doc.value("role", json::object());
  removal.role = {string_or_empty(role.value("templateId", json())),
                  string_or_empty(role.value("displayName", json()))};
  return removal;
}

AlertStatus status_from_string(std::string_view text) {
  if (text == "updated") return AlertStatus::updated;
  if (text == "closed") return AlertStatus::closed;
  return AlertStatus::firing;
}

}  // namespace

std::string_view to_string(AlertStatus status) {
  switch (status) {
    case AlertStatus::updated:
      return "updated";
    case AlertStatus::closed:
      return "closed";
    case AlertStatus::firing:
      break;
  }
  return "firing";
}

json heading_json(const AlertHeading& h) {
  return {
      {"schema", "rolewatch.alert.v1"},
      {"id", h.id},
      {"rule", h.rule},
      {"title", h.title},
      {"severity", h.severity},
      {"mitre", {{"tactic", h.mitre_tactic}, {"technique", h.mitre_technique}}},
      {"tenantId", optional_string(h.tenant_id)},
      {"actor",
       {{"type", to_string(h.actor.type)},
        {"id", optional_string(h.actor.id)},
        {"userPrincipalName", optional_string(h.actor.user_principal_name)},
        {"displayName", optional_string(h.actor.display_name)},
        {"ipAddress", optional_string(h.actor_ip)}}},
  };
}

json to_json(const Alert& alert) {
  json removals = json::array();
  std::uint32_t failed = 0;
  for (const auto& removal : alert.removals) {
    removals.push_back(removal_json(removal));
    if (removal.result == Outcome::failure) ++failed;
  }
  auto doc =
      heading_json({alert.id, alert.rule, alert.title, alert.severity, alert.mitre_tactic,
                    alert.mitre_technique, alert.tenant_id, alert.actor, alert.actor.ip_address});
  doc["status"] = to_string(alert.status);
  doc["revision"] = alert.revision;
  doc["count"] = alert.count;
  doc["failedCount"] = failed;
  doc["threshold"] = alert.threshold;
  doc["window"] = state::format_iso_duration(alert.window_seconds);
  doc["firstSeen"] = state::format_event_time(alert.first_seen);
  doc["lastSeen"] = state::format_event_time(alert.last_seen);
  doc["detectedAt"] = state::format_event_time(alert.detected_at);
  doc["updatedAt"] =
      state::format_event_time(alert.updated_at ? alert.updated_at : alert.detected_at);
  doc["removals"] = std::move(removals);
  return doc;
}

Alert alert_from_json(const json& doc) {
  Alert alert;
  alert.id = string_or_empty(doc.value("id", json()));
  alert.rule = string_or_empty(doc.value("rule", json()));
  alert.status = status_from_string(doc.value("status", ""));
  alert.revision = doc.value("revision", 1u);
  alert.title = string_or_empty(doc.value("title", json()));
  alert.severity = string_or_empty(doc.value("severity", json()));
  const auto& mitre = doc.value("mitre", json::object());
  alert.mitre_tactic = string_or_empty(mitre.value("tactic", json()));
  alert.mitre_technique = string_or_empty(mitre.value("technique", json()));
  alert.tenant_id = string_or_empty(doc.value("tenantId", json()));
  const auto& actor = doc.value("actor", json::object());
  alert.actor.type = actor.value("type", "") == "servicePrincipal" ? ActorType::service_principal
                                                                   : ActorType::user;
  alert.actor.id = string_or_empty(actor.value("id", json()));
  alert.actor.user_principal_name = string_or_empty(actor.value("userPrincipalName", json()));
  alert.actor.display_name = string_or_empty(actor.value("displayName", json()));
  alert.actor.ip_address = string_or_empty(actor.value("ipAddress", json()));
  alert.count = doc.value("count", 0u);
  alert.threshold = doc.value("threshold", 0u);
  alert.window_seconds = state::parse_duration_seconds(doc.value("window", "")).value_or(0);
  alert.first_seen = time_or_zero(doc.value("firstSeen", json()));
  alert.last_seen = time_or_zero(doc.value("lastSeen", json()));
  alert.detected_at = time_or_zero(doc.value("detectedAt", json()));
  alert.updated_at = time_or_zero(doc.value("updatedAt", json()));
  for (const auto& removal : doc.value("removals", json::array())) {
    alert.removals.push_back(removal_from_json(removal));
  }
  return alert;
}

}  // namespace rolewatch::rules
