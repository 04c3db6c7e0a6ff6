#include "state/iso_time.hpp"

#include <cctype>
#include <charconv>
#include <chrono>

namespace rolewatch::state {
namespace {

bool read_int(std::string_view text, std::size_t pos, std::size_t width, int& out) {
  if (pos + width > text.size()) return false;
  auto begin = text.data() + pos;
  auto [end, ec] = std::from_chars(begin, begin + width, out);
  return ec == std::errc() && end == begin + width;
}

// Seconds east of UTC from "Z", "+hh:mm" or "-hh:mm"; false if malformed.
bool read_offset(std::string_view rest, int& seconds) {
  if (rest == "Z" || rest == "z" || rest.empty()) return (seconds = 0, true);
  int hours = 0, minutes = 0;
  if (rest.size() != 6 || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':') return false;
  if (!read_int(rest, 1, 2, hours) || !read_int(rest, 4, 2, minutes)) return false;
  seconds = (hours * 60 + minutes) * 60 * (rest[0] == '-' ? -1 : 1);
  return true;
}

}  // namespace

Micros parse_iso_time(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 19 || !read_int(text, 0, 4, year) || text[4] != '-' ||
      !read_int(text, 5, 2, month) || text[7] != '-' || !read_int(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != ' ') || !read_int(text, 11, 2, hour) || text[13] != ':' ||
      !read_int(text, 14, 2, minute) || text[16] != ':' || !read_int(text, 17, 2, second)) {
    return 0;
  }
  std::size_t pos = 19;
  Micros fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    Micros scale = 100'000;
    for (++pos; pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])); ++pos) {
      fraction += (text[pos] - '0') * scale;
      scale /= 10;
    }
  }
  int offset = 0;
  if (!read_offset(text.substr(pos), offset)) return 0;
  using namespace std::chrono;
  year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                      std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return 0;
  auto seconds =
      sys_days(date).time_since_epoch() / 1s + hour * 3600 + minute * 60 + second - offset;
  return static_cast<Micros>(seconds) * 1'000'000 + fraction;
}

}  // namespace rolewatch::state
