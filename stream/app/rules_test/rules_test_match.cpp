#include "stream/app/rules_test/rules_test_match.hpp"

#include <map>
#include <set>

#include "state/base/ascii.hpp"
#include "state/base/log_escape.hpp"

namespace rolewatch::stream {
namespace {

using nlohmann::json;

// A string at a JSON pointer; empty when absent or null.
std::string at(const json& doc, const char* pointer) {
  const json::json_pointer path(pointer);
  if (!doc.contains(path) || !doc.at(path).is_string()) return {};
  return doc.at(path).get<std::string>();
}

// An identity named by any of its names (case-insensitive, as Entra's are).
bool names(const json& doc, const std::vector<const char*>& pointers, const std::string& name) {
  for (const auto* pointer : pointers) {
    const auto value = at(doc, pointer);
    if (!value.empty() && state::equals_ignoring_case(value, name)) return true;
  }
  return false;
}

// One alert id as the test sees it: its last revision and how many there were.
struct ActualAlert {
  json last;
  std::uint32_t revisions = 0;
};

std::vector<ActualAlert> alerts_of(const std::vector<json>& documents) {
  std::vector<ActualAlert> alerts;
  std::map<std::string, std::size_t> index;
  for (const auto& doc : documents) {
    if (doc.value("schema", "") != "rolewatch.alert.v1") continue;
    auto [it, added] = index.try_emplace(doc.value("id", ""), alerts.size());
    if (added) alerts.push_back({});
    auto& alert = alerts[it->second];
    alert.last = doc;
    ++alert.revisions;
  }
  return alerts;
}

// The distinct targets of a burst's removals, as (id, userPrincipalName).
std::set<std::pair<std::string, std::string>> targets_of(const json& alert) {
  std::set<std::pair<std::string, std::string>> targets;
  for (const auto& removal : alert.value("removals", json::array())) {
    targets.insert({at(removal, "/target/id"), at(removal, "/target/userPrincipalName")});
  }
  return targets;
}

bool same_targets(const json& alert, const std::vector<std::string>& expected) {
  const auto targets = targets_of(alert);
  auto named = [](const auto& target, const std::string& name) {
    return state::equals_ignoring_case(target.first, name) ||
           (!target.second.empty() && state::equals_ignoring_case(target.second, name));
  };
  for (const auto& target : targets) {
    bool found = false;
    for (const auto& name : expected) found = found || named(target, name);
    if (!found) return false;
  }
  for (const auto& name : expected) {
    bool found = false;
    for (const auto& target : targets) found = found || named(target, name);
    if (!found) return false;
  }
  return true;
}

template <typename T>
bool fits(const std::optional<T>& expected, const T& actual) {
  return !expected || *expected == actual;
}

bool matches(const ExpectedAlert& e, const ActualAlert& a) {
  const auto& doc = a.last;
  return fits(e.rule, at(doc, "/rule")) && fits(e.severity, at(doc, "/severity")) &&
         fits(e.status, at(doc, "/status")) && fits(e.revisions, a.revisions) &&
         (!e.count || (doc.contains("count") && doc["count"] == *e.count)) &&
         (!e.actor ||
          names(doc, {"/actor/userPrincipalName", "/actor/id", "/actor/displayName"}, *e.actor)) &&
         (!e.removed_targets || same_targets(doc, *e.removed_targets));
}

// A JSON boolean that may be null (unknown): compared as such.
bool fits_flag(const std::optional<bool>& expected, const json& doc, const char* key) {
  if (!expected) return true;
  return doc.contains(key) && doc[key].is_boolean() && doc[key].get<bool>() == *expected;
}

bool matches(const ExpectedActivation& e, const json& doc) {
  return (!e.principal ||
          names(doc, {"/principal/userPrincipalName", "/principal/id"}, *e.principal)) &&
         (!e.role || names(doc, {"/role/displayName", "/role/templateId"}, *e.role)) &&
         fits(e.eligibility, at(doc, "/eligibility")) &&
         fits(e.ip_address, at(doc, "/ipAddress")) && fits_flag(e.privileged, doc, "privileged") &&
         fits_flag(e.synced, doc, "synced") && fits_flag(e.new_ip, doc, "newIp");
}

void field(std::string& out, const char* name, const std::string& value) {
  out += ' ';
  out += name;
  out += '=';
  out += value.empty() ? "-" : value;
}

std::string list_text(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& item : items) out += (out.size() > 1 ? ", " : "") + item;
  return out + "]";
}

std::string describe(const ExpectedAlert& e) {
  std::string out;
  if (e.rule) field(out, "rule", *e.rule);
  if (e.actor) field(out, "actor", *e.actor);
  if (e.severity) field(out, "severity", *e.severity);
  if (e.status) field(out, "status", *e.status);
  if (e.count) field(out, "count", std::to_string(*e.count));
  if (e.revisions) field(out, "revisions", std::to_string(*e.revisions));
  if (e.removed_targets) field(out, "removed_targets", list_text(*e.removed_targets));
  return out;
}

std::string flag_text(const json& value) {
  return value.is_boolean() ? (value.get<bool>() ? "true" : "false") : "null";
}
std::string flag_text(bool value) {
  return value ? "true" : "false";
}

std::string describe(const ExpectedActivation& e) {
  std::string out;
  if (e.principal) field(out, "principal", *e.principal);
  if (e.role) field(out, "role", *e.role);
  if (e.eligibility) field(out, "eligibility", *e.eligibility);
  if (e.ip_address) field(out, "ip_address", *e.ip_address);
  if (e.privileged) field(out, "privileged", flag_text(*e.privileged));
  if (e.synced) field(out, "synced", flag_text(*e.synced));
  if (e.new_ip) field(out, "new_ip", flag_text(*e.new_ip));
  return out;
}

std::string first_name(const json& doc, const char* upn, const char* id) {
  auto name = at(doc, upn);
  return name.empty() ? at(doc, id) : name;
}

std::string describe(const ActualAlert& a) {
  const auto& doc = a.last;
  std::string out;
  field(out, "rule", at(doc, "/rule"));
  field(out, "actor", first_name(doc, "/actor/userPrincipalName", "/actor/id"));
  field(out, "severity", at(doc, "/severity"));
  field(out, "status", at(doc, "/status"));
  if (doc.contains("count")) field(out, "count", doc["count"].dump());
  field(out, "revisions", std::to_string(a.revisions));
  if (doc.contains("removals")) {
    std::vector<std::string> targets;
    for (const auto& [id, upn] : targets_of(doc)) targets.push_back(upn.empty() ? id : upn);
    field(out, "removed_targets", list_text(targets));
  }
  return out;
}

std::string describe(const json& activation) {
  std::string out;
  field(out, "principal", first_name(activation, "/principal/userPrincipalName", "/principal/id"));
  field(out, "role", first_name(activation, "/role/displayName", "/role/templateId"));
  field(out, "eligibility", at(activation, "/eligibility"));
  field(out, "ip_address", at(activation, "/ipAddress"));
  field(out, "privileged", flag_text(activation.value("privileged", json())));
  field(out, "synced", flag_text(activation.value("synced", json())));
  field(out, "new_ip", flag_text(activation.value("newIp", json())));
  return out;
}

// Each expectation takes the first unclaimed actual item that fits; what is
// left on either side is the diff.
template <typename E, typename A>
void pair_up(const std::vector<E>& expected, const std::vector<A>& actual, const char* kind,
             std::vector<std::string>& diff) {
  std::vector<bool> claimed(actual.size(), false);
  for (const auto& e : expected) {
    bool found = false;
    for (std::size_t i = 0; i < actual.size() && !found; ++i) {
      if (!claimed[i] && matches(e, actual[i])) claimed[i] = found = true;
    }
    if (!found) {
      diff.push_back(std::string("- expected ") + kind + " (" + e.where.text() +
                     "):" + describe(e));
    }
  }
  for (std::size_t i = 0; i < actual.size(); ++i) {
    if (!claimed[i]) diff.push_back(std::string("+ actual ") + kind + ":" + describe(actual[i]));
  }
}

std::vector<json> activations_of(const std::vector<json>& documents) {
  std::vector<json> activations;
  for (const auto& doc : documents) {
    if (doc.value("schema", "") == "rolewatch.activation.v1") activations.push_back(doc);
  }
  return activations;
}

}  // namespace

std::vector<std::string> compare_case(const RuleTestCase& test,
                                      const std::vector<json>& documents) {
  std::vector<std::string> diff;
  if (test.expect_no_alerts || test.alerts) {
    const auto actual = alerts_of(documents);
    if (test.expect_no_alerts && !actual.empty()) diff.push_back("- expected no alerts");
    pair_up(test.alerts.value_or(std::vector<ExpectedAlert>{}), actual, "alert", diff);
  }
  if (test.activations) pair_up(*test.activations, activations_of(documents), "activation", diff);
  for (auto& line : diff) line = state::log_escaped(line);
  return diff;
}

}  // namespace rolewatch::stream
