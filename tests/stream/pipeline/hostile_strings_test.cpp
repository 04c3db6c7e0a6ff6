// Hostile text in audit records (docs/design.md §3, "Input and decoding"):
// a descriptive field that does not decode is repaired to U+FFFD and its
// record kept; a message simdjson refuses for its bytes is repaired and
// parsed again; a decision field that does not decode skips its record
// alone. In every case the valid record after the bad one is still read.
#include <catch2/catch.hpp>
#include <functional>

#include "support/audit_records.hpp"
#include "support/hostile_text.hpp"

using rolewatch::rules::RoleEvent;
using support::HostileText;
using support::Json;
using support::kFffd;
using support::kHostile;

namespace {

const std::string kAt(kHostile);

// Where hostile text goes: how a removal record carries it, and where the
// decoded event shows it (nullptr: the field is not part of the event).
struct HostileField {
  std::string_view name;
  std::function<Json()> record;
  std::function<std::string(const RoleEvent&)> decoded;
};

support::Initiator hostile_actor(std::string display_name, std::string upn) {
  return support::user("aaaaaaaa-0000-0000-0000-000000000001", std::move(upn),
                       std::move(display_name), "203.0.113.45");
}

const std::vector<HostileField>& hostile_fields() {
  static const std::vector<HostileField> fields{
      {"the actor's displayName",
       [] {
         return support::core_directory_removal(
             {.audit_id = "bad", .actor = hostile_actor("Mallory" + kAt, "mallory@contoso.com")});
       },
       [](const RoleEvent& e) { return e.actor.display_name; }},
      {"the actor's userPrincipalName",
       [] {
         return support::core_directory_removal(
             {.audit_id = "bad",
              .actor = hostile_actor("Mallory", "mallory" + kAt + "@contoso.com")});
       },
       [](const RoleEvent& e) { return e.actor.user_principal_name; }},
      {"the target's userPrincipalName",
       [] {
         auto target = support::admin(1);
         target.user_principal_name = "admin" + kAt + "@contoso.com";
         return support::core_directory_removal({.audit_id = "bad", .target = target});
       },
       [](const RoleEvent& e) { return e.target.user_principal_name; }},
      {"the target's displayName",
       [] {
         auto target = support::admin(1);
         target.display_name = "Admin" + kAt;
         return support::core_directory_removal({.audit_id = "bad", .target = target});
       },
       nullptr},
      {"the role's displayName in Core Directory modifiedProperties",
       [] {
         auto role = support::global_administrator();
         role.display_name += kAt;
         return support::core_directory_removal({.audit_id = "bad", .role = role});
       },
       [](const RoleEvent& e) { return e.role.display_name; }},
      {"the role's displayName on a PIM Role target",
       [] {
         auto role = support::global_administrator();
         role.display_name += kAt;
         return support::pim_removal({.audit_id = "bad", .role = role});
       },
       [](const RoleEvent& e) { return e.role.display_name; }},
      {"a PIM justification",
       [] { return support::pim_removal({.audit_id = "bad", .justification = "because" + kAt}); },
       [](const RoleEvent& e) { return e.justification; }},
  };
  return fields;
}

// What `text` in place of the placeholder decodes to, in the field's value.
std::string expected_value(const HostileField& field, const HostileText& text) {
  if (field.name == "the actor's displayName") return "Mallory" + std::string(text.repaired);
  if (field.name == "the actor's userPrincipalName") {
    return "mallory" + std::string(text.repaired) + "@contoso.com";
  }
  if (field.name == "the target's userPrincipalName") {
    return "admin" + std::string(text.repaired) + "@contoso.com";
  }
  if (field.name == "a PIM justification") return "because" + std::string(text.repaired);
  return "Global Administrator" + std::string(text.repaired);
}

std::string message_with(const Json& bad_record, std::string_view raw) {
  auto after = support::core_directory_removal({.audit_id = "after", .target = support::admin(2)});
  return support::splice(support::event_hubs_message({bad_record, after}), raw);
}

std::vector<std::string> ids_of(const std::vector<RoleEvent>& events) {
  std::vector<std::string> ids;
  for (const auto& event : events) ids.push_back(event.audit_id);
  return ids;
}

}  // namespace

