#pragma once
// A burst rule as data: filter on kind/role/result, group by actor or tenant,
// count distinct (target, role) pairs in a sliding event-time window.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "rules/role_event.hpp"
#include "state/base/expected.hpp"

namespace rolewatch::rules {

enum class GroupBy { actor, tenant };
enum class ResultFilter { any, success, failure };

struct RoleMatch {
  std::string template_id;                 // lower-case GUID
  std::vector<std::string> display_names;  // fallbacks, compared case-insensitively
};

struct RuleDefinition {
  std::string id;
  std::string title;
  std::string description;
  std::string severity = "high";
  bool enabled = true;
  std::string mitre_tactic = "Impact";
  std::string mitre_technique = "T1531";
  std::set<Kind> kinds;
  // Service filter; empty means both Core Directory and PIM.
  std::set<Service> services;
  std::vector<RoleMatch> roles;  // empty = any role
  ResultFilter result = ResultFilter::any;
  GroupBy group_by = GroupBy::actor;
  std::int64_t window_seconds = 7200;
  std::int64_t grace_seconds = 3600;
  std::uint32_t threshold = 3;
  // Wall-clock gap between two updates of one alert; 0 (`off`): the first
  // alert and the close only (docs/design.md §3, "Burst updates").
  std::int64_t update_interval_seconds = 60;

  // The matching role's canonical display name, or empty if the event's role
  // is not one of `roles`.
  bool matches(const RoleEvent& event) const;
  EventTime window_micros() const { return window_seconds * 1'000'000; }
  EventTime grace_micros() const { return grace_seconds * 1'000'000; }
  EventTime update_interval_micros() const { return update_interval_seconds * 1'000'000; }
};

// Parses a YAML document with a top-level `rules:` list. Errors name the rule
// and the key.
Expected<std::vector<RuleDefinition>> parse_rules_yaml(std::string_view yaml_text);
// The definitions shipped in rules/default-rules.yaml (compiled in).
std::vector<RuleDefinition> default_rules();
std::vector<RuleDefinition> enabled_only(std::vector<RuleDefinition> rules);

}  // namespace rolewatch::rules
