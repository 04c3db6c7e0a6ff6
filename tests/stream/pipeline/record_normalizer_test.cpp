#include "stream/pipeline/record_normalizer.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

#include "state/base/time.hpp"
#include "support/audit_records.hpp"

using rolewatch::rules::ActorType;
using rolewatch::rules::Kind;
using rolewatch::rules::Outcome;
using rolewatch::rules::RoleEvent;
using rolewatch::rules::Service;
using rolewatch::state::parse_event_time;
using namespace rolewatch::stream;

namespace {

// Decodes a payload that must hold exactly one role record.
RoleEvent only_event(const std::string& payload) {
  auto decoded = support::decode(payload);
  INFO(payload);
  REQUIRE(decoded.events.size() == 1);
  CHECK(decoded.counters.malformed_records == 0);
  CHECK(decoded.counters.malformed_messages == 0);
  return std::move(decoded.events.front());
}

RoleEvent only_event(const support::Json& record) {
  return only_event(support::event_hubs_message({record}));
}

const std::string kGA(support::kGlobalAdministrator);
const std::string kPRA(support::kPrivilegedRoleAdministrator);

}  // namespace

TEST_CASE("a Core Directory member removal names actor, principal and role (sample C1)",
          "[normalizer]") {
  auto decoded = support::decode(support::read_fixture("records/c1_core_directory_removals.json"));
  REQUIRE(decoded.events.size() == 2);
  const auto& ga = decoded.events[0];
  CHECK(ga.audit_id == "Directory_6a1f0c2e-7b3d-4e5f-9a1b-2c3d4e5f6a7b_ABCDE_123456789");
  CHECK(ga.time == rolewatch::state::parse_event_time("2025-03-04T10:15:02.123456Z"));
  CHECK(ga.activity == "Remove member from role");
  CHECK(ga.service == Service::core_directory);
  CHECK(ga.kind == Kind::remove_active);
  CHECK(ga.result == Outcome::success);
  CHECK(ga.actor.type == ActorType::user);
  CHECK(ga.actor.id == "aaaaaaaa-0000-0000-0000-000000000001");
  CHECK(ga.actor.user_principal_name == "mallory@contoso.onmicrosoft.com");
  CHECK(ga.actor.display_name == "Mallory Attacker");
  CHECK(ga.actor.ip_address == "203.0.113.45");
  CHECK(ga.target.id == "bbbbbbbb-0000-0000-0000-000000000002");
  CHECK(ga.target.user_principal_name == "admin1@contoso.com");
  CHECK(ga.target.type == "User");
  CHECK(ga.role.template_id == kGA);
  CHECK(ga.role.display_name == "Global Administrator");
  CHECK(ga.ip_address == "203.0.113.45");
  CHECK(ga.tenant_id == "11111111-2222-3333-4444-555555555555");
  CHECK_FALSE(ga.initiated_by_pim);
  CHECK(ga.justification.empty());
  const auto& pra = decoded.events[1];
  CHECK(pra.role.template_id == kPRA);
  CHECK(pra.target.user_principal_name == "breakglass2@contoso.onmicrosoft.com");
}

TEST_CASE("a Core Directory eligible member removal is an eligible removal", "[normalizer]") {
  const auto event = only_event(support::core_directory_eligible_removal({}));
  CHECK(event.kind == Kind::remove_eligible);
  CHECK(event.service == Service::core_directory);
  CHECK(event.role.template_id == kGA);
}

TEST_CASE("a Core Directory add reads the role from newValue", "[normalizer]") {
  const auto event = only_event(
      support::core_directory_addition({.role = support::privileged_role_administrator()}));
  CHECK(event.kind == Kind::add_active);
  CHECK(event.role.template_id == kPRA);
  CHECK(event.role.display_name == "Privileged Role Administrator");
}

TEST_CASE("a Core Directory eligible add is an eligible add", "[normalizer]") {
  const auto event =
      only_event(support::core_directory_record({.activity = "Add eligible member to role"}));
  CHECK(event.kind == Kind::add_eligible);
  CHECK(event.role.template_id == kGA);
}

