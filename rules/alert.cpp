#include "rules/alert.hpp"

#include "state/base/time.hpp"

namespace rolewatch::rules {
namespace {

using nlohmann::json;

std::string string_or_empty(const json& value) {
  return value.is_string() ? value.get<std::string>() : std::string();
}

EventTime time_or_zero(const json& value) {
  if (!value.is_string()) return 0;
  return state::parse_event_time(value.get<std::string>()).value_or(0);
}

void write_removal(state::JsonWriter& out, const Removal& removal) {
  out.begin_object();
  out.key("activity").string(removal.activity);
  out.key("auditId").string(removal.audit_id);
  out.key("result").string(to_string(removal.result));
  out.key("role").begin_object();
  out.key("displayName").string_or_null(removal.role.display_name);
  out.key("templateId").string_or_null(removal.role.template_id);
  out.end_object();
  out.key("service").string(to_string(removal.service));
  out.key("target").begin_object();
  out.key("id").string(removal.target.id);
  out.key("type").string(removal.target.type);
  out.key("userPrincipalName").string_or_null(removal.target.user_principal_name);
  out.end_object();
  out.key("time").string(state::format_event_time(removal.time));
  out.end_object();
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

void write_actor(state::JsonWriter& out, const Actor& actor, std::string_view ip_address) {
  out.begin_object();
  out.key("displayName").string_or_null(actor.display_name);
  out.key("id").string_or_null(actor.id);
  out.key("ipAddress").string_or_null(ip_address);
  out.key("type").string(to_string(actor.type));
  out.key("userPrincipalName").string_or_null(actor.user_principal_name);
  out.end_object();
}

void write_mitre(state::JsonWriter& out, std::string_view tactic, std::string_view technique) {
  out.begin_object().key("tactic").string(tactic).key("technique").string(technique).end_object();
}

std::string to_text(const Alert& alert) {
  std::uint64_t failed = 0;
  for (const auto& removal : alert.removals) failed += removal.result == Outcome::failure;
  state::JsonWriter out;
  out.begin_object();
  out.key("actor");
  write_actor(out, alert.actor, alert.actor.ip_address);
  out.key("count").number(std::uint64_t{alert.count});
  out.key("detectedAt").string(state::format_event_time(alert.detected_at));
  out.key("failedCount").number(failed);
  out.key("firstSeen").string(state::format_event_time(alert.first_seen));
  out.key("id").string(alert.id);
  out.key("lastSeen").string(state::format_event_time(alert.last_seen));
  out.key("mitre");
  write_mitre(out, alert.mitre_tactic, alert.mitre_technique);
  out.key("removals").begin_array();
  for (const auto& removal : alert.removals) write_removal(out.element(), removal);
  out.end_array();
  out.key("revision").number(std::uint64_t{alert.revision});
  out.key("rule").string(alert.rule);
  out.key("schema").string("rolewatch.alert.v1");
  out.key("severity").string(alert.severity);
  out.key("status").string(to_string(alert.status));
  out.key("tenantId").string_or_null(alert.tenant_id);
  out.key("threshold").number(std::uint64_t{alert.threshold});
  out.key("title").string(alert.title);
  out.key("updatedAt")
      .string(state::format_event_time(alert.updated_at ? alert.updated_at : alert.detected_at));
  out.key("window").string(state::format_iso_duration(alert.window_seconds));
  out.end_object();
  return out.take();
}

json to_json(const Alert& alert) {
  return json::parse(to_text(alert));
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
