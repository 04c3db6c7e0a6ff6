#pragma once
// ASCII case folding and trimming for identifiers and names from audit records, Graph and
// configuration keys (GUIDs, property names, service names). Locale-free on
// purpose: std::tolower would depend on the process locale.
#include <algorithm>
#include <string>
#include <string_view>

namespace rolewatch::state {

constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) { return ascii_lower(c); });
  return out;
}

constexpr bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

// Without leading and trailing ASCII whitespace (space, tab, CR, LF, VT, FF).
constexpr std::string_view trim_ascii_space(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

}  // namespace rolewatch::state
