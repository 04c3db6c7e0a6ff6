#include "rules/rule_definition.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

#include "rules/default_rules_text.hpp"
#include "state/base/ascii.hpp"
#include "state/base/time.hpp"

namespace rolewatch::rules {
namespace {

// Reads YAML into a RuleDefinition; every error names the rule and key.
class RuleReader {
 public:
  RuleReader(const YAML::Node& node, std::size_t index) : node_(node), index_(index) {}

  Expected<RuleDefinition> read() {
    if (!node_.IsMap()) return fail("", "expected a mapping");
    RuleDefinition rule;
    if (!node_["id"] || !node_["id"].IsScalar()) return fail("id", "required string");
    rule.id = node_["id"].as<std::string>();
    for (auto it : node_) {
      auto key = it.first.as<std::string>();
      if (!known_key(key)) return fail(key, "unknown key");
    }
    rule.title = scalar("title", rule.id);
    rule.description = scalar("description", "");
    rule.severity = scalar("severity", rule.severity);
    if (auto s = check_severity(rule.severity); !s) return s.error();
    if (node_["enabled"]) rule.enabled = node_["enabled"].as<bool>(true);
    if (auto mitre = node_["mitre"]; mitre && mitre.IsMap()) {
      rule.mitre_tactic = mitre["tactic"].as<std::string>(rule.mitre_tactic);
      rule.mitre_technique = mitre["technique"].as<std::string>(rule.mitre_technique);
    }
    if (auto s = read_match(rule); !s) return s.error();
    auto group = scalar("groupBy", "actor");
    if (group == "actor") {
      rule.group_by = GroupBy::actor;
    } else if (group == "tenant") {
      rule.group_by = GroupBy::tenant;
    } else {
      return fail("groupBy", "expected actor or tenant, got '" + group + "'");
    }
    if (auto s = read_duration("window", rule.window_seconds); !s) return s.error();
    if (auto s = read_duration("grace", rule.grace_seconds); !s) return s.error();
    if (auto s = read_update_interval(rule); !s) return s.error();
    if (node_["threshold"]) {
      auto threshold = node_["threshold"].as<long>(-1);
      if (threshold < 1) return fail("threshold", "expected an integer >= 1");
      rule.threshold = static_cast<std::uint32_t>(threshold);
    }
    return rule;
  }

 private:
  static bool known_key(std::string_view key) {
    static const std::string_view kKeys[] = {"id",       "title", "description", "enabled",
                                             "severity", "mitre", "match",       "groupBy",
                                             "window",   "grace", "threshold",   "update_interval"};
    return std::find(std::begin(kKeys), std::end(kKeys), key) != std::end(kKeys);
  }

  Error fail(std::string_view key, std::string_view what) const {
    std::string where = "rules[" + std::to_string(index_) + "]";
    if (node_.IsMap() && node_["id"] && node_["id"].IsScalar()) {
      where += " (" + node_["id"].as<std::string>() + ")";
    }
    if (!key.empty()) where += "." + std::string(key);
    return make_error(where + ": " + std::string(what));
  }

  std::string scalar(const char* key, std::string fallback) const {
    auto value = node_[key];
    return value && value.IsScalar() ? value.as<std::string>() : fallback;
  }

  Status check_severity(const std::string& severity) const {
    static const std::string_view kLevels[] = {"informational", "low", "medium", "high",
                                               "critical"};
    if (std::find(std::begin(kLevels), std::end(kLevels), severity) == std::end(kLevels)) {
      return fail("severity", "expected informational, low, medium, high or critical");
    }
    return ok();
  }

  Status read_duration(const char* key, std::int64_t& seconds) const {
    auto value = node_[key];
    if (!value) return ok();
    auto parsed =
        value.IsScalar() ? state::parse_duration_seconds(value.as<std::string>()) : std::nullopt;
    if (!parsed || *parsed <= 0) return fail(key, "expected a duration such as PT2H or 90m");
    seconds = *parsed;
    return ok();
  }

  // A duration, or `off`: no updates between the first alert and the close.
  Status read_update_interval(RuleDefinition& rule) const {
    auto value = node_["update_interval"];
    if (value && value.IsScalar() && value.as<std::string>() == "off") {
      rule.update_interval_seconds = 0;
      return ok();
    }
    return read_duration("update_interval", rule.update_interval_seconds);
  }