TEST_CASE("a PIM eligible removal takes role and principal by type (sample C2)", "[normalizer]") {
  const auto event = only_event(support::read_fixture("records/c2_pim_eligible_removal.json"));
  CHECK(event.service == Service::pim);
  CHECK(event.kind == Kind::remove_eligible);
  CHECK(event.role.template_id == kGA);
  CHECK(event.role.display_name == "Global Administrator");
  CHECK(event.target.id == "bbbbbbbb-0000-0000-0000-000000000004");
  CHECK(event.target.user_principal_name == "admin3@contoso.com");
  CHECK(event.actor.id == "aaaaaaaa-0000-0000-0000-000000000001");
  CHECK(event.justification == "offboarding");
  CHECK(event.ip_address == "203.0.113.45");  // additionalDetails.ipaddr
  CHECK(event.actor.ip_address == "203.0.113.45");
  CHECK(event.tenant_id == "11111111-2222-3333-4444-555555555555");
  CHECK_FALSE(event.initiated_by_pim);
}

TEST_CASE("PIM permanent and timebound removals are active removals", "[normalizer]") {
  for (const char* activity : {"Remove member from role in PIM completed (permanent)",
                               "Remove member from role in PIM completed (timebound)",
                               "Remove permanent direct role assignment"}) {
    INFO(activity);
    const auto event =
        only_event(support::pim_removal({.activity = activity, .target = support::admin(7)}));
    CHECK(event.kind == Kind::remove_active);
    CHECK(event.service == Service::pim);
    CHECK(event.target.id == support::admin(7).id);
    CHECK(event.role.template_id == kGA);
  }
}

TEST_CASE("PIM eligible removals are eligible removals", "[normalizer]") {
  for (const char* activity : {"Remove eligible member from role in PIM completed (permanent)",
                               "Remove eligible member from role in PIM completed (timebound)",
                               "Remove permanent eligible role assignment"}) {
    INFO(activity);
    CHECK(only_event(support::pim_eligible_removal({.activity = activity})).kind ==
          Kind::remove_eligible);
  }
}

TEST_CASE("a PIM activation carries justification, IP, times and MFA (sample C3)", "[normalizer]") {
  const auto event = only_event(support::read_fixture("records/c3_pim_activation.json"));
  CHECK(event.kind == Kind::activate);
  CHECK(event.role.template_id == kPRA);
  CHECK(event.role.display_name == "Privileged Role Administrator");
  CHECK(event.target.id == "cccccccc-0000-0000-0000-000000000010");
  CHECK(event.actor.user_principal_name == "alice.admin@contoso.com");
  CHECK(event.justification == "CHG0042 rotate app secret");
  CHECK(event.ip_address == "198.51.100.7");
  CHECK(event.activation_start == rolewatch::state::parse_event_time("2025-03-04T08:00:04.9Z"));
  CHECK(event.activation_expiry == rolewatch::state::parse_event_time("2025-03-04T09:00:04.9Z"));
  CHECK(event.mfa);
}

TEST_CASE("an activation without IsAuthenticatedWithMfa is not MFA and EndTime is its expiry",
          "[normalizer]") {
  auto record = support::pim_activation({});
  auto& details = record["properties"]["additionalDetails"];
  for (auto& detail : details) {
    if (detail["key"] == "ExpirationTime") detail["key"] = "EndTime";
  }
  const auto event = only_event(record);
  CHECK_FALSE(event.mfa);
  CHECK(event.activation_expiry ==
        rolewatch::state::parse_event_time("2025-03-04T11:15:02.123456Z"));
}

TEST_CASE("an activation expiry is by Azure AD PIM with the principal at [3]", "[normalizer]") {
  const auto event = only_event(support::pim_expiry({.target = support::admin(5)}));
  CHECK(event.kind == Kind::activation_expired);
  CHECK(event.actor.display_name == "Azure AD PIM");
  CHECK(event.actor.user_principal_name.empty());
  CHECK(event.target.id == support::admin(5).id);
  CHECK(event.role.template_id == kGA);
}

