#pragma once
// RFC 3339 times as they appear in Graph answers and CSV exports
// ("2025-01-10T09:00:00Z", "...T09:00:00.287Z", "+01:00" offsets). state/
// cannot use rules/event_time (rules depends on state), hence this small one.
#include <string_view>

#include "state/assignment.hpp"

namespace rolewatch::state {

// Micros since the epoch; 0 when empty, "null" or unparseable.
Micros parse_iso_time(std::string_view text);

}  // namespace rolewatch::state
