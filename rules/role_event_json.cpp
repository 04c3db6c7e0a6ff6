#include "rules/role_event_json.hpp"

namespace rolewatch::rules {
namespace {

using nlohmann::json;

json principal_json(const Principal& p) {
  return {{"id", p.id}, {"upn", p.user_principal_name}, {"type", p.type}};
}

Principal principal_from(const json& j) {
  return {j.at("id").get<std::string>(), j.at("upn").get<std::string>(),
          j.at("type").get<std::string>()};
}

}  // namespace

json event_to_json(const RoleEvent& e) {
  return {
      {"auditId", e.audit_id},
      {"time", e.time},
      {"activity", e.activity},
      {"service", static_cast<int>(e.service)},
      {"kind", static_cast<int>(e.kind)},
      {"result", static_cast<int>(e.result)},
      {"resultReason", e.result_reason},
      {"actor",
       {{"type", static_cast<int>(e.actor.type)},
        {"id", e.actor.id},
        {"upn", e.actor.user_principal_name},
        {"name", e.actor.display_name},
        {"ip", e.actor.ip_address}}},
      {"initiatedByPim", e.initiated_by_pim},
      {"target", principal_json(e.target)},
      {"role", {{"templateId", e.role.template_id}, {"name", e.role.display_name}}},
      {"justification", e.justification},
      {"activationStart", e.activation_start},
      {"activationExpiry", e.activation_expiry},
      {"ip", e.ip_address},
      {"tenantId", e.tenant_id},
      {"mfa", e.mfa},
  };
}

std::optional<RoleEvent> event_from_json(const json& j) {
  try {
    RoleEvent e;
    e.audit_id = j.at("auditId").get<std::string>();
    e.time = j.at("time").get<EventTime>();
    e.activity = j.at("activity").get<std::string>();
    e.service = static_cast<Service>(j.at("service").get<int>());
    e.kind = static_cast<Kind>(j.at("kind").get<int>());
    e.result = static_cast<Outcome>(j.at("result").get<int>());
    e.result_reason = j.at("resultReason").get<std::string>();
    const auto& actor = j.at("actor");
    e.actor.type = static_cast<ActorType>(actor.at("type").get<int>());
    e.actor.id = actor.at("id").get<std::string>();
    e.actor.user_principal_name = actor.at("upn").get<std::string>();
    e.actor.display_name = actor.at("name").get<std::string>();
    e.actor.ip_address = actor.at("ip").get<std::string>();
    e.initiated_by_pim = j.at("initiatedByPim").get<bool>();
    e.target = principal_from(j.at("target"));
    e.role.template_id = j.at("role").at("templateId").get<std::string>();
    e.role.display_name = j.at("role").at("name").get<std::string>();
    e.justification = j.at("justification").get<std::string>();
    e.activation_start = j.at("activationStart").get<EventTime>();
    e.activation_expiry = j.at("activationExpiry").get<EventTime>();
    e.ip_address = j.at("ip").get<std::string>();
    e.tenant_id = j.at("tenantId").get<std::string>();
    e.mfa = j.at("mfa").get<bool>();
    return e;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace rolewatch::rules
