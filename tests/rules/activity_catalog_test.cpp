#include "rules/activity_catalog.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <string>

using rolewatch::rules::activity_catalog;
using rolewatch::rules::classify_activity;
using rolewatch::rules::Kind;
using rolewatch::rules::kind_from_string;
using rolewatch::rules::Service;
using rolewatch::rules::service_from_logged_by;
using rolewatch::rules::service_from_string;

namespace {

Kind kind_of(std::string_view activity, std::string_view service = "PIM") {
  const auto result = classify_activity(activity, service);
  INFO(activity);
  CHECK(result.known);
  return result.kind;
}

}  // namespace

TEST_CASE("the catalog lists all 65 PIM and all 17 Core Directory role activities", "[catalog]") {
  int pim = 0, core = 0;
  std::set<std::string_view> names;
  for (const auto& entry : activity_catalog()) {
    (entry.service == Service::pim ? pim : core)++;
    names.insert(entry.name);
  }
  CHECK(pim == 65);
  CHECK(core == 17);
  CHECK(names.size() == activity_catalog().size());  // no name listed twice
}

TEST_CASE("every catalogued name classifies as itself", "[catalog]") {
  for (const auto& entry : activity_catalog()) {
    const auto result = classify_activity(entry.name, "");
    INFO(entry.name);
    CHECK(result.known);
    CHECK(result.kind == entry.kind);
    CHECK(result.service == entry.service);
  }
}

TEST_CASE("Core Directory removals are active or eligible removals", "[catalog]") {
  const auto core = "Core Directory";
  CHECK(kind_of("Remove member from role", core) == Kind::remove_active);
  CHECK(kind_of("Remove scoped member from role", core) == Kind::remove_active);
  CHECK(kind_of("Remove member from role scoped over Restricted Management Administrative Unit",
                core) == Kind::remove_active);
  CHECK(kind_of("Remove eligible member from role", core) == Kind::remove_eligible);
  CHECK(kind_of("Delete role definition", core) == Kind::other);
}

TEST_CASE("role definition assignment records are their own kind and not counted removals",
          "[catalog]") {
  const auto core = "Core Directory";
  for (const char* activity :
       {"Remove role assignment from role definition",
        "Remove EligibleRoleAssignment from RoleDefinition",
        "Add role assignment to role definition", "Add EligibleRoleAssignment to RoleDefinition"}) {
    INFO(activity);
    CHECK(kind_of(activity, core) == Kind::definition_assignment);
  }
}

TEST_CASE("Core Directory adds are active or eligible adds", "[catalog]") {
  const auto core = "Core Directory";
  CHECK(kind_of("Add member to role", core) == Kind::add_active);
  CHECK(kind_of("Add scoped member to role", core) == Kind::add_active);
  CHECK(kind_of("Add member to role scoped over Restricted Management Administrative Unit", core) ==
        Kind::add_active);
  CHECK(kind_of("Add eligible member to role", core) == Kind::add_eligible);
  CHECK(kind_of("Add role definition", core) == Kind::other);
  CHECK(kind_of("Update role", core) == Kind::other);
}

TEST_CASE("completed PIM removals are removals and their requests are not", "[catalog]") {
  CHECK(kind_of("Remove member from role in PIM completed (permanent)") == Kind::remove_active);
  CHECK(kind_of("Remove member from role in PIM completed (timebound)") == Kind::remove_active);
  CHECK(kind_of("Remove permanent direct role assignment") == Kind::remove_active);
  CHECK(kind_of("Remove eligible member from role in PIM completed (permanent)") ==
        Kind::remove_eligible);
  CHECK(kind_of("Remove eligible member from role in PIM completed (timebound)") ==
        Kind::remove_eligible);
  CHECK(kind_of("Remove permanent eligible role assignment") == Kind::remove_eligible);
  CHECK(kind_of("Remove member from role in PIM requested (permanent)") == Kind::request);
  CHECK(kind_of("Remove eligible member from role in PIM requested (timebound)") == Kind::request);
  CHECK(kind_of("Remove request") == Kind::request);
  CHECK(kind_of("Process role removal request") == Kind::request);
  CHECK(kind_of("Cancel request for role removal") == Kind::request);
}

