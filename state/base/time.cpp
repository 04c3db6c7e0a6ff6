#include "state/base/time.hpp"

#include <charconv>
#include <cstdio>
#include <limits>

#include "state/base/ascii.hpp"

namespace rolewatch::state {
namespace {

constexpr std::int64_t kSecondsPerDay = 86'400;

// Howard Hinnant's days_from_civil: days since 1970-01-01 in the proleptic
// Gregorian calendar, exact for any year, no tables, no timezone database.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146'097 + static_cast<std::int64_t>(doe) - 719'468;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

// Inverse of days_from_civil.
constexpr Civil civil_from_days(std::int64_t z) {
  z += 719'468;
  const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const auto doe = static_cast<unsigned>(z - era * 146'097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

constexpr bool is_leap(std::int64_t y) {
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// A cursor over the text; every read checks bounds, so garbage never reads
// past the end.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ == text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  bool accept(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  bool is_digit() const { return peek() >= '0' && peek() <= '9'; }

  // Exactly `count` decimal digits.
  std::optional<unsigned> digits(int count) {
    unsigned value = 0;
    for (int i = 0; i < count; ++i) {
      if (!is_digit()) return std::nullopt;
      value = value * 10 + static_cast<unsigned>(text_[pos_++] - '0');
    }
    return value;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

struct Fields {
  std::int64_t year = 0;
  unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::int64_t micros = 0;
  std::int64_t offset_seconds = 0;  // local time minus UTC
};

bool valid(const Fields& f) {
  if (f.month < 1 || f.month > 12) return false;
  if (f.day < 1 || f.day > days_in_month(f.year, f.month)) return false;
  // 60 admits a leap second; it lands on the next minute's first second.
  return f.hour <= 23 && f.minute <= 59 && f.second <= 60;
}

std::optional<Micros> to_event_time(const Fields& f) {
  if (!valid(f)) return std::nullopt;
  const std::int64_t days = days_from_civil(f.year, f.month, f.day);
  const std::int64_t seconds =
      days * kSecondsPerDay + f.hour * 3600 + f.minute * 60 + f.second - f.offset_seconds;
  return seconds * kMicrosPerSecond + f.micros;
}

// ".1234567": 1 to 9 digits, kept to microseconds (truncated, not rounded,
// so an instant never moves into the next second).
bool parse_fraction(Cursor& in, Fields& f) {
  if (!in.accept('.') && !in.accept(',')) return true;
  int count = 0;
  std::int64_t micros = 0;
  while (in.is_digit()) {
    if (++count > 9) return false;
    const auto digit = static_cast<std::int64_t>(*in.digits(1));
    if (count <= 6) micros = micros * 10 + digit;
  }
  if (count == 0) return false;
  for (int i = count; i < 6; ++i) micros *= 10;
  f.micros = micros;
  return true;
}

// "Z", "+00:00", "-05:30", "+0530", "+05", or nothing (taken as UTC).
bool parse_offset(Cursor& in, Fields& f) {
  if (in.at_end()) return true;
  if (in.accept('Z') || in.accept('z')) return in.at_end();
  const int sign = in.accept('+') ? 1 : (in.accept('-') ? -1 : 0);
  if (sign == 0) return false;
  const auto hours = in.digits(2);
  if (!hours || *hours > 23) return false;
  unsigned minutes = 0;
  if (!in.at_end()) {
    in.accept(':');
    const auto mm = in.digits(2);
    if (!mm || *mm > 59) return false;
    minutes = *mm;
  }
  f.offset_seconds = sign * static_cast<std::int64_t>(*hours * 3600 + minutes * 60);
  return in.at_end();
}

// "2025-03-04T10:15:02.1234567+00:00" and its variants.
std::optional<Micros> parse_iso(std::string_view text) {
  Cursor in(text);
  Fields f;
  const auto year = in.digits(4);
  if (!year || !in.accept('-')) return std::nullopt;
  const auto month = in.digits(2);
  if (!month || !in.accept('-')) return std::nullopt;
  const auto day = in.digits(2);
  if (!day || !(in.accept('T') || in.accept('t') || in.accept(' '))) return std::nullopt;
  const auto hour = in.digits(2);
  if (!hour || !in.accept(':')) return std::nullopt;
  const auto minute = in.digits(2);
  if (!minute || !in.accept(':')) return std::nullopt;
  const auto second = in.digits(2);
  if (!second) return std::nullopt;
  f.year = *year;
  f.month = *month, f.day = *day, f.hour = *hour, f.minute = *minute, f.second = *second;
  if (!parse_fraction(in, f) || !parse_offset(in, f)) return std::nullopt;
  return to_event_time(f);
}

// Legacy "01/09/2007 09:41:00" (month first, UTC), seen in old exports.
std::optional<Micros> parse_legacy(std::string_view text) {
  Cursor in(text);
  Fields f;
  const auto month = in.digits(2);
  if (!month || !in.accept('/')) return std::nullopt;
  const auto day = in.digits(2);
  if (!day || !in.accept('/')) return std::nullopt;
  const auto year = in.digits(4);
  if (!year || !in.accept(' ')) return std::nullopt;
  const auto hour = in.digits(2);
  if (!hour || !in.accept(':')) return std::nullopt;
  const auto minute = in.digits(2);
  if (!minute || !in.accept(':')) return std::nullopt;
  const auto second = in.digits(2);
  if (!second) return std::nullopt;
  f.year = *year;
  f.month = *month, f.day = *day, f.hour = *hour, f.minute = *minute, f.second = *second;
  if (!parse_fraction(in, f) || !parse_offset(in, f)) return std::nullopt;
  return to_event_time(f);
}

// Floor division, so times before 1970 format correctly too.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0);
}

// Adds `count * scale` to `total`; false on overflow.
bool add_scaled(std::int64_t& total, std::int64_t count, std::int64_t scale) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  if (count > (kMax - total) / scale) return false;
  total += count * scale;
  return true;
}

// Where a duration component sits: the date part of "P1DT2H", its time part,
// or shorthand ("1d2h", "90m") where every unit is allowed.
enum class Part { iso_date, iso_time, shorthand };

std::optional<std::int64_t> unit_seconds(char unit, Part part) {
  switch (unit) {
    case 'W':
    case 'w':
      if (part == Part::iso_time) return std::nullopt;
      return 7 * kSecondsPerDay;
    case 'D':
    case 'd':
      if (part == Part::iso_time) return std::nullopt;
      return kSecondsPerDay;
    case 'H':
    case 'h':
      if (part == Part::iso_date) return std::nullopt;
      return 3600;
    case 'M':
    case 'm':
      // In ISO 8601 "P1M" is a month; only "PT1M" (minutes) is accepted.
      if (part == Part::iso_date) return std::nullopt;
      return 60;
    case 'S':
    case 's':
      if (part == Part::iso_date) return std::nullopt;
      return 1;
    default:
      return std::nullopt;
  }
}

// Reads the digits at text[i...]; nullopt if there are none or they overflow.
std::optional<std::int64_t> read_count(std::string_view text, std::size_t& i) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  const std::size_t start = i;
  std::int64_t count = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (count > (kMax - 9) / 10) return std::nullopt;
    count = count * 10 + (text[i++] - '0');
  }
  if (i == start) return std::nullopt;
  return count;
}

// A run of <integer><unit> components. Shorthand also takes a final bare
// number as seconds ("7200", "1h30").
std::optional<std::int64_t> parse_components(std::string_view text, Part part) {
  std::int64_t total = 0;
  bool any = false;
  std::size_t i = 0;
  while (i < text.size()) {
    if (part == Part::iso_date && (text[i] == 'T' || text[i] == 't')) {
      part = Part::iso_time;
      if (++i == text.size()) return std::nullopt;  // "P1DT" is incomplete
      continue;
    }
    const auto count = read_count(text, i);
    if (!count) return std::nullopt;
    if (i == text.size()) {
      if (part != Part::shorthand || !add_scaled(total, *count, 1)) return std::nullopt;
      return total;
    }
    const auto scale = unit_seconds(text[i++], part);
    if (!scale || !add_scaled(total, *count, *scale)) return std::nullopt;
    any = true;
  }
  return any ? std::optional<std::int64_t>(total) : std::nullopt;
}

}  // namespace

std::optional<Micros> parse_event_time(std::string_view text) {
  if (text.size() >= 3 && text[2] == '/') return parse_legacy(text);
  return parse_iso(text);
}

std::string format_event_time(Micros time) {
  const std::int64_t seconds = floor_div(time, kMicrosPerSecond);
  const std::int64_t micros = time - seconds * kMicrosPerSecond;
  const std::int64_t days = floor_div(seconds, kSecondsPerDay);
  const std::int64_t second_of_day = seconds - days * kSecondsPerDay;
  const Civil date = civil_from_days(days);
  char out[64];
  std::snprintf(out, sizeof out, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ",
                static_cast<long long>(date.year), date.month, date.day,
                static_cast<long long>(second_of_day / 3600),
                static_cast<long long>(second_of_day / 60 % 60),
                static_cast<long long>(second_of_day % 60), static_cast<long long>(micros));
  return out;
}

std::string format_iso_duration(std::int64_t seconds) {
  std::string out;
  if (seconds < 0) {
    out = "-";
    seconds = -seconds;
  }
  out += 'P';
  const std::int64_t days = seconds / kSecondsPerDay;
  const std::int64_t hours = seconds / 3600 % 24;
  const std::int64_t minutes = seconds / 60 % 60;
  const std::int64_t secs = seconds % 60;
  if (days > 0) out += std::to_string(days) + 'D';
  if (hours == 0 && minutes == 0 && secs == 0) return days > 0 ? out : out + "T0S";
  out += 'T';
  if (hours > 0) out += std::to_string(hours) + 'H';
  if (minutes > 0) out += std::to_string(minutes) + 'M';
  if (secs > 0) out += std::to_string(secs) + 'S';
  return out;
}

std::optional<std::int64_t> parse_duration_seconds(std::string_view text) {
  text = trim_ascii_space(text);
  if (text.empty()) return std::nullopt;
  if (text.front() == 'P' || text.front() == 'p')
    return parse_components(text.substr(1), Part::iso_date);
  return parse_components(text, Part::shorthand);
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  text = trim_ascii_space(text);
  if (text.ends_with("ms")) {
    auto digits = text.substr(0, text.size() - 2);
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size() || value < 0) {
      return std::nullopt;
    }
    return std::chrono::milliseconds(value);
  }
  auto seconds = parse_duration_seconds(text);
  if (!seconds || *seconds > std::chrono::milliseconds::max().count() / 1000) return std::nullopt;
  return std::chrono::seconds(*seconds);
}

Micros parse_time_or_zero(std::string_view text) {
  return parse_event_time(text).value_or(0);
}

Micros wall_clock_now() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace rolewatch::state
