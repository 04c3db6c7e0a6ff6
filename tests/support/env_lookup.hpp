#pragma once
// A fixed environment for configuration tests: the variables a test sets,
// looked up the way the config loader looks up the process environment.
#include <map>
#include <optional>
#include <string>

#include "stream/config/env_expansion.hpp"

namespace support {

inline rolewatch::stream::EnvLookup env_lookup(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace support
