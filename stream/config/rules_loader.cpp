#include "stream/config/rules_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace rolewatch::stream {
namespace {

struct Sections {
  bool bursts = false;
  bool activation = false;
};

// Which sections the document has; refuses anything else at the top level.
Expected<Sections> sections_of(const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return make_error(std::string("invalid YAML: ") + e.what());
  }
  if (!root.IsMap()) return make_error("expected a 'rules:' and/or 'activation_rules:' list");
  Sections sections;
  for (const auto& entry : root) {
    const auto key = entry.first.IsScalar() ? entry.first.Scalar() : std::string("(not a name)");
    if (key == "rules") {
      sections.bursts = true;
    } else if (key == "activation_rules") {
      sections.activation = true;
    } else {
      return make_error(key + ": unknown key (expected rules or activation_rules)");
    }
  }
  if (!sections.bursts && !sections.activation) {
    return make_error("expected a 'rules:' and/or 'activation_rules:' list");
  }
  return sections;
}

Expected<std::string> read_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return make_error("cannot read rules file " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Status add_file(const std::string& text, RuleSet& set, std::vector<rules::RuleDefinition>& bursts,
                bool& has_bursts) {
  auto sections = sections_of(text);
  if (!sections) return sections.error();
  if (sections->bursts) {
    auto parsed = rules::parse_rules_yaml(text);
    if (!parsed) return parsed.error();
    for (auto& rule : *parsed) bursts.push_back(std::move(rule));
    has_bursts = true;
  }
  if (sections->activation) return rules::apply_activation_rules_yaml(text, set.activation);
  return ok();
}

}  // namespace

Expected<RuleSet> load_rule_set(const std::vector<std::filesystem::path>& files) {
  RuleSet set;
  std::vector<rules::RuleDefinition> bursts;
  bool has_bursts = false;
  for (const auto& file : files) {
    auto text = read_file(file);
    if (!text) return text.error();
    if (auto status = add_file(*text, set, bursts, has_bursts); !status) {
      return make_error(file.string() + ": " + status.error().message);
    }
  }
  set.bursts = rules::enabled_only(has_bursts ? std::move(bursts) : rules::default_rules());
  if (has_bursts && set.bursts.empty()) {
    return make_error("no enabled rule in the rules files' 'rules:' lists");
  }
  return set;
}

Expected<std::vector<rules::RuleDefinition>> load_rules(
    const std::vector<std::filesystem::path>& files) {
  auto set = load_rule_set(files);
  if (!set) return set.error();
  return std::move(set->bursts);
}

}  // namespace rolewatch::stream
