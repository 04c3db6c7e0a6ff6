// An alert's rolewatch.alert.v1 text is written without a DOM (rules/
// alert.hpp): it must be byte for byte what the JSON library dumps for the
// same document, whatever the strings an attacker chose, so receivers that
// dedupe or sign documents see nothing change.
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "rules/alert.hpp"
#include "support/delivery_fixtures.hpp"

using namespace rolewatch;

namespace {

// The sample burst with an update's fields, a PIM removal and empty
// optional fields.
rules::Alert alert() {
  auto a = support::sample_alert_value("7d2c", 5, std::chrono::system_clock::time_point{});
  a.status = rules::AlertStatus::updated;
  a.revision = 3;
  a.detected_at = 1'741'083'400'000'000;
  a.updated_at = 1'741'083'500'000'000;
  a.removals[0].target.user_principal_name.clear();
  a.removals[0].role.template_id.clear();
  a.removals[3].service = rules::Service::pim;
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
  CHECK(doc["actor"]["ipAddress"] == "203.0.113.45");
  CHECK(doc["actor"]["type"] == "user");
  CHECK(doc["updatedAt"] == "2025-03-04T10:18:20.000000Z");
  REQUIRE(doc["removals"].size() == 5);
  CHECK(doc["removals"][0]["target"]["userPrincipalName"].is_null());  // empty: null
  CHECK(doc["removals"][0]["role"]["templateId"].is_null());
  CHECK(doc["removals"][1]["role"]["templateId"] == "62e90394-69f5-4237-9190-012177145e10");
  CHECK(doc["removals"][1]["result"] == "failure");
  CHECK(doc["removals"][1]["service"] == "Core Directory");
  CHECK(doc["removals"][3]["service"] == "PIM");
  CHECK(doc["removals"][4]["time"] == "2025-03-04T10:15:06.123456Z");
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