  Status read_match(RuleDefinition& rule) const {
    auto match = node_["match"];
    if (!match || !match.IsMap()) return fail("match", "required mapping");
    auto kinds = match["kinds"];
    if (!kinds || !kinds.IsSequence() || kinds.size() == 0) {
      return fail("match.kinds", "required non-empty list");
    }
    for (const auto& kind : kinds) {
      auto parsed = kind_from_string(kind.as<std::string>(""));
      if (!parsed) return fail("match.kinds", "unknown kind '" + kind.as<std::string>("") + "'");
      rule.kinds.insert(*parsed);
    }
    auto result = match["result"].as<std::string>("any");
    if (result == "any") {
      rule.result = ResultFilter::any;
    } else if (result == "success") {
      rule.result = ResultFilter::success;
    } else if (result == "failure") {
      rule.result = ResultFilter::failure;
    } else {
      return fail("match.result", "expected any, success or failure");
    }
    if (auto services = match["services"]; services && services.IsSequence()) {
      for (const auto& service : services) {
        auto name = service.as<std::string>("");
        if (name == "core-directory") {
          rule.services.insert(Service::core_directory);
        } else if (name == "pim") {
          rule.services.insert(Service::pim);
        } else {
          return fail("match.services", "expected core-directory or pim");
        }
      }
    }
    if (auto roles = match["roles"]; roles) {
      if (!roles.IsSequence()) return fail("match.roles", "expected a list");
      for (const auto& role : roles) {
        RoleMatch m;
        m.template_id = state::ascii_lower(role["templateId"].as<std::string>(""));
        if (auto names = role["names"]; names && names.IsSequence()) {
          for (const auto& name : names) m.display_names.push_back(name.as<std::string>(""));
        }
        if (m.template_id.empty() && m.display_names.empty()) {
          return fail("match.roles", "each role needs templateId or names");
        }
        rule.roles.push_back(std::move(m));
      }
    }
    return ok();
  }

  YAML::Node node_;
  std::size_t index_;
};

}  // namespace

bool RuleDefinition::matches(const RoleEvent& event) const {
  if (!kinds.contains(event.kind)) return false;
  if (!services.empty() && !services.contains(event.service)) return false;
  if (result == ResultFilter::success && event.result != Outcome::success) return false;
  if (result == ResultFilter::failure && event.result != Outcome::failure) return false;
  if (roles.empty()) return true;
  for (const auto& role : roles) {
    if (!event.role.template_id.empty()) {
      if (event.role.template_id == role.template_id) return true;
      continue;
    }
    // No template id in the record: fall back to the display name.
    for (const auto& name : role.display_names) {
      if (state::equals_ignoring_case(name, event.role.display_name)) return true;
    }
  }
  return false;
}

Expected<std::vector<RuleDefinition>> parse_rules_yaml(std::string_view yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return make_error(std::string("rules: invalid YAML: ") + e.what());
  }
  // A scalar or list document has no keys: operator[] would throw (fuzzing).
  if (!root.IsMap()) return make_error("rules: expected a top-level 'rules:' list");
  auto list = root["rules"];
  if (!list || !list.IsSequence()) return make_error("rules: expected a top-level 'rules:' list");
  std::vector<RuleDefinition> rules;
  for (std::size_t i = 0; i < list.size(); ++i) {
    try {
      auto rule = RuleReader(list[i], i).read();
      if (!rule) return rule.error();
      rules.push_back(std::move(*rule));
    } catch (const YAML::Exception& e) {
      return make_error("rules[" + std::to_string(i) + "]: " + e.what());
    }
  }
  for (std::size_t i = 0; i < rules.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (rules[i].id == rules[j].id)
        return make_error("rules: duplicate id '" + rules[i].id + "'");
    }
  }
  return rules;
}

std::vector<RuleDefinition> default_rules() {
  auto rules = parse_rules_yaml(kDefaultRulesYaml);
  // The shipped file is compiled in and covered by tests.
  if (!rules) throw std::logic_error("built-in rules are invalid: " + rules.error().message);
  return std::move(rules).value();
}

std::vector<RuleDefinition> enabled_only(std::vector<RuleDefinition> rules) {
  std::erase_if(rules, [](const RuleDefinition& rule) { return !rule.enabled; });
  return rules;
}

}  // namespace rolewatch::rules
