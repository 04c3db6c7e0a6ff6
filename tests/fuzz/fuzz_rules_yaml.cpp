// libFuzzer target: rule definition YAML (rules/*.yaml, `rules.files` in the
// configuration): the burst rules and the activation rules, both parsers on
// the same text. Bad YAML or bad values must be errors naming the rule and
// key, never an exception or a crash.
#include <cstddef>
#include <cstdint>

#include "rules/activation_rules.hpp"
#include "rules/rule_definition.hpp"
#include "tests/fuzz/fuzz_support.hpp"

ROLEWATCH_FUZZ_QUIET_INIT

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = rolewatch::fuzz::as_text(data, size);
  auto rules = rolewatch::rules::parse_rules_yaml(text);
  if (rules) (void)rolewatch::rules::enabled_only(std::move(*rules));
  (void)rolewatch::rules::parse_activation_rules_yaml(text);
  return 0;
}
