#include "stream/delivery/sinks/teams_card.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <string_view>
#include <vector>

#include "stream/delivery/sinks/plain_text.hpp"

namespace rolewatch::stream {
namespace {

using nlohmann::json;

// Every string read from the alert is plain text: escaped for Markdown, no links.
std::string text_of(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? plain_text(it->get_ref<const std::string&>())
                                               : std::string();
}

std::string raw_text_of(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string first_non_empty(std::initializer_list<std::string> values) {
  for (const auto& value : values) {
    if (!value.empty()) return value;
  }
  return "unknown";
}

// "2025-03-04T10:15:02.123456Z" -> "2025-03-04 10:15:02Z": readable in a card.
std::string short_time(const std::string& time) {
  if (time.size() < 19) return time;
  auto out = time.substr(0, 19);
  out[10] = ' ';
  return out + "Z";
}

// A time from the alert, shortened, as plain text.
std::string time_of(const json& object, const char* key) {
  return plain_text(short_time(raw_text_of(object, key)));
}

std::string actor_label(const json& actor) {
  return first_non_empty(
      {text_of(actor, "userPrincipalName"), text_of(actor, "displayName"), text_of(actor, "id")});
}

json fact(std::string title, std::string value) {
  return {{"title", std::move(title)}, {"value", std::move(value)}};
}

std::string yes_no(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_boolean()) return "unknown";
  return it->get<bool>() ? "yes" : "no";
}

// What every alert has: severity, actor, MITRE, tenant, id; plus the burst's
// count or the activation alert's reason.
json facts(const json& alert) {
  const auto& actor = alert.value("actor", json::object());
  const auto& mitre = alert.value("mitre", json::object());
  json list = json::array();
  list.push_back(fact("Severity", first_non_empty({text_of(alert, "severity")})));
  list.push_back(fact("Actor", actor_label(actor) + " (" + text_of(actor, "type") + ")"));
  if (auto ip = text_of(actor, "ipAddress"); !ip.empty()) list.push_back(fact("Actor IP", ip));
  if (alert.contains("removals")) {
    list.push_back(fact("Removals", std::to_string(alert.value("count", 0)) + " (threshold " +
                                        std::to_string(alert.value("threshold", 0)) + " within " +
                                        text_of(alert, "window") + ")"));
  }
  if (auto failed = alert.value("failedCount", 0); failed > 0) {
    list.push_back(fact("Failed attempts", std::to_string(failed)));
  }
  if (auto reason = text_of(alert, "reason"); !reason.empty()) list.push_back(fact("Why", reason));
  list.push_back(
      fact("First / last", time_of(alert, "firstSeen") + " / " + time_of(alert, "lastSeen")));
  list.push_back(fact("MITRE", text_of(mitre, "technique") + " " + text_of(mitre, "tactic")));
  if (auto tenant = text_of(alert, "tenantId"); !tenant.empty())
    list.push_back(fact("Tenant", tenant));
  list.push_back(fact("Alert id", text_of(alert, "id")));
  return list;
}

// The labelled PIM activation behind an activation alert.
json activation_facts(const json& activation) {
  const auto& principal = activation.value("principal", json::object());
  const auto& role = activation.value("role", json::object());
  auto eligibility = text_of(activation, "eligibility");
  if (auto via = text_of(activation, "eligibleVia"); !via.empty()) eligibility += " via " + via;
  json list = json::array();
  list.push_back(fact("Principal", first_non_empty({text_of(principal, "userPrincipalName"),
                                                    text_of(principal, "id")})));
  list.push_back(
      fact("Role", first_non_empty({text_of(role, "displayName"), text_of(role, "templateId")})));
  list.push_back(fact("Eligibility", eligibility.empty() ? "unknown" : eligibility));
  list.push_back(fact("Synced from on-premises", yes_no(activation, "synced")));
  if (auto ip = text_of(activation, "ipAddress"); !ip.empty()) {
    list.push_back(fact("IP", ip + (activation.value("newIp", false) ? " (new)" : "")));
  }
  list.push_back(fact("MFA", yes_no(activation, "mfa")));
  if (auto why = text_of(activation, "justification"); !why.empty()) {
    list.push_back(fact("Justification", why));
  }
  list.push_back(fact("Activated", time_of(activation, "time")));
  return list;
}

json removal_line(const json& removal) {
  const auto& target = removal.value("target", json::object());
  const auto& role = removal.value("role", json::object());
  auto result = text_of(removal, "result");
  auto text =
      "- " + first_non_empty({text_of(target, "userPrincipalName"), text_of(target, "id")}) +
      " · " + first_non_empty({text_of(role, "displayName"), text_of(role, "templateId")}) + " · " +
      time_of(removal, "time") + " · " + (result == "failure" ? "**failed**" : result) + " (" +
      text_of(removal, "service") + ")";
  return {{"type", "TextBlock"}, {"text", std::move(text)}, {"wrap", true}, {"spacing", "None"}};
}

std::string title_of(const json& alert) {
  auto title = text_of(alert, "title");
  return title.empty() ? "rolewatch alert" : title;
}

json text_block(std::string text, json extra = json::object()) {
  json block = {{"type", "TextBlock"}, {"text", std::move(text)}, {"wrap", true}};
  block.update(extra);
  return block;
}

// The Workflows envelope around one Adaptive Card 1.4 with `body`.
json envelope(json body, json actions = json::array()) {
  json content = {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
                  {"type", "AdaptiveCard"},
                  {"version", "1.4"},
                  {"body", std::move(body)},
                  {"msteams", {{"width", "Full"}}}};
  if (!actions.empty()) content["actions"] = std::move(actions);
  return {{"type", "message"},
          {"attachments", json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                        {"contentUrl", nullptr},
                                        {"content", std::move(content)}}})}};
}

