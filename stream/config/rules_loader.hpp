#pragma once
// Loads rule definitions from files, or the compiled-in defaults.
#include <filesystem>
#include <vector>

#include "rules/rule_definition.hpp"
#include "state/base/expected.hpp"

namespace rolewatch::stream {

// The enabled rules of the given YAML files, or of the built-in defaults when
// `files` is empty. Errors name the file.
Expected<std::vector<rules::RuleDefinition>> load_rules(
    const std::vector<std::filesystem::path>& files);

}  // namespace rolewatch::stream
