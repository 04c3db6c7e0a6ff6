#include "stream/config/rules_loader.hpp"

#include <fstream>
#include <sstream>

namespace rolewatch::stream {

Expected<std::vector<rules::RuleDefinition>> load_rules(
    const std::vector<std::filesystem::path>& files) {
  if (files.empty()) return rules::enabled_only(rules::default_rules());
  std::vector<rules::RuleDefinition> all;
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) return make_error("cannot read rules file " + file.string());
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = rules::parse_rules_yaml(text.str());
    if (!parsed) return make_error(file.string() + ": " + parsed.error().message);
    for (auto& rule : *parsed) all.push_back(std::move(rule));
  }
  auto enabled = rules::enabled_only(std::move(all));
  if (enabled.empty()) return make_error("no enabled rule in the given rules files");
  return enabled;
}

}  // namespace rolewatch::stream
