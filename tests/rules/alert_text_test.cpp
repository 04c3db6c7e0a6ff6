// An alert's rolewatch.alert.v1 text is written without a DOM (rules/
// alert.hpp): it must be byte for byte what the JSON library dumps for the
// same document, whatever the strings an attacker chose, so receivers that
// dedupe or sign documents see nothing change.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "rules/alert.hpp"

using namespace rolewatch;

namespace {

rules::Removal removal(int n, rules::Outcome result) {
  rules::Removal r;
  r.audit_id = "audit-" + std::to_string(n);
  r.time = 1'741'075'200'000'000 + n;
  r.activity = "Remove member from role";
  r.service = n % 2 ? rules::Service::core_directory : rules::Service::pim;
  r.result = result;
  r.target = {"target-" + std::to_string(n),
              n % 3 ? "admin" + std::to_string(n) + "@contoso.com" : "", "User"};
  r.role = {n % 4 ? "62e90394-69f5-4237-9190-012177145e10" : "", "Global Administrator"};
  return r;
}

rules::Alert alert() {
  rules::Alert a;
  a.id = "7d2c";
  a.status = rules::AlertStatus::updated;
  a.revision = 3;
  a.rule = "bulk-privileged-role-removal";
  a.title = "Bulk removal of privileged role assignments";
  a.severity = "high";
  a.mitre_tactic = "Impact";
  a.mitre_technique = "T1531";
  a.tenant_id = "11111111-2222-3333-4444-555555555555";
  a.actor = {rules::ActorType::user, "actor-id", "mallory@contoso.com", "Mallory", "203.0.113.9"};
  a.count = 5;
  a.threshold = 3;
  a.window_seconds = 7200;
  a.first_seen = 1'741'075'200'000'000;
  a.last_seen = 1'741'075'260'000'000;
  a.detected_at = 1'741'075'261'000'000;
  a.updated_at = 1'741'075'300'000'000;
  for (int n = 0; n < 5; ++n) {
    a.removals.push_back(removal(n, n == 2 ? rules::Outcome::failure : rules::Outcome::success));
  }
  return a;
}

// The document in the library's own form: parsing and dumping again sorts
// keys and escapes strings its way.
std::string canonical(const std::string& text) {
  return nlohmann::json::parse(text).dump();
}

}  // namespace

TEST_CASE("an alert's text is what the JSON library dumps for the same document") {
  const auto a = alert();
  const auto text = rules::to_text(a);
  CHECK(text == canonical(text));
  auto doc = nlohmann::json::parse(text);
  CHECK(doc["schema"] == "rolewatch.alert.v1");
  CHECK(doc["status"] == "updated");
  CHECK(doc["revision"] == 3);
  CHECK(doc["count"] == 5);
  CHECK(doc["failedCount"] == 1);
  CHECK(doc["window"] == "PT2H");
  CHECK(doc["actor"]["ipAddress"] == "203.0.113.9");
  CHECK(doc["actor"]["type"] == "user");
  REQUIRE(doc["removals"].size() == 5);
  CHECK(doc["removals"][0]["target"]["userPrincipalName"].is_null());  // empty: null
  CHECK(doc["removals"][0]["role"]["templateId"].is_null());
  CHECK(doc["removals"][1]["role"]["templateId"] == "62e90394-69f5-4237-9190-012177145e10");
  CHECK(doc["removals"][2]["result"] == "failure");
  CHECK(doc["removals"][1]["service"] == "Core Directory");
  CHECK(doc["removals"][4]["time"] == "2025-03-04T08:00:00.000004Z");
  CHECK(rules::to_json(a) == doc);
  CHECK(rules::alert_from_json(doc).removals.size() == 5);
}

TEST_CASE("an alert with hostile strings and no removals still dumps as the library would") {
  auto a = alert();
  a.actor.display_name = "Eve\",\"severity\":\"low\"}\n\x01\x7f\xC3\xA9\xFF";
  a.actor.user_principal_name.clear();
  a.actor.ip_address.clear();
  a.tenant_id.clear();
  a.removals[0].target.id = "\\\"\b\f\r\t";
  a.removals[1].activity = std::string("nul\0byte", 8);
  const auto text = rules::to_text(a);
  CHECK(text == canonical(text));
  auto doc = nlohmann::json::parse(text);
  CHECK(doc["severity"] == "high");  // the display name stayed inside its quotes
  CHECK(doc["actor"]["displayName"] == "Eve\",\"severity\":\"low\"}\n\x01\x7f\xC3\xA9\xEF\xBF\xBD");
  CHECK(doc["actor"]["userPrincipalName"].is_null());
  CHECK(doc["actor"]["ipAddress"].is_null());
  CHECK(doc["tenantId"].is_null());
  CHECK(doc["removals"][0]["target"]["id"] == "\\\"\b\f\r\t");
  CHECK(doc["removals"][1]["activity"] == std::string("nul\0byte", 8));

  a.removals.clear();
  a.updated_at = 0;  // the first revision: updatedAt is detectedAt
  const auto empty = rules::to_text(a);
  CHECK(empty == canonical(empty));
  CHECK(nlohmann::json::parse(empty)["removals"] == nlohmann::json::array());
  CHECK(nlohmann::json::parse(empty)["updatedAt"] == nlohmann::json::parse(empty)["detectedAt"]);
}