TEST_CASE("a record whose descriptive text does not decode is kept, repaired, with the next one",
          "[decoder][hostile]") {
  for (const auto& field : hostile_fields()) {
    for (const auto& text : support::hostile_texts()) {
      INFO(field.name << " holding " << text.name);
      auto decoded = support::decode(message_with(field.record(), text.raw));
      REQUIRE(ids_of(decoded.events) == std::vector<std::string>{"bad", "after"});
      if (field.decoded) CHECK(field.decoded(decoded.events[0]) == expected_value(field, text));
      CHECK(decoded.counters.role_records == 2);
      CHECK(decoded.counters.malformed_records == 0);
      CHECK(decoded.counters.malformed_messages == 0);
      CHECK(decoded.counters.repaired_messages == (text.whole_message ? 1 : 0));
      CHECK(decoded.counters.repaired_records == (text.whole_message ? 0 : 1));
    }
  }
}

TEST_CASE("Mallory\\udc00 is still Mallory: actor id, role and target survive the repair",
          "[decoder][hostile]") {
  auto record = support::core_directory_removal(
      {.audit_id = "removal-1", .actor = hostile_actor("Mallory" + kAt, "mallory@contoso.com")});
  auto decoded =
      support::decode(support::splice(support::event_hubs_message({record}), R"(\udc00)"));
  REQUIRE(decoded.events.size() == 1);
  const auto& event = decoded.events[0];
  CHECK(event.actor.id == "aaaaaaaa-0000-0000-0000-000000000001");
  CHECK(event.actor.display_name == "Mallory" + std::string(kFffd));
  CHECK(event.role.template_id == support::kGlobalAdministrator);
  CHECK(event.target.id == support::admin(1).id);
  CHECK(event.kind == rolewatch::rules::Kind::remove_active);
}

TEST_CASE("a record whose audit id does not decode is skipped alone", "[decoder][hostile]") {
  for (std::string_view raw : {R"(\ud800)", R"(\udc00\ud800)", R"(\q)"}) {
    INFO(raw);
    auto bad = support::core_directory_removal({.audit_id = "removal-" + kAt});
    auto decoded = support::decode(message_with(bad, raw));
    CHECK(ids_of(decoded.events) == std::vector<std::string>{"after"});
    CHECK(decoded.counters.malformed_records == 1);
    CHECK(decoded.counters.malformed_messages == 0);
    CHECK(decoded.counters.repaired_records == 0);
  }
}

TEST_CASE("a record whose activity, time or target type does not decode is skipped alone",
          "[decoder][hostile]") {
  auto target = support::admin(1);
  target.type = "User" + kAt;
  const std::vector<Json> records{
      support::core_directory_record({.activity = "Remove member from role" + kAt}),
      support::core_directory_removal({.time = std::string(support::kBaseTime) + kAt}),
      support::core_directory_removal({.target = target}),
  };
  for (const auto& bad : records) {
    auto decoded = support::decode(message_with(bad, R"(\udc00)"));
    CHECK(ids_of(decoded.events) == std::vector<std::string>{"after"});
    CHECK(decoded.counters.malformed_records == 1);
    CHECK(decoded.counters.malformed_messages == 0);
  }
}

TEST_CASE("a role template id that does not decode skips its record, not the message",
          "[decoder][hostile]") {
  auto role = support::global_administrator();
  role.template_id += kAt;
  for (const auto& bad :
       {support::core_directory_removal({.role = role}), support::pim_removal({.role = role})}) {
    auto decoded = support::decode(message_with(bad, R"(\ud800)"));
    CHECK(ids_of(decoded.events) == std::vector<std::string>{"after"});
    CHECK(decoded.counters.malformed_records == 1);
    CHECK(decoded.counters.malformed_messages == 0);
  }
}

