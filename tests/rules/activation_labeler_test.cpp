#include "rules/activation_labeler.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "state/base/time.hpp"
#include "state/eligibility_snapshot.hpp"

namespace {

using namespace rolewatch;
using rules::Eligibility;

constexpr const char* kAlice = "cccccccc-0000-0000-0000-000000000010";
constexpr const char* kPra = "e8611ab8-c189-46e8-94e1-60213ab1f814";
constexpr const char* kGroup = "2b5ed229-4072-478d-9504-a047ebd4b07d";

rules::EventTime at(const char* text) {
  return *rolewatch::state::parse_event_time(text);
}

// The C3 sample: Alice activates Privileged Role Administrator.
rules::RoleEvent c3_activation() {
  rules::RoleEvent event;
  event.audit_id = "PIM_5e4d3c2b-1a09-4f8e-9d7c-6b5a49382716";
  event.time = at("2025-03-04T08:00:05.5Z");
  event.activity = "Add member to role completed (PIM activation)";
  event.service = rules::Service::pim;
  event.kind = rules::Kind::activate;
  event.actor = {rules::ActorType::user, kAlice, "alice.admin@contoso.com", "Alice Admin",
                 "198.51.100.7"};
  event.target = {kAlice, "alice.admin@contoso.com", "User"};
  event.role = {kPra, "Privileged Role Administrator"};
  event.justification = "CHG0042 rotate app secret";
  event.activation_start = at("2025-03-04T08:00:04.9Z");
  event.activation_expiry = at("2025-03-04T09:00:04.9Z");
  event.ip_address = "198.51.100.7";
  event.tenant_id = "11111111-2222-3333-4444-555555555555";
  event.mfa = true;
  return event;
}

state::Assignment eligible(std::string group = {}, std::optional<bool> synced = false) {
  state::Assignment row;
  row.principal_id = kAlice;
  row.principal_type = "User";
  row.user_principal_name = "alice.admin@contoso.com";
  row.on_premises_sync = synced;
  row.account_enabled = true;
  row.role_template_id = kPra;
  row.role_display_name = "Privileged Role Administrator";
  row.inherited_from = std::move(group);
  return row;
}

state::EligibilitySnapshot snapshot(std::vector<state::Assignment> rows) {
  return state::EligibilitySnapshot(std::move(rows),
                                    state::SnapshotInfo{7, at("2025-03-04T06:00:00Z"), "graph", 1});
}

// History as plain maps.
struct FakeHistory : state::ActivationHistoryView {
  std::map<std::string, state::LastActivation> last;
  std::map<std::string, state::IpSighting> ips;
  std::map<std::string, state::PrincipalHistory> principals;

  Expected<std::optional<state::LastActivation>> last_activation(
      std::string_view principal, std::string_view role) const override {
    auto it = last.find(std::string(principal) + "/" + std::string(role));
    return it == last.end() ? std::nullopt : std::optional(it->second);
  }
  Expected<std::optional<state::IpSighting>> ip_sighting(std::string_view principal,
                                                         std::string_view ip) const override {
    auto it = ips.find(std::string(principal) + "/" + std::string(ip));
    return it == ips.end() ? std::nullopt : std::optional(it->second);
  }
  Expected<std::optional<state::PrincipalHistory>> principal(
      std::string_view principal) const override {
    auto it = principals.find(std::string(principal));
    return it == principals.end() ? std::nullopt : std::optional(it->second);
  }
};

rules::ActivationLabel label(const state::EligibilityLookup& lookup,
                             const FakeHistory& history = {}) {
  auto result = rules::label_activation(c3_activation(), lookup, history);
  REQUIRE(result);
  return *result;
}

// The activation document as a parsed object.
nlohmann::json document(const rules::ActivationLabel& labelled) {
  return nlohmann::json::parse(rules::activation_document(labelled));
}

}  // namespace

TEST_CASE("an activation by a directly eligible user is labelled direct", "[labels]") {
  auto labelled = label(snapshot({eligible()}));
  CHECK(labelled.eligibility == Eligibility::direct);
  CHECK(labelled.eligible_via.empty());
  CHECK(labelled.privileged);
  CHECK(labelled.synced == false);
  CHECK(labelled.snapshot->generation == 7);
}

TEST_CASE("an activation through a role-assignable group names the group", "[labels]") {
  auto labelled = label(snapshot({eligible(kGroup)}));
  CHECK(labelled.eligibility == Eligibility::group);
  CHECK(labelled.eligible_via == kGroup);
}

TEST_CASE("direct eligibility wins over a group's", "[labels]") {
  auto labelled = label(snapshot({eligible(kGroup), eligible()}));
  CHECK(labelled.eligibility == Eligibility::direct);
}

TEST_CASE("an activation without any eligibility is labelled none", "[labels]") {
  auto other_role = eligible();
  other_role.role_template_id = "fe930be7-5e62-47db-91af-98c3a49a38b1";
  auto permanent = eligible();
  permanent.type = state::AssignmentType::active_permanent;
  auto expired = eligible();
  expired.end = at("2025-03-01T00:00:00Z");
  auto labelled = label(snapshot({other_role, permanent, expired}));
  CHECK(labelled.eligibility == Eligibility::none);
  CHECK(labelled.synced == false);  // the principal is still known
}

