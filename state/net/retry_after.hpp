#pragma once
// The one Retry-After parser (RFC 9110 §10.2.3), for alert delivery and
// Graph alike. A receiver's answer is untrusted: "0" would make a hot retry
// loop and "99999999999" used to overflow, so the delay is parsed with
// saturation and clamped to [kMinRetryAfter, kMaxRetryAfter]. Anything that
// is neither delta-seconds nor an HTTP date is ignored (the caller's own
// exponential backoff applies).
#include <chrono>
#include <optional>
#include <string_view>

namespace rolewatch::state {

inline constexpr std::chrono::milliseconds kMinRetryAfter{1'000};
inline constexpr std::chrono::milliseconds kMaxRetryAfter{3'600'000};

// Seconds from a Retry-After value: delta-seconds (digits only, saturating
// far above an hour) or an HTTP date relative to `now` (0 when in the past).
// nullopt when empty or unparseable. Not clamped.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

// The wait a Retry-After header asks for, clamped to [1 s, 1 h]; nullopt
// when there is no header or it does not parse.
std::optional<std::chrono::milliseconds> retry_after_delay(
    std::optional<std::string_view> header, std::chrono::system_clock::time_point now);

}  // namespace rolewatch::state