TEST_CASE("the quoted expiry pair decodes from a Graph page (sample Q3)", "[normalizer]") {
  auto decoded = support::decode(support::read_fixture("records/q3_pim_expiry_graph_page.json"));
  REQUIRE(decoded.events.size() == 2);
  const auto& twin = decoded.events[0];
  CHECK(twin.kind == Kind::remove_active);
  CHECK(twin.initiated_by_pim);
  CHECK(twin.actor.type == ActorType::service_principal);
  CHECK(twin.actor.id == "bdefcbb6-d8b2-497d-a944-b683d9a36b0c");
  CHECK(twin.role.template_id == "fe930be7-5e62-47db-91af-98c3a49a38b1");
  CHECK(twin.target.user_principal_name == "adm-jsmith@raytakosharkygmail.onmicrosoft.com");
  const auto& expiry = decoded.events[1];
  CHECK(expiry.kind == Kind::activation_expired);
  CHECK(expiry.service == Service::pim);
  CHECK(expiry.actor.display_name == "Azure AD PIM");
  CHECK(expiry.time == rolewatch::state::parse_event_time("2026-09-06T18:40:52.677024Z"));
  CHECK(expiry.target.id.empty());  // the author omitted targetResources
}

TEST_CASE("a PIM deactivation is a deactivation, not a removal", "[normalizer]") {
  const auto event = only_event(
      support::pim_record({.activity = "Remove member from role completed (PIM deactivate)"}));
  CHECK(event.kind == Kind::deactivate);
  CHECK(event.role.template_id == kGA);
}

TEST_CASE("PIM requests are requests", "[normalizer]") {
  for (const char* activity : {"Remove member from role in PIM requested (permanent)",
                               "Add member to role requested (PIM activation)",
                               "Remove member from role requested (PIM deactivate)"}) {
    INFO(activity);
    CHECK(only_event(support::pim_record({.activity = activity})).kind == Kind::request);
  }
}

TEST_CASE("a failed PIM removal keeps its reason and has no justification", "[normalizer]") {
  const auto event = only_event(support::pim_eligible_removal(
      {.activity = "Remove eligible member from role in PIM completed (timebound)",
       .result = "failure",
       .result_reason = "CannotDeleteLastAdminAssignment"}));
  CHECK(event.result == Outcome::failure);
  CHECK(event.result_reason == "CannotDeleteLastAdminAssignment");
  CHECK(event.justification.empty());
  CHECK(event.kind == Kind::remove_eligible);
}

TEST_CASE("a PIM resultReason is the justification when Justification is absent", "[normalizer]") {
  auto record = support::pim_removal({.result_reason = "quarterly review"});
  const auto event = only_event(record);
  CHECK(event.justification == "quarterly review");
}

TEST_CASE("the role comes from the template id even under the legacy GA name", "[normalizer]") {
  const auto event = only_event(support::core_directory_removal(
      {.role = {std::string(support::kGlobalAdministrator), "Company Administrator", ""}}));
  CHECK(event.role.template_id == kGA);
  CHECK(event.role.display_name == "Company Administrator");
}

TEST_CASE("without a template id the well-known name gives GA or PRA", "[normalizer]") {
  CHECK(only_event(support::core_directory_removal(
                       {.role = {"", "Company Administrator", "TenantAdmins"}}))
            .role.template_id == kGA);
  CHECK(only_event(support::core_directory_removal(
                       {.role = {"", "Privileged Role Administrator", "PrivilegedRoleAdmins"}}))
            .role.template_id == kPRA);
}

TEST_CASE("with only a legacy display name the name is kept for the rules to match",
          "[normalizer]") {
  const auto event =
      only_event(support::core_directory_removal({.role = {"", "Company Administrator", ""}}));
  CHECK(event.role.template_id.empty());
  CHECK(event.role.display_name == "Company Administrator");
}

