#include "rules/role_event.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace rolewatch::rules {
namespace {

// Spellings are compared ignoring case and treating '-', '_' and ' ' alike, so
// YAML can say "remove-active", "remove_active" or "Remove active".
bool same_token(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  auto fold = [](char c) {
    if (c == '-' || c == ' ') return '_';
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  return std::equal(a.begin(), a.end(), b.begin(),
                    [&](char x, char y) { return fold(x) == fold(y); });
}

constexpr std::array<std::pair<Kind, std::string_view>, 10> kKindNames{{
    {Kind::remove_active, "remove-active"},
    {Kind::remove_eligible, "remove-eligible"},
    {Kind::add_active, "add-active"},
    {Kind::add_eligible, "add-eligible"},
    {Kind::activate, "activate"},
    {Kind::deactivate, "deactivate"},
    {Kind::activation_expired, "activation-expired"},
    {Kind::request, "request"},
    {Kind::definition_assignment, "definition-assignment"},
    {Kind::other, "other"},
}};

}  // namespace

std::string_view to_string(Service service) {
  switch (service) {
    case Service::core_directory:
      return "Core Directory";
    case Service::pim:
      return "PIM";
    case Service::other:
      break;
  }
  return "other";
}

std::string_view to_string(Kind kind) {
  for (const auto& [value, name] : kKindNames) {
    if (value == kind) return name;
  }
  return "other";
}

std::string_view to_string(Outcome outcome) {
  return outcome == Outcome::success ? "success" : "failure";
}

std::string_view to_string(ActorType type) {
  switch (type) {
    case ActorType::user:
      return "user";
    case ActorType::service_principal:
      return "servicePrincipal";
    case ActorType::unknown:
      break;
  }
  return "unknown";
}

std::optional<Kind> kind_from_string(std::string_view text) {
  for (const auto& [value, name] : kKindNames) {
    if (same_token(text, name)) return value;
  }
  return std::nullopt;
}

std::optional<Service> service_from_string(std::string_view text) {
  if (same_token(text, "Core Directory") || same_token(text, "CoreDirectory")) {
    return Service::core_directory;
  }
  if (same_token(text, "PIM") || same_token(text, "Privileged Identity Management")) {
    return Service::pim;
  }
  if (same_token(text, "other")) return Service::other;
  return std::nullopt;
}

}  // namespace rolewatch::rules
