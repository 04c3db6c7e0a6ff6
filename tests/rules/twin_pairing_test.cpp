// The pure half of MS-PIM twin pairing: which records can pair, and on what.
#include "rules/twin_pairing.hpp"

#include <catch2/catch.hpp>

using namespace rolewatch::rules;

namespace {

constexpr const char* kGlobalAdmin = "62e90394-69f5-4237-9190-012177145e10";

RoleEvent record(Service service, Kind kind, const std::string& target = "admin1") {
  RoleEvent event;
  event.service = service;
  event.kind = kind;
  event.target = {target, target + "@contoso.com", "User"};
  event.role = {kGlobalAdmin, "Global Administrator"};
  return event;
}

}  // namespace

TEST_CASE("a Core Directory removal pairs with any PIM removal, deactivation or expiry") {
  auto twin = twin_key(record(Service::core_directory, Kind::remove_active));
  REQUIRE(twin);
  for (auto kind :
       {Kind::remove_active, Kind::remove_eligible, Kind::deactivate, Kind::activation_expired}) {
    CHECK(twin_key(record(Service::pim, kind)) == twin);
  }
  CHECK(twin_key(record(Service::core_directory, Kind::remove_eligible)) == twin);
}

TEST_CASE("a removal never pairs with a grant") {
  auto removal = twin_key(record(Service::core_directory, Kind::remove_active));
  for (auto kind : {Kind::activate, Kind::add_active, Kind::add_eligible}) {
    CHECK(twin_key(record(Service::pim, kind)) != removal);
  }
  CHECK(twin_key(record(Service::core_directory, Kind::add_active)) ==
        twin_key(record(Service::pim, Kind::activate)));
  CHECK(twin_key(record(Service::core_directory, Kind::add_eligible)) ==
        twin_key(record(Service::pim, Kind::add_eligible)));
  CHECK(twin_key(record(Service::pim, Kind::request)) == std::nullopt);
}

TEST_CASE("another target or role never pairs, and a record without either cannot pair") {
  auto twin = twin_key(record(Service::core_directory, Kind::remove_active));
  CHECK(twin_key(record(Service::pim, Kind::remove_active, "admin2")) != twin);
  auto other_role = record(Service::pim, Kind::remove_active);
  other_role.role.template_id = "e8611ab8-c189-46e8-94e1-60213ab1f814";
  CHECK(twin_key(other_role) != twin);
  auto no_target = record(Service::core_directory, Kind::remove_active, "");
  CHECK_FALSE(twin_key(no_target));
  auto no_role = record(Service::core_directory, Kind::remove_active);
  no_role.role = {};
  CHECK_FALSE(twin_key(no_role));
  CHECK_FALSE(twin_key(record(Service::core_directory, Kind::activation_expired)));
  CHECK_FALSE(twin_key(record(Service::other, Kind::remove_active)));
}

TEST_CASE("a role known only by name pairs by name, ignoring case") {
  auto core = record(Service::core_directory, Kind::remove_active);
  core.role = {"", "Global Administrator"};
  auto pim = record(Service::pim, Kind::remove_active);
  pim.role = {"", "global administrator"};
  CHECK(twin_key(core) == twin_key(pim));
}

TEST_CASE("only a Core Directory record can claim to be MS-PIM's twin") {
  auto core = record(Service::core_directory, Kind::remove_active);
  CHECK_FALSE(claims_pim(core));
  core.initiated_by_pim = true;
  CHECK(claims_pim(core));
  auto pim = record(Service::pim, Kind::remove_active);
  pim.initiated_by_pim = true;
  CHECK_FALSE(claims_pim(pim));
}