TEST_CASE("a PIM role falls back to the Role target's properties, then its id", "[normalizer]") {
  auto record = support::pim_removal({.role = support::privileged_role_administrator()});
  record["properties"]["additionalDetails"] = support::Json::array();
  CHECK(only_event(record).role.template_id == kPRA);
  record["properties"]["targetResources"][0]["modifiedProperties"] = support::Json::array();
  CHECK(only_event(record).role.template_id == kPRA);
  record["properties"]["targetResources"][0]["id"] = "not-a-guid";
  const auto event = only_event(record);
  CHECK(event.role.template_id.empty());
  CHECK(event.role.display_name == "Privileged Role Administrator");
}

TEST_CASE("targets are chosen by type and properties, not by position", "[normalizer]") {
  auto pim = support::pim_removal({.target = support::admin(3)});
  auto& targets = pim["properties"]["targetResources"];
  std::reverse(targets.begin(), targets.end());
  auto event = only_event(pim);
  CHECK(event.target.id == support::admin(3).id);
  CHECK(event.role.template_id == kGA);

  // A Core Directory record with an extra Role target (its id is the role's
  // object id) still names the user holding the Role.* properties.
  auto core = support::core_directory_removal({.target = support::admin(4)});
  auto& core_targets = core["properties"]["targetResources"];
  core_targets.insert(
      core_targets.begin(),
      support::Json{{"id", "c4d2a9e1-0f3b-4c5d-8e7f-1a2b3c4d5e6f"}, {"type", "Role"}});
  event = only_event(core);
  CHECK(event.target.id == support::admin(4).id);
  CHECK(event.role.template_id == kGA);
}

TEST_CASE("a service principal can be the target", "[normalizer]") {
  const auto event = only_event(
      support::core_directory_removal({.target = support::service_principal(
                                           "dddddddd-0000-0000-0000-000000000001", "deploy-bot")}));
  CHECK(event.target.type == "ServicePrincipal");
  CHECK(event.target.id == "dddddddd-0000-0000-0000-000000000001");
}

TEST_CASE("the MS-PIM twin of a PIM change is flagged (sample C4)", "[normalizer]") {
  const auto event = only_event(support::read_fixture("records/c4_ms_pim_twin.json"));
  CHECK(event.initiated_by_pim);
  CHECK(event.kind == Kind::add_active);
  CHECK(event.actor.type == ActorType::service_principal);
  CHECK(event.actor.display_name == "MS-PIM");
  CHECK(event.role.template_id == kPRA);
  CHECK(event.ip_address.empty());  // callerIpAddress "<null>"
}

TEST_CASE("MS-PIM-Fairfax and an MS-PIM identity also mark a twin", "[normalizer]") {
  CHECK(only_event(
            support::core_directory_removal(
                {.actor = support::app("bdefcbb6-0000-0000-0000-000000000000", "MS-PIM-Fairfax")}))
            .initiated_by_pim);
  auto record = support::core_directory_removal(
      {.actor = support::app("eeeeeeee-0000-0000-0000-000000000001", "")});
  record["identity"] = "MS-PIM";
  CHECK(only_event(record).initiated_by_pim);
  // A PIM record is never a twin, whoever started it.
  CHECK_FALSE(only_event(support::pim_removal({.actor = support::ms_pim()})).initiated_by_pim);
}

TEST_CASE("a service principal actor is identified by its servicePrincipalId", "[normalizer]") {
  const auto event = only_event(support::core_directory_removal(
      {.actor = support::app("B9814691-9CA1-4E55-A1AC-8EF5DD010EC0", "automation")}));
  CHECK(event.actor.type == ActorType::service_principal);
  CHECK(event.actor.id == "b9814691-9ca1-4e55-a1ac-8ef5dd010ec0");  // lower-cased
  CHECK(event.actor.display_name == "automation");
  CHECK_FALSE(event.initiated_by_pim);
}

