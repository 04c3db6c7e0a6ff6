// Retry-After parsing and clamping: see retry_after.hpp.
#include "state/net/retry_after.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>

#include "state/base/ascii.hpp"

namespace rolewatch::state {
namespace {

// Beyond this the value is clamped anyway; stopping here cannot overflow.
constexpr std::int64_t kSaturatedSeconds = 1'000'000'000;

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

std::chrono::seconds saturating_seconds(std::string_view digits) {
  std::int64_t seconds = 0;
  for (char c : digits) {
    seconds = seconds * 10 + (c - '0');
    if (seconds >= kSaturatedSeconds) return std::chrono::seconds(kSaturatedSeconds);
  }
  return std::chrono::seconds(seconds);
}

}  // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
  value = trim_ascii_space(value);
  if (value.empty()) return std::nullopt;
  if (all_digits(value)) return saturating_seconds(value);
  // An HTTP date has letters, digits, spaces, ',', ':' and '-' only; the
  // check keeps odd bytes away from curl_getdate's lenient parser.
  bool date_like = std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == ',' || c == ':' ||
           c == '-';
  });
  if (!date_like || value.size() > 64 || !std::isalpha(static_cast<unsigned char>(value[0]))) {
    return std::nullopt;
  }
  // curl_getdate understands the three HTTP date formats (RFC 9110 §5.6.7).
  std::string text(value);
  auto when = curl_getdate(text.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  auto delta = std::chrono::system_clock::from_time_t(when) - now;
  auto seconds = std::chrono::ceil<std::chrono::seconds>(delta);
  return std::clamp(seconds, std::chrono::seconds(0), std::chrono::seconds(kSaturatedSeconds));
}

std::optional<std::chrono::milliseconds> retry_after_delay(
    std::optional<std::string_view> header, std::chrono::system_clock::time_point now) {
  if (!header) return std::nullopt;
  auto seconds = parse_retry_after(*header, now);
  if (!seconds) return std::nullopt;
  return std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(*seconds), kMinRetryAfter,
                    kMaxRetryAfter);
}

}  // namespace rolewatch::state
