#include "stream/config/env_expansion.hpp"

#include <cctype>
#include <cstdlib>

namespace rolewatch::stream {
namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// Expands the inside of one ${...}.
Expected<std::string> expand_reference(std::string_view inside, const EnvLookup& lookup) {
  auto separator = inside.find(":-");
  auto name = std::string(inside.substr(0, separator));
  // The text is not echoed: a literal secret may contain "${".
  if (!valid_name(name))
    return make_error("invalid ${...} reference: expected ${NAME} or ${NAME:-default}");
  auto value = lookup(name);
  if (separator == std::string_view::npos) {
    if (!value) return make_error("environment variable " + name + " is not set");
    return *value;
  }
  if (!value || value->empty()) return std::string(inside.substr(separator + 2));
  return *value;
}

}  // namespace

std::optional<std::string> process_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

Expected<std::string> expand_env(std::string_view text, const EnvLookup& lookup) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 == text.size()) {
      out += text[i];
    } else if (text[i + 1] == '$') {
      out += '$';
      ++i;
    } else if (text[i + 1] == '{') {
      auto close = text.find('}', i + 2);
      if (close == std::string_view::npos) return make_error("unterminated ${ in value");
      auto expanded = expand_reference(text.substr(i + 2, close - i - 2), lookup);
      if (!expanded) return expanded.error();
      out += *expanded;
      i = close;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace rolewatch::stream