TEST_CASE("GUIDs are lower-cased", "[normalizer]") {
  auto record = support::core_directory_removal(
      {.actor = support::user("AAAAAAAA-0000-0000-0000-00000000000A", "x@contoso.com"),
       .target = {"BBBBBBBB-0000-0000-0000-00000000000B", "Y@contoso.com", "", "User"},
       .role = {"62E90394-69F5-4237-9190-012177145E10", "Global Administrator", ""},
       .tenant_id = "11111111-2222-3333-4444-55555555555A"});
  const auto event = only_event(record);
  CHECK(event.actor.id == "aaaaaaaa-0000-0000-0000-00000000000a");
  CHECK(event.target.id == "bbbbbbbb-0000-0000-0000-00000000000b");
  CHECK(event.target.user_principal_name == "Y@contoso.com");  // not an id
  CHECK(event.role.template_id == kGA);
  CHECK(event.tenant_id == "11111111-2222-3333-4444-55555555555a");
}

TEST_CASE("an unknown RoleManagement activity is still an event, counted as unknown",
          "[normalizer]") {
  auto decoded = support::decode(support::event_hubs_message(
      {support::core_directory_record({.activity = "Frobnicate role"})}));
  REQUIRE(decoded.events.size() == 1);
  CHECK(decoded.events[0].kind == Kind::other);
  CHECK(decoded.counters.unknown_activities == 1);
}

TEST_CASE("strip_json_layer removes exactly one JSON encoding", "[normalizer]") {
  CHECK(strip_json_layer(R"("Global Administrator")") == "Global Administrator");
  CHECK(strip_json_layer(R"("")") == "");
  CHECK(strip_json_layer(R"("say \"hi\"")") == R"(say "hi")");
  CHECK(strip_json_layer(R"("a\\b\/c\n")") == "a\\b/c\n");
  CHECK(strip_json_layer(R"("caf\u00e9 \ud83d\ude00")") == "caf\xc3\xa9 \xf0\x9f\x98\x80");
  CHECK(strip_json_layer(R"(["a","b"])") == R"(["a","b"])");
  CHECK(strip_json_layer("42") == "42");
  CHECK_FALSE(strip_json_layer("null"));
  CHECK_FALSE(strip_json_layer(R"("unterminated)"));
  CHECK_FALSE(strip_json_layer(R"("bad \q escape")"));
  CHECK_FALSE(strip_json_layer(R"("lone \ud83d surrogate")"));
  CHECK_FALSE(strip_json_layer(R"("inner " quote")"));
  CHECK_FALSE(strip_json_layer(R"("\u12")"));
}

TEST_CASE("the tenant is read from a resourceId", "[normalizer]") {
  CHECK(tenant_from_resource_id(
            "/tenants/4bbb79f7-5724-4c9e-95f3-de075f6ec090/providers/Microsoft.aadiam") ==
        "4bbb79f7-5724-4c9e-95f3-de075f6ec090");
  CHECK(tenant_from_resource_id("/TENANTS/abc") == "abc");
  CHECK(tenant_from_resource_id("/subscriptions/x").empty());
  CHECK(tenant_from_resource_id("").empty());
}

TEST_CASE("GUIDs are recognised and canonicalised", "[normalizer]") {
  CHECK(is_guid("62e90394-69f5-4237-9190-012177145e10"));
  CHECK(is_guid("62E90394-69F5-4237-9190-012177145E10"));
  CHECK_FALSE(is_guid("62e90394-69f5-4237-9190-012177145e1"));
  CHECK_FALSE(is_guid("62e90394x69f5-4237-9190-012177145e10"));
  CHECK_FALSE(is_guid("g2e90394-69f5-4237-9190-012177145e10"));
  CHECK(canonical_id("62E90394-69F5-4237-9190-012177145E10") == kGA);
  CHECK(canonical_id("Mixed.Case@Contoso") == "Mixed.Case@Contoso");
}

TEST_CASE("well-known role names map to template ids", "[normalizer]") {
  CHECK(template_for_well_known_name("TenantAdmins") == kGA);
  CHECK(template_for_well_known_name("PrivilegedRoleAdmins") == kPRA);
  CHECK(template_for_well_known_name("UserAccountAdmins") ==
        "fe930be7-5e62-47db-91af-98c3a49a38b1");
  CHECK(template_for_well_known_name("SomethingElse").empty());
}
