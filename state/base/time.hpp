#pragma once
// Time and duration parsing and formatting, one of each for every layer:
// event times (ISO 8601 / RFC 3339, UTC) in audit records, Graph answers and
// CSV exports; durations in rules and configuration.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rolewatch::state {

// Microseconds since the Unix epoch, UTC (rules::Micros is the same).
using Micros = std::int64_t;

// Accepts "2025-03-04T10:15:02.1234567+00:00", "...Z", 0 to 9 fractional
// digits, any numeric offset, and the legacy "MM/DD/YYYY HH:MM:SS" form.
std::optional<Micros> parse_event_time(std::string_view text);

// "2025-03-04T10:15:02.123456Z" (microseconds, always UTC).
std::string format_event_time(Micros time);

// ISO 8601 duration for whole seconds, e.g. 7200 s -> "PT2H", 5400 s -> "PT1H30M".
std::string format_iso_duration(std::int64_t seconds);
// Parses "PT2H", "PT90M", "P1D", "PT1H30M15S" or plain seconds such as "7200s", "2h", "90m".
std::optional<std::int64_t> parse_duration_seconds(std::string_view text);
// The same, and milliseconds ("500ms"), for settings finer than a second.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// parse_event_time, or 0 when the text is empty, "null" or unparsable
// (optional times in Graph answers and CSV exports).
Micros parse_time_or_zero(std::string_view text);

inline constexpr Micros kMicrosPerSecond = 1'000'000;

// The system clock now, in the same unit: the one wall clock of every layer.
Micros wall_clock_now();

}  // namespace rolewatch::state
