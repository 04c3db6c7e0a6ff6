#pragma once
// Loads rule definitions from files, or the compiled-in defaults.
//
// A rules file holds a `rules:` list (burst rules, rules/default-rules.yaml),
// an `activation_rules:` list (rules/activation-rules.yaml), or both; any
// other top-level key is an error, so a typo never passes silently. Each
// section replaces the shipped one only when some file has it: a file with
// only `activation_rules:` keeps the built-in burst rules, and the other way
// round. Activation rules are overrides by id (unnamed rules and keys keep
// their shipped values), applied in file order.
#include <filesystem>
#include <vector>

#include "rules/activation_rules.hpp"
#include "rules/rule_definition.hpp"
#include "state/base/expected.hpp"

namespace rolewatch::stream {

struct RuleSet {
  std::vector<rules::RuleDefinition> bursts;  // the enabled ones only
  rules::ActivationRulesConfig activation = rules::default_activation_rules();
};

// Errors name the file (and the rule and key where the parser knows them).
Expected<RuleSet> load_rule_set(const std::vector<std::filesystem::path>& files);

// The enabled burst rules alone (load_rule_set(files).bursts).
Expected<std::vector<rules::RuleDefinition>> load_rules(
    const std::vector<std::filesystem::path>& files);

}  // namespace rolewatch::stream