TEST_CASE("PIM activation, deactivation and expiry have their own kinds", "[catalog]") {
  CHECK(kind_of("Add member to role completed (PIM activation)") == Kind::activate);
  CHECK(kind_of("Add member to role requested (PIM activation)") == Kind::request);
  CHECK(kind_of("Add member to role request approved (PIM activation)") == Kind::request);
  CHECK(kind_of("Add member to role request denied (PIM activation)") == Kind::request);
  CHECK(kind_of("Add member to role approval requested (PIM activation)") == Kind::request);
  CHECK(kind_of("Add member to role canceled (PIM activation)") == Kind::request);
  CHECK(kind_of("PIM activation request expired") == Kind::request);
  CHECK(kind_of("Remove member from role completed (PIM deactivate)") == Kind::deactivate);
  CHECK(kind_of("Remove member from role requested (PIM deactivate)") == Kind::request);
  CHECK(kind_of("Remove member from role (PIM activation expired)") == Kind::activation_expired);
}

TEST_CASE("completed PIM assignments are adds and the rest of their lifecycle is requests",
          "[catalog]") {
  CHECK(kind_of("Add member to role in PIM completed (permanent)") == Kind::add_active);
  CHECK(kind_of("Add member to role in PIM completed (timebound)") == Kind::add_active);
  CHECK(kind_of("Add member to role outside of PIM (permanent)") == Kind::add_active);
  CHECK(kind_of("Add eligible member to role in PIM completed (permanent)") == Kind::add_eligible);
  CHECK(kind_of("Add eligible member to role in PIM completed (timebound)") == Kind::add_eligible);
  CHECK(kind_of("Add eligible member to role in PIM requested (renew)") == Kind::request);
  CHECK(kind_of("Add member to role in PIM canceled (timebound)") == Kind::request);
  CHECK(kind_of("Update member in PIM approved by admin (extend/renew)") == Kind::request);
}

TEST_CASE("PIM alerts, settings and restores are known but other", "[catalog]") {
  for (const char* name :
       {"Triggered PIM alert", "Update role setting in PIM", "Restore member from role",
        "Onboarded resource from PIM", "Tenant offboarded from PIM", "PIM policy removed"}) {
    CHECK(kind_of(name) == Kind::other);
  }
}

TEST_CASE("an unknown activity is other and marked unknown", "[catalog]") {
  const auto result =
      classify_activity("Remove member from role in PIM completed (forever)", "PIM");
  CHECK_FALSE(result.known);
  CHECK(result.kind == Kind::other);
  CHECK(result.service == Service::pim);
}

TEST_CASE("names match exactly, not by case or prefix", "[catalog]") {
  CHECK_FALSE(classify_activity("remove member from role", "Core Directory").known);
  CHECK_FALSE(classify_activity("Remove member from role ", "Core Directory").known);
  CHECK_FALSE(classify_activity("Remove member", "Core Directory").known);
}

TEST_CASE("loggedByService decides the service when it names one", "[catalog]") {
  CHECK(service_from_logged_by("Core Directory") == Service::core_directory);
  CHECK(service_from_logged_by("PIM") == Service::pim);
  CHECK(service_from_logged_by("Privileged Identity Management") == Service::pim);
  CHECK(service_from_logged_by("Self-service Group Management") == Service::other);
  CHECK(classify_activity("Remove member from role", "PIM").service == Service::pim);
  CHECK(classify_activity("Remove member from role", "").service == Service::core_directory);
  CHECK(classify_activity("Triggered PIM alert", "Privileged Identity Management").service ==
        Service::pim);
}

TEST_CASE("kind names round-trip through to_string and kind_from_string", "[catalog]") {
  for (auto kind : {Kind::remove_active, Kind::remove_eligible, Kind::add_active,
                    Kind::add_eligible, Kind::activate, Kind::deactivate, Kind::activation_expired,
                    Kind::request, Kind::definition_assignment, Kind::other}) {
    CHECK(kind_from_string(to_string(kind)) == kind);
  }
  CHECK(to_string(Kind::remove_active) == "remove-active");
  CHECK(kind_from_string("remove_active") == Kind::remove_active);
  CHECK(kind_from_string("Activation Expired") == Kind::activation_expired);
  CHECK_FALSE(kind_from_string("removal"));
}

TEST_CASE("service names round-trip and accept the long PIM name", "[catalog]") {
  for (auto service : {Service::core_directory, Service::pim, Service::other}) {
    CHECK(service_from_string(to_string(service)) == service);
  }
  CHECK(to_string(Service::core_directory) == "Core Directory");
  CHECK(service_from_string("core-directory") == Service::core_directory);
  CHECK(service_from_string("Privileged Identity Management") == Service::pim);
  CHECK_FALSE(service_from_string("Azure"));
}
