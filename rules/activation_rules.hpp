#pragma once
// The three shipped activation alert rules, as a pure decision on a label:
//  - pim-activation-synced-account: a privileged role activated by an account
//    synchronized from on-premises AD;
//  - pim-activation-without-eligibility: no matching eligibility in a fresh
//    snapshot (no verdict when the snapshot is older than max_snapshot_age);
//  - pim-activation-new-ip: an IP never seen for the user, once the user's
//    learning period (from their first recorded activation) is over.
// Configured by YAML (rules/activation-rules.yaml, compiled in).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/activation_labeler.hpp"
#include "state/base/expected.hpp"

namespace rolewatch::rules {

struct ActivationRuleMeta {
  std::string id;
  bool enabled = true;
  std::string title;
  std::string severity;
  std::string mitre_tactic;
  std::string mitre_technique;
};

struct ActivationRulesConfig {
  ActivationRuleMeta synced_account;
  ActivationRuleMeta without_eligibility;
  std::int64_t max_snapshot_age_seconds = 26 * 3600;  // daily refresh + slack
  ActivationRuleMeta new_ip;
  std::int64_t learning_period_seconds = 14 * 86400;
};

struct ActivationAlert {
  std::string id;  // stable: rule + principal + audit id
  std::string rule;
  std::string title;
  std::string severity;
  std::string mitre_tactic;
  std::string mitre_technique;
  std::string reason;  // one sentence: why it fired
  EventTime detected_at = 0;
  ActivationLabel activation;
};

// Parses a YAML document with a top-level `activation_rules:` list (see
// rules/activation-rules.yaml). Missing rules keep their defaults.
Expected<ActivationRulesConfig> parse_activation_rules_yaml(std::string_view yaml_text);
// The same on top of `config` (several files in turn): the rules the
// document names, and only the keys it gives, change. On error `config` may
// be partly changed.
Status apply_activation_rules_yaml(std::string_view yaml_text, ActivationRulesConfig& config);
ActivationRulesConfig default_activation_rules();  // the shipped YAML
std::string_view default_activation_rules_yaml();

// Every alert the label raises (0..3). `now` is only used for detectedAt.
std::vector<ActivationAlert> evaluate_activation_rules(const ActivationRulesConfig& config,
                                                       const ActivationLabel& label, EventTime now);

// Its rolewatch.alert.v1 text, written like a burst alert's (rules/alert.hpp):
// the burst alert's top-level fields where they fit, plus `activation` (the
// label's JSON) and `reason`.
std::string to_text(const ActivationAlert& alert);
nlohmann::json to_json(const ActivationAlert& alert);  // to_text(), parsed

}  // namespace rolewatch::rules
