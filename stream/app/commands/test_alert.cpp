#include "stream/app/commands/test_alert.hpp"

#include "rules/alert.hpp"
#include "rules/burst_detector.hpp"

namespace rolewatch::stream {
namespace {

constexpr const char* kGlobalAdministrator = "62e90394-69f5-4237-9190-012177145e10";

rules::Removal synthetic_removal(int n, rules::EventTime time) {
  rules::Removal removal;
  removal.audit_id = "rolewatch-test-alert-removal-" + std::to_string(n);
  removal.time = time;
  removal.activity = "Remove member from role (rolewatch test alert, nothing was removed)";
  removal.service = rules::Service::core_directory;
  removal.target = {"00000000-0000-0000-0000-00000000000" + std::to_string(n),
                    "synthetic-target-" + std::to_string(n) + "@example.invalid", "User"};
  removal.role = {kGlobalAdministrator, "Global Administrator"};
  return removal;
}

}  // namespace

nlohmann::json make_test_alert(rules::EventTime now, const std::string& nonce) {
  rules::Alert alert;
  alert.rule = kTestAlertRule;
  alert.id = rules::stable_alert_id(kTestAlertRule, nonce, std::to_string(now));
  alert.title = "rolewatch test alert: synthetic, not an attack (sent by rolewatch test-alert)";
  alert.severity = "info";
  alert.mitre_tactic = "Impact";
  alert.mitre_technique = "T1531";
  alert.actor = {rules::ActorType::user, "00000000-0000-0000-0000-000000000000",
                 "rolewatch-test-alert@example.invalid", "rolewatch test alert (synthetic actor)",
                 "192.0.2.1"};
  for (int n = 1; n <= 3; ++n) alert.removals.push_back(synthetic_removal(n, now));
  alert.count = alert.threshold = static_cast<std::uint32_t>(alert.removals.size());
  alert.window_seconds = 7200;
  alert.first_seen = alert.last_seen = alert.detected_at = alert.updated_at = now;
  auto document = rules::to_json(alert);
  document["test"] = true;
  return document;
}

bool is_test_alert(const nlohmann::json& document) {
  return document.is_object() && document.value("test", false) == true &&
         document.value("rule", "") == kTestAlertRule;
}

}  // namespace rolewatch::stream