TEST_CASE("without any snapshot the label says none and synced unknown", "[labels]") {
  state::EligibilitySnapshot empty;
  auto labelled = label(empty);
  CHECK(labelled.eligibility == Eligibility::none);
  CHECK_FALSE(labelled.synced.has_value());
  CHECK_FALSE(labelled.snapshot.has_value());
  CHECK(document(labelled)["synced"].is_null());
}

TEST_CASE("a synchronized account is labelled synced", "[labels]") {
  auto labelled = label(snapshot({eligible({}, true)}));
  CHECK(labelled.synced == true);
}

TEST_CASE("the first activation from an IP is new, a known IP is not", "[labels]") {
  FakeHistory history;
  CHECK(label(snapshot({eligible()}), history).new_ip == true);
  history.ips[std::string(kAlice) + "/198.51.100.7"] = {1, 2, 3};
  CHECK(label(snapshot({eligible()}), history).new_ip == false);
  auto no_ip = c3_activation();
  no_ip.ip_address.clear();
  auto result = rules::label_activation(no_ip, snapshot({eligible()}), history);
  REQUIRE(result);
  CHECK_FALSE(result->new_ip.has_value());
}

TEST_CASE("the previous activation of the role by the user is reported", "[labels]") {
  FakeHistory history;
  CHECK_FALSE(label(snapshot({eligible()}), history).previous_activation.has_value());
  history.last[std::string(kAlice) + "/" + kPra] = {at("2025-02-20T10:00:00Z"), "a", "", "", ""};
  auto labelled = label(snapshot({eligible()}), history);
  REQUIRE(labelled.previous_activation);
  CHECK(*labelled.previous_activation == at("2025-02-20T10:00:00Z"));
  CHECK(document(labelled)["previousActivation"] == "2025-02-20T10:00:00.000000Z");
}

TEST_CASE("the activation JSON carries the documented contract", "[labels]") {
  auto json = document(label(snapshot({eligible(kGroup, true)})));
  CHECK(json["schema"] == "rolewatch.activation.v1");
  CHECK(json["principal"]["id"] == kAlice);
  CHECK(json["principal"]["userPrincipalName"] == "alice.admin@contoso.com");
  CHECK(json["role"]["templateId"] == kPra);
  CHECK(json["role"]["displayName"] == "Privileged Role Administrator");
  CHECK(json["eligibility"] == "group");
  CHECK(json["eligibleVia"] == kGroup);
  CHECK(json["synced"] == true);
  CHECK(json["ipAddress"] == "198.51.100.7");
  CHECK(json["newIp"] == true);
  CHECK(json["previousActivation"].is_null());
  CHECK(json["privileged"] == true);
  CHECK(json["justification"] == "CHG0042 rotate app secret");
  CHECK(json["mfa"] == true);
  CHECK(json["expiry"] == "2025-03-04T09:00:04.900000Z");
}

TEST_CASE("only successful PIM activations with a principal and role are labelled", "[labels]") {
  auto event = c3_activation();
  CHECK(rules::is_labelled_activation(event));
  event.result = rules::Outcome::failure;
  CHECK_FALSE(rules::is_labelled_activation(event));
  event = c3_activation();
  event.kind = rules::Kind::add_eligible;
  CHECK_FALSE(rules::is_labelled_activation(event));
}

TEST_CASE(
    "the activation document is the text a JSON library writes for it, hostile strings included",
    "[labels]") {
  // Parsed and dumped again, the text comes back byte for byte: keys in
  // sorted order, no spaces, the same escapes; a null field stays null.
  auto labelled = label(snapshot({eligible(kGroup, true)}));
  CHECK(document(labelled).dump() == rules::activation_document(labelled));
  labelled.actor.display_name = "Eve\"},\n{\"schema\":\"forged\"\x01\x7f\t\\ \xC3\xA9";
  labelled.justification = std::string("nul \0 inside", 12);
  labelled.snapshot.reset();
  labelled.synced.reset();
  labelled.previous_activation = at("2025-02-20T10:00:00Z");
  const auto text = rules::activation_document(labelled);
  CHECK(text.find('\n') == std::string::npos);
  const auto parsed = nlohmann::json::parse(text);
  CHECK(parsed.dump() == text);
  CHECK(parsed["actor"]["displayName"] == labelled.actor.display_name);
  CHECK(parsed["justification"] == labelled.justification);
  CHECK(parsed["snapshot"].is_null());
  CHECK(parsed["synced"].is_null());
}

TEST_CASE("text that is not UTF-8 is repaired in the activation document", "[labels]") {
  auto labelled = label(snapshot({eligible()}));
  labelled.role.display_name = "Global \xFF Admin \xE2\x82";
  const auto parsed = nlohmann::json::parse(rules::activation_document(labelled));
  CHECK(parsed["role"]["displayName"] == "Global \xEF\xBF\xBD Admin \xEF\xBF\xBD");
}
