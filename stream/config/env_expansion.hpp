#pragma once
// ${NAME} and ${NAME:-default} expansion for configuration values.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "state/base/expected.hpp"

namespace rolewatch::stream {

// Looks a variable up; nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment.
std::optional<std::string> process_env(const std::string& name);

// Replaces ${NAME} with the variable's value and ${NAME:-default} with the
// value, or `default` when the variable is unset or empty (as in sh). "$$"
// is a literal "$"; any other "$" is kept as is. Errors name the variable,
// never a value.
Expected<std::string> expand_env(std::string_view text, const EnvLookup& lookup);

}  // namespace rolewatch::stream
