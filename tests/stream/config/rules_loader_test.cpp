// Rules files: `rules:` (burst rules) and `activation_rules:` (overrides of the
// shipped activation rules), alone or together, through the loader and the
// configuration's rules.files.
#include "stream/config/rules_loader.hpp"

#include <catch2/catch.hpp>

#include "stream/config/config.hpp"
#include "support/kafka_harness.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;
using namespace rolewatch::stream;

namespace {

constexpr const char* kActivationOnly = R"(activation_rules:
  - id: pim-activation-new-ip
    enabled: false
  - id: pim-activation-without-eligibility
    severity: medium
    max_snapshot_age: 50h
)";

constexpr const char* kBurstRule = R"(rules:
  - id: my-burst
    title: Three Global Administrator removals
    severity: high
    mitre: {tactic: Impact, technique: T1531}
    match:
      kinds: [remove-active, remove-eligible]
      roles:
        - {templateId: 62e90394-69f5-4237-9190-012177145e10, names: [Global Administrator]}
    groupBy: actor
    window: PT1H
    grace: PT30M
    threshold: 3
)";

std::vector<std::string> ids(const std::vector<rules::RuleDefinition>& rules) {
  std::vector<std::string> out;
  for (const auto& rule : rules) out.push_back(rule.id);
  return out;
}

std::filesystem::path file_with(const support::TempDir& dir, const std::string& name,
                                const std::string& text) {
  support::write_text(dir / name, text);
  return dir / name;
}

}  // namespace

TEST_CASE("a rules file with only activation_rules overrides them and keeps the built-in bursts",
          "[config][rules]") {
  support::TempDir dir;
  auto set = load_rule_set({file_with(dir, "activation.yaml", kActivationOnly)});
  REQUIRE(set);
  CHECK(ids(set->bursts) == ids(rules::enabled_only(rules::default_rules())));
  CHECK_FALSE(set->activation.new_ip.enabled);
  CHECK(set->activation.without_eligibility.enabled);
  CHECK(set->activation.without_eligibility.severity == "medium");
  CHECK(set->activation.max_snapshot_age_seconds == 50 * 3600);
  // Unnamed rules and keys keep their shipped values.
  const auto shipped = rules::default_activation_rules();
  CHECK(set->activation.synced_account.enabled);
  CHECK(set->activation.synced_account.title == shipped.synced_account.title);
  CHECK(set->activation.without_eligibility.title == shipped.without_eligibility.title);
  CHECK(set->activation.learning_period_seconds == shipped.learning_period_seconds);
}

TEST_CASE("a rules file with rules and activation_rules applies both", "[config][rules]") {
  support::TempDir dir;
  auto both = file_with(dir, "both.yaml", std::string(kBurstRule) + kActivationOnly);
  auto set = load_rule_set({both});
  REQUIRE(set);
  CHECK(ids(set->bursts) == std::vector<std::string>{"my-burst"});
  CHECK_FALSE(set->activation.new_ip.enabled);
  // The same sections split over two files, in order: the later file wins.
  auto first = file_with(dir, "a.yaml", kActivationOnly);
  auto second = file_with(
      dir, "b.yaml",
      std::string(kBurstRule) + "activation_rules: [{id: pim-activation-new-ip, enabled: true}]\n");
  auto layered = load_rule_set({first, second});
  REQUIRE(layered);
  CHECK(ids(layered->bursts) == std::vector<std::string>{"my-burst"});
  CHECK(layered->activation.new_ip.enabled);
  CHECK(layered->activation.without_eligibility.severity == "medium");
}

TEST_CASE("a rules file with an unknown top-level key or neither section is refused",
          "[config][rules]") {
  support::TempDir dir;
  auto typo = load_rule_set({file_with(dir, "typo.yaml", "activation_rule: []\n")});
  REQUIRE_FALSE(typo);
  CHECK(typo.error().message ==
        (dir / "typo.yaml").string() +
            ": activation_rule: unknown key (expected rules or activation_rules)");
  auto scalar = load_rule_set({file_with(dir, "scalar.yaml", "just text\n")});
  REQUIRE_FALSE(scalar);
  CHECK_THAT(scalar.error().message, Catch::Contains("expected a 'rules:' and/or"));
  auto bad_rule =
      load_rule_set({file_with(dir, "bad.yaml", "activation_rules: [{id: no-such-rule}]\n")});
  REQUIRE_FALSE(bad_rule);
  CHECK_THAT(bad_rule.error().message, Catch::Contains("unknown rule id no-such-rule"));
  auto none_enabled = load_rule_set(
      {file_with(dir, "off.yaml",
                 "rules:\n  - id: x\n    enabled: false\n    match: {kinds: [remove-active]}\n")});
  REQUIRE_FALSE(none_enabled);
  CHECK_THAT(none_enabled.error().message, Catch::Contains("no enabled rule"));
}

TEST_CASE("rules.files carry activation_rules into the configuration and its dump",
          "[config][rules]") {
  support::TempDir dir;
  auto rules_file = file_with(dir, "activation.yaml", kActivationOnly);
  auto config = parse_config(
      "source: {brokers: b:9093, topic: t, group: g}\nstate: {dir: s}\nrules: {files: [" +
          rules_file.string() + "]}\n",
      [](const std::string&) { return std::nullopt; });
  REQUIRE(config);
  CHECK_FALSE(config->activation_rules.new_ip.enabled);
  CHECK(config->activation_rules.max_snapshot_age_seconds == 50 * 3600);
  auto dump = redacted_dump(*config);
  CHECK_THAT(dump, Catch::Contains("pim-activation-synced-account"));
  CHECK_THAT(dump, !Catch::Contains("pim-activation-new-ip"));
  // Without rules files: the shipped activation rules, all enabled.
  auto plain = parse_config("source: {brokers: b:9093, topic: t, group: g}\nstate: {dir: s}\n",
                            [](const std::string&) { return std::nullopt; });
  REQUIRE(plain);
  CHECK(plain->activation_rules.new_ip.enabled);
  CHECK(plain->activation_rules.new_ip.title == rules::default_activation_rules().new_ip.title);
}
