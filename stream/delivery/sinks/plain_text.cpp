#include "stream/delivery/sinks/plain_text.hpp"

#include <cctype>

#include "state/base/log_escape.hpp"

namespace rolewatch::stream {
namespace {

bool markdown_special(char c) {
  switch (c) {
    case '\\':
    case '`':
    case '*':
    case '_':
    case '[':
    case ']':
    case '(':
    case ')':
    case '#':
    case '>':
    case '<':
    case '&':
    case '~':
    case '|':
      return true;
    default:
      return false;
  }
}

// Where "1. " or "12." (then a space or the end) at the very start would
// begin a numbered list: the index of its ".", or npos. "10.0.0.1" starts none.
std::size_t numbered_list_dot(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits >= text.size() || text[digits] != '.') return std::string::npos;
  auto after = digits + 1;
  return after == text.size() || text[after] == ' ' || text[after] == '\t' ? digits
                                                                           : std::string::npos;
}

bool starts_with_www(std::string_view text, std::size_t at) {
  if (text.size() < at + 4 || text[at + 3] != '.') return false;
  for (std::size_t i = at; i < at + 3; ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != 'w') return false;
  }
  return at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
}

}  // namespace

std::string plain_text(std::string_view text) {
  auto visible = state::log_escaped(text);
  auto list_dot = numbered_list_dot(visible);
  std::string out;
  out.reserve(visible.size() + visible.size() / 4);
  for (std::size_t i = 0; i < visible.size(); ++i) {
    char c = visible[i];
    bool list_marker = (i == 0 && (c == '-' || c == '+')) || i == list_dot;
    if (markdown_special(c) || list_marker) out.push_back('\\');
    out.push_back(c);
    if (c == ':' && visible.compare(i + 1, 2, "//") == 0) out.append(kWordJoiner);
    if (starts_with_www(visible, i)) {
      out.append(visible, i + 1, 2);
      out.append(kWordJoiner);
      i += 2;
    }
  }
  return out;
}

}  // namespace rolewatch::stream