TEST_CASE("an audit id holding invalid UTF-8 is kept with the bytes replaced, not invented",
          "[decoder][hostile]") {
  auto bad = support::core_directory_removal({.audit_id = "removal-" + kAt});
  auto decoded = support::decode(message_with(bad, "\xC0\xAF"));
  CHECK(ids_of(decoded.events) ==
        std::vector<std::string>{"removal-\xEF\xBF\xBD\xEF\xBF\xBD", "after"});
  CHECK(decoded.counters.repaired_messages == 1);
  CHECK(decoded.counters.malformed_messages == 0);
}

TEST_CASE("a result that is not a readable number skips its record, not the message",
          "[decoder][hostile]") {
  auto bad = support::core_directory_removal({.result = kAt});
  auto body = support::splice(
      support::event_hubs_message({bad, support::core_directory_removal({.audit_id = "after"})}),
      "-1e999", "\"" + kAt + "\"");
  auto decoded = support::decode(body);
  CHECK(ids_of(decoded.events) == std::vector<std::string>{"after"});
  CHECK(decoded.counters.malformed_records == 1);
  CHECK(decoded.counters.malformed_messages == 0);
}

TEST_CASE("a truncated message with invalid UTF-8 is repaired and salvaged", "[decoder][hostile]") {
  auto bad = support::core_directory_removal(
      {.audit_id = "bad", .actor = hostile_actor("Mallory" + kAt, "mallory@contoso.com")});
  auto body = message_with(bad, "\xFF");
  body.resize(body.size() - 40);  // the second record is cut short
  auto decoded = support::decode(body);
  CHECK(ids_of(decoded.events) == std::vector<std::string>{"bad"});
  CHECK(decoded.counters.repaired_messages == 1);
  CHECK(decoded.counters.malformed_messages == 1);
}

TEST_CASE("a repaired message is logged once with its position and never with the bad bytes",
          "[decoder][hostile]") {
  auto bad = support::core_directory_removal(
      {.audit_id = "bad", .actor = hostile_actor("Mallory" + kAt, "mallory" + kAt + "@x.com")});
  auto body = support::splice(support::event_hubs_message({bad, bad}), "\xFF\\udc00");
  support::LogCapture capture;
  rolewatch::stream::AuditDecoder decoder;
  rolewatch::stream::SourceMessage message{"audit", 3, 42, 0, body, false};
  auto counters = decoder.decode(message, [](RoleEvent&&) {});
  CHECK(counters.repaired_messages == 1);
  CHECK(counters.repaired_records == 2);
  const auto lines = capture.lines();
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains("audit[3]@42"));
  CHECK_THAT(lines[0], Catch::Contains("2 record(s) kept with repaired text"));
  CHECK_THAT(lines[0], Catch::Contains("first at record 0 (initiatedBy)"));
  CHECK(lines[0].find('\xFF') == std::string::npos);
  CHECK(lines[0].find("Mallory") == std::string::npos);
}

TEST_CASE("a clean message is not counted as repaired", "[decoder][hostile]") {
  auto decoded = support::decode(support::event_hubs_message(
      {support::core_directory_removal(
           {.actor = hostile_actor("Mallory \xE2\x9C\x93 caf\xC3\xA9", "mallory@contoso.com")}),
       support::pim_removal({.justification = "tab\there, quote \" and \\ backslash"})}));
  CHECK(decoded.counters.role_records == 2);
  CHECK(decoded.counters.repaired_messages == 0);
  CHECK(decoded.counters.repaired_records == 0);
  CHECK(decoded.events[0].actor.display_name == "Mallory \xE2\x9C\x93 caf\xC3\xA9");
  CHECK(decoded.events[1].justification == "tab\there, quote \" and \\ backslash");
}
