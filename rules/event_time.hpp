#pragma once
// Event-time parsing and formatting (ISO 8601 / RFC 3339, UTC).
#include <optional>
#include <string>
#include <string_view>

#include "rules/role_event.hpp"

namespace rolewatch::rules {

// Accepts "2025-03-04T10:15:02.1234567+00:00", "...Z", 0 to 9 fractional
// digits, any numeric offset, and the legacy "MM/DD/YYYY HH:MM:SS" form.
std::optional<EventTime> parse_event_time(std::string_view text);

// "2025-03-04T10:15:02.123456Z" (microseconds, always UTC).
std::string format_event_time(EventTime time);

// ISO 8601 duration for whole seconds, e.g. 7200 s -> "PT2H", 5400 s -> "PT1H30M".
std::string format_iso_duration(std::int64_t seconds);
// Parses "PT2H", "PT90M", "P1D", "PT1H30M15S" or plain seconds such as "7200s", "2h", "90m".
std::optional<std::int64_t> parse_duration_seconds(std::string_view text);

inline constexpr EventTime kMicrosPerSecond = 1'000'000;

}  // namespace rolewatch::rules
