#include "state/assignment.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "state/base/ascii.hpp"

namespace rolewatch::state {

std::string_view to_string(AssignmentType type) {
  switch (type) {
    case AssignmentType::eligible:
      return "Eligible";
    case AssignmentType::active_permanent:
      return "ActivePermanent";
    case AssignmentType::active_timebound:
      return "ActiveTimebound";
    case AssignmentType::active_activated:
      return "ActiveActivated";
  }
  return "Eligible";
}

std::optional<AssignmentType> assignment_type_from_string(std::string_view text) {
  static const std::array<std::pair<std::string_view, AssignmentType>, 10> kNames{{
      {"eligible", AssignmentType::eligible},
      {"activepermanent", AssignmentType::active_permanent},
      {"permanent", AssignmentType::active_permanent},
      {"assigned", AssignmentType::active_permanent},
      {"active", AssignmentType::active_permanent},
      {"activetimebound", AssignmentType::active_timebound},
      {"timebound", AssignmentType::active_timebound},
      {"activeactivated", AssignmentType::active_activated},
      {"activated", AssignmentType::active_activated},
      {"activation", AssignmentType::active_activated},
  }};
  std::string key = ascii_lower(text);
  std::erase_if(key, [](char c) { return c == ' ' || c == '-' || c == '_'; });
  for (const auto& [name, type] : kNames) {
    if (key == name) return type;
  }
  return std::nullopt;
}

}  // namespace rolewatch::state
