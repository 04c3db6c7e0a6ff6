#include "rules/activation_rules.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "state/base/time.hpp"

namespace {

using namespace rolewatch;
using rules::ActivationLabel;
using rules::Eligibility;

constexpr rules::EventTime kDay = 86'400LL * 1'000'000;

rules::EventTime at(const char* text) {
  return *rolewatch::state::parse_event_time(text);
}

// A clean activation: eligible, cloud-only, from a known IP, fresh snapshot.
ActivationLabel clean_label() {
  ActivationLabel label;
  label.audit_id = "PIM_1";
  label.time = at("2025-03-04T08:00:05Z");
  label.tenant_id = "11111111-2222-3333-4444-555555555555";
  label.actor = {rules::ActorType::user, "u1", "alice@contoso.com", "Alice", "198.51.100.7"};
  label.principal = {"u1", "alice@contoso.com", "User"};
  label.role = {"e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator"};
  label.privileged = true;
  label.eligibility = Eligibility::direct;
  label.synced = false;
  label.ip_address = "198.51.100.7";
  label.new_ip = false;
  label.first_activation = label.time - 30 * kDay;
  label.snapshot = state::SnapshotInfo{3, label.time - 3600LL * 1'000'000, "graph", 10};
  return label;
}

std::vector<std::string> fired(
    const ActivationLabel& label,
    const rules::ActivationRulesConfig& config = rules::default_activation_rules()) {
  std::vector<std::string> ids;
  for (const auto& alert : rules::evaluate_activation_rules(config, label, 1)) {
    ids.push_back(alert.rule);
  }
  return ids;
}

}  // namespace

TEST_CASE("a clean activation raises no alert", "[labels]") {
  CHECK(fired(clean_label()).empty());
}

TEST_CASE("a privileged role activated by a synchronized account alerts", "[labels]") {
  auto label = clean_label();
  label.synced = true;
  CHECK(fired(label) == std::vector<std::string>{"pim-activation-synced-account"});
  label.privileged = false;
  CHECK(fired(label).empty());
  label.privileged = true;
  label.synced.reset();  // unknown is not synced
  CHECK(fired(label).empty());
}

TEST_CASE("an activation without eligibility alerts only on a fresh snapshot", "[labels]") {
  auto label = clean_label();
  label.eligibility = Eligibility::none;
  CHECK(fired(label) == std::vector<std::string>{"pim-activation-without-eligibility"});
  label.snapshot->fetched_at = label.time - 27 * 3600LL * 1'000'000;  // older than 26 h
  CHECK(fired(label).empty());
  label.snapshot->fetched_at = label.time + 40 * kDay;  // replaying old records on a new snapshot
  CHECK(fired(label).empty());
  label.snapshot.reset();
  CHECK(fired(label).empty());
}

TEST_CASE("an empty snapshot gives no eligibility verdict", "[labels]") {
  auto label = clean_label();
  label.eligibility = Eligibility::none;
  label.snapshot->assignments = 0;
  CHECK(fired(label).empty());
}

TEST_CASE("a new IP alerts only after the user's learning period", "[labels]") {
  auto label = clean_label();
  label.new_ip = true;
  CHECK(fired(label) == std::vector<std::string>{"pim-activation-new-ip"});
  label.first_activation = label.time - 13 * kDay;
  CHECK(fired(label).empty());
  label.first_activation.reset();  // the user's very first activation
  CHECK(fired(label).empty());
}

TEST_CASE("rules are switched off and tuned by YAML", "[labels]") {
  auto config = rules::parse_activation_rules_yaml(R"(
activation_rules:
  - id: pim-activation-new-ip
    learning_period: 7d
    severity: low
  - id: pim-activation-synced-account
    enabled: false
)");
  REQUIRE(config);
  CHECK(config->learning_period_seconds == 7 * 86400);
  CHECK(config->new_ip.severity == "low");
  CHECK_FALSE(config->synced_account.enabled);
  CHECK(config->without_eligibility.enabled);  // untouched rules keep the shipped settings
  auto label = clean_label();
  label.synced = true;
  label.new_ip = true;
  label.first_activation = label.time - 8 * kDay;
  CHECK(fired(label, *config) == std::vector<std::string>{"pim-activation-new-ip"});
}

TEST_CASE("bad activation rule YAML names the rule and key", "[labels]") {
  auto unknown = rules::parse_activation_rules_yaml("activation_rules: [{id: nope}]");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message == "activation_rules: unknown rule id nope");
  auto duration = rules::parse_activation_rules_yaml(
      "activation_rules: [{id: pim-activation-new-ip, learning_period: soon}]");
  REQUIRE_FALSE(duration);
  CHECK_THAT(duration.error().message,
             Catch::StartsWith("activation rule pim-activation-new-ip: learning_period:"));
}

TEST_CASE("the shipped activation rules file matches the compiled-in rules", "[labels]") {
  std::ifstream in(std::string(ROLEWATCH_SOURCE_DIR) + "/rules/activation-rules.yaml");
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == rules::default_activation_rules_yaml());
  auto config = rules::default_activation_rules();
  CHECK(config.max_snapshot_age_seconds == 26 * 3600);
  CHECK(config.learning_period_seconds == 14 * 86400);
}

TEST_CASE("an activation alert has the alert contract and a stable id", "[labels]") {
  auto label = clean_label();
  label.synced = true;
  auto alerts = rules::evaluate_activation_rules(rules::default_activation_rules(), label,
                                                 at("2025-03-04T08:00:06Z"));
  REQUIRE(alerts.size() == 1);
  auto json = rules::to_json(alerts[0]);
  CHECK(json["schema"] == "rolewatch.alert.v1");
  CHECK(json["rule"] == "pim-activation-synced-account");
  CHECK(json["severity"] == "high");
  CHECK(json["mitre"]["tactic"] == "Privilege Escalation");
  CHECK(json["mitre"]["technique"] == "T1078.002");
  CHECK(json["tenantId"] == "11111111-2222-3333-4444-555555555555");
  CHECK(json["actor"]["userPrincipalName"] == "alice@contoso.com");
  CHECK(json["detectedAt"] == "2025-03-04T08:00:06.000000Z");
  CHECK(json["activation"]["schema"] == "rolewatch.activation.v1");
  // Written without a DOM, the text is what the JSON library dumps for it.
  CHECK(rules::to_text(alerts[0]) == json.dump());
  label.actor.display_name = "Eve\",\"injected\":\"\n\x01\xFF";
  auto hostile = rules::evaluate_activation_rules(rules::default_activation_rules(), label, 99);
  REQUIRE(hostile.size() == 1);
  const auto text = rules::to_text(hostile[0]);
  CHECK(nlohmann::json::parse(text).dump() == text);
  CHECK(nlohmann::json::parse(text)["actor"]["displayName"] ==
        "Eve\",\"injected\":\"\n\x01\xEF\xBF\xBD");
  auto again = rules::evaluate_activation_rules(rules::default_activation_rules(), label, 99);
  CHECK(again[0].id == alerts[0].id);
}

// Found by fuzzing (tests/fuzz/fuzz_rules_yaml): a document without keys
// threw YAML::BadSubscript out of the parser.
TEST_CASE("an activation rules file that is a scalar or a list is an error, not an exception",
          "[labels]") {
  for (const char* text : {"just a scalar", "- a\n- list"}) {
    auto config = rules::parse_activation_rules_yaml(text);
    REQUIRE_FALSE(config);
    CHECK(config.error().message == "activation rules YAML: expected a mapping");
  }
  CHECK(rules::parse_activation_rules_yaml(""));  // empty: the defaults
}