// Removal lines for `removals`, the first `shown` of them and a "… and N
// more" line for the rest.
void add_removal_lines(json& body, const json& alert, const std::vector<const json*>& removals,
                       std::size_t shown) {
  shown = std::min(shown, removals.size());
  for (std::size_t i = 0; i < shown; ++i) body.push_back(removal_line(*removals[i]));
  if (shown < removals.size()) {
    body.push_back(text_block("… and " + std::to_string(removals.size() - shown) +
                                  " more; the full list is in the alert JSON (id " +
                                  text_of(alert, "id") + ")",
                              {{"isSubtle", true}}));
  }
}

// The message built with the largest number of removal lines (up to
// `total`) that fits in max_bytes. Lines are similar in size, so a binary
// search over the count is exact enough and cheap.
json fitted(const std::function<json(std::size_t)>& build, std::size_t total,
            std::size_t max_bytes) {
  auto message = build(total);
  if (message.dump().size() <= max_bytes) return message;
  std::size_t low = 0, high = total;
  while (low < high) {
    auto mid = (low + high + 1) / 2;
    if (build(mid).dump().size() <= max_bytes) {
      low = mid;
    } else {
      high = mid - 1;
    }
  }
  return build(low);
}

std::vector<const json*> all_removals(const json& alert) {
  std::vector<const json*> list;
  auto it = alert.find("removals");
  if (it == alert.end() || !it->is_array()) return list;
  for (const auto& removal : *it) list.push_back(&removal);
  return list;
}

json card(const json& alert, std::size_t shown_removals) {
  auto removals = all_removals(alert);
  json body = json::array();
  body.push_back(text_block(title_of(alert),
                            {{"size", "Large"}, {"weight", "Bolder"}, {"color", "Attention"}}));
  body.push_back({{"type", "FactSet"}, {"facts", facts(alert)}});
  if (alert.contains("activation") && alert["activation"].is_object()) {
    body.push_back(text_block("Activation", {{"weight", "Bolder"}, {"spacing", "Medium"}}));
    body.push_back({{"type", "FactSet"}, {"facts", activation_facts(alert["activation"])}});
  }
  if (!removals.empty()) {
    body.push_back(text_block("Removals", {{"weight", "Bolder"}, {"spacing", "Medium"}}));
  }
  add_removal_lines(body, alert, removals, shown_removals);
  json actions = json::array();
  if (auto url = entra_actor_url(alert.value("actor", json::object())); !url.empty()) {
    actions.push_back({{"type", "Action.OpenUrl"}, {"title", "Open actor in Entra"}, {"url", url}});
  }
  return envelope(std::move(body), std::move(actions));
}

// What the short cards of a burst's later revisions show.
json short_facts(const json& alert) {
  json list = json::array();
  list.push_back(fact("Actor", actor_label(alert.value("actor", json::object()))));
  list.push_back(fact("Removals", std::to_string(alert.value("count", 0)) + " (threshold " +
                                      std::to_string(alert.value("threshold", 0)) + " within " +
                                      text_of(alert, "window") + ")"));
  if (auto failed = alert.value("failedCount", 0); failed > 0) {
    list.push_back(fact("Failed attempts", std::to_string(failed)));
  }
  list.push_back(
      fact("First / last", time_of(alert, "firstSeen") + " / " + time_of(alert, "lastSeen")));
  list.push_back(fact("Revision", std::to_string(alert.value("revision", 1))));
  list.push_back(fact("Alert id", text_of(alert, "id")));
  return list;
}

json short_card(const json& alert, const std::string& heading) {
  json body = json::array();
  body.push_back(text_block(heading, {{"size", "Medium"}, {"weight", "Bolder"}}));
  body.push_back(text_block(title_of(alert), {{"isSubtle", true}, {"spacing", "None"}}));
  body.push_back({{"type", "FactSet"}, {"facts", short_facts(alert)}});
  return body;
}

// An Entra object id: a GUID, 8-4-4-4-12 hexadecimal digits.
bool object_id(std::string_view id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !std::isxdigit(static_cast<unsigned char>(id[i]))) return false;
  }
  return true;
}

}  // namespace

std::string entra_actor_url(const nlohmann::json& actor) {
  auto id = raw_text_of(actor, "id");
  if (!object_id(id) || raw_text_of(actor, "type") != "user") return {};
  return "https://entra.microsoft.com/#view/Microsoft_AAD_UsersAndTenants/UserProfileMenuBlade/~/"
         "overview/userId/" +
         id;
}

nlohmann::json teams_message(const nlohmann::json& alert, std::size_t max_bytes) {
  return fitted([&](std::size_t shown) { return card(alert, shown); }, all_removals(alert).size(),
                max_bytes);
}

nlohmann::json teams_update_message(const nlohmann::json& alert, const std::set<std::string>& shown,
                                    std::size_t max_bytes) {
  std::vector<const json*> added;
  for (const auto* removal : all_removals(alert)) {
    if (shown.count(raw_text_of(*removal, "auditId")) == 0) added.push_back(removal);
  }
  auto heading = "Burst grew to " + std::to_string(alert.value("count", 0)) + " removals";
  auto build = [&](std::size_t lines) {
    auto body = short_card(alert, heading);
    if (!added.empty()) {
      body.push_back(
          text_block("New since the last card", {{"weight", "Bolder"}, {"spacing", "Medium"}}));
    }
    add_removal_lines(body, alert, added, lines);
    return envelope(std::move(body));
  };
  return fitted(build, added.size(), max_bytes);
}

nlohmann::json teams_closed_message(const nlohmann::json& alert) {
  return envelope(
      short_card(alert, "Burst closed: " + std::to_string(alert.value("count", 0)) + " removals"));
}

}  // namespace rolewatch::stream
