#include "rules/rule_definition.hpp"

#include <catch2/catch.hpp>

using namespace rolewatch::rules;

TEST_CASE("the shipped rules parse: the actor rule is enabled and the tenant variant is not") {
  auto rules = default_rules();
  REQUIRE(rules.size() == 2);
  CHECK(rules[0].id == "privileged-role-removal-burst");
  CHECK(rules[0].enabled);
  CHECK(rules[0].window_seconds == 7200);
  CHECK(rules[0].grace_seconds == 3600);
  CHECK(rules[0].threshold == 3);
  CHECK(rules[0].update_interval_seconds == 60);
  CHECK(rules[0].group_by == GroupBy::actor);
  CHECK(rules[1].group_by == GroupBy::tenant);
  CHECK_FALSE(rules[1].enabled);
  CHECK(enabled_only(rules).size() == 1);
}

TEST_CASE("a mass privileged assignment rule is configuration, not code") {
  auto rules = parse_rules_yaml(R"(
rules:
  - id: mass-privileged-assignment
    severity: medium
    match:
      kinds: [add-active, add-eligible]
      result: success
      services: [core-directory, pim]
      roles: [{templateId: 62E90394-69F5-4237-9190-012177145E10}]
    groupBy: actor
    window: 30m
    threshold: 5
)");
  REQUIRE(rules);
  const auto& rule = rules->at(0);
  CHECK(rule.kinds == std::set<Kind>{Kind::add_active, Kind::add_eligible});
  CHECK(rule.window_seconds == 1800);
  CHECK(rule.roles.at(0).template_id == "62e90394-69f5-4237-9190-012177145e10");
  RoleEvent add;
  add.kind = Kind::add_active;
  add.service = Service::pim;
  add.role.template_id = "62e90394-69f5-4237-9190-012177145e10";
  CHECK(rule.matches(add));
  add.result = Outcome::failure;
  CHECK_FALSE(rule.matches(add));
}

TEST_CASE("update_interval takes a duration, or off for no updates between alert and close") {
  auto rules = parse_rules_yaml(R"(
rules:
  - {id: a, match: {kinds: [remove-active]}, update_interval: 5m}
  - {id: b, match: {kinds: [remove-active]}, update_interval: "off"}
  - {id: c, match: {kinds: [remove-active]}, update_interval: off}
)");
  REQUIRE(rules);
  CHECK(rules->at(0).update_interval_seconds == 300);
  CHECK(rules->at(1).update_interval_seconds == 0);
  CHECK(rules->at(2).update_interval_seconds == 0);
  auto bad =
      parse_rules_yaml("rules: [{id: r1, match: {kinds: [remove-active]}, update_interval: 0s}]");
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("rules[0] (r1).update_interval"));
}

TEST_CASE("rule errors name the rule and the key") {
  auto check_error = [](const char* yaml, const char* expected) {
    auto rules = parse_rules_yaml(yaml);
    REQUIRE_FALSE(rules);
    CHECK_THAT(rules.error().message, Catch::Contains(expected));
  };
  check_error("rules: [{id: r1, match: {kinds: [remove-active]}, window: soon}]",
              "rules[0] (r1).window");
  check_error("rules: [{id: r1, match: {kinds: [explode]}}]", "unknown kind 'explode'");
  check_error("rules: [{id: r1, match: {kinds: [remove-active]}, colour: red}]",
              "rules[0] (r1).colour: unknown key");
  check_error("rules: [{id: r1, match: {kinds: [remove-active]}, threshold: 0}]", "threshold");
  check_error("rules: [{match: {kinds: [remove-active]}}]", "rules[0].id");
  check_error("rules: [{id: r1, match: {kinds: [remove-active]}, groupBy: planet}]", "groupBy");
  check_error("nothing: here", "top-level 'rules:'");
  check_error("rules: [", "invalid YAML");
  check_error("rules: [{id: a, match: {kinds: [other]}}, {id: a, match: {kinds: [other]}}]",
              "duplicate id");
}

// Found by fuzzing (tests/fuzz/fuzz_rules_yaml): a document without keys
// threw YAML::BadSubscript out of the parser, which ended `rolewatch replay
// --rules` with std::terminate.
TEST_CASE("a rules file that is a scalar or a list is an error, not an exception") {
  for (const char* text : {"just a scalar", "- a\n- list", "# comment only\n'x'"}) {
    auto rules = parse_rules_yaml(text);
    REQUIRE_FALSE(rules);
    CHECK(rules.error().message == "rules: expected a top-level 'rules:' list");
  }
}
