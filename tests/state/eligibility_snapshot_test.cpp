#include "state/eligibility_snapshot.hpp"

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

namespace {

using namespace rolewatch::state;

Assignment row(std::string principal, std::string role, std::string group = {},
               AssignmentType type = AssignmentType::eligible) {
  Assignment a;
  a.principal_id = std::move(principal);
  a.principal_type = "User";
  a.user_principal_name = a.principal_id + "@contoso.com";
  a.role_template_id = std::move(role);
  a.role_display_name = "Role " + a.role_template_id;
  a.inherited_from = std::move(group);
  a.type = type;
  a.on_premises_sync = true;
  a.start = 5;
  return a;
}

std::size_t keys_in_family(const Store& store) {
  std::size_t count = 0;
  REQUIRE(store.scan(Family::eligibility, "", "", [&](auto, auto) { return ++count, true; }));
  return count;
}

}  // namespace

TEST_CASE("a stored snapshot loads back with every field", "[eligibility]") {
  support::TempDir dir;
  auto store = Store::open(dir.path());
  REQUIRE(store);
  std::vector<Assignment> rows{row("u1", "r1"), row("u1", "r1", "g1"),
                               row("u2", "r2", {}, AssignmentType::active_permanent)};
  rows[2].end = 99;
  rows[2].on_premises_sync.reset();
  rows[2].account_enabled = false;
  auto info = write_snapshot(**store, rows, {0, 1234, "graph", 0});
  REQUIRE(info);
  CHECK(info->generation == 1);
  CHECK(info->assignments == 3);

  auto loaded = EligibilitySnapshot::load(**store);
  REQUIRE(loaded);
  REQUIRE(loaded->rows().size() == 3);
  CHECK(loaded->info()->fetched_at == 1234);
  CHECK(loaded->info()->source == "graph");
  CHECK(loaded->find("u1", "r1").size() == 2);
  CHECK(loaded->find("u1", "r2").empty());
  auto u2 = loaded->find("u2", "r2");
  REQUIRE(u2.size() == 1);
  CHECK(*u2[0] == rows[2]);
  CHECK(loaded->any_of_principal("u1")->on_premises_sync == true);
  CHECK(loaded->any_of_principal("nobody") == nullptr);
}

TEST_CASE("a new snapshot replaces the old one entirely in one write", "[eligibility]") {
  support::TempDir dir;
  auto store = Store::open(dir.path());
  REQUIRE(store);
  REQUIRE(write_snapshot(**store, {row("u1", "r1"), row("u2", "r1")}, {0, 1, "csv:a.csv", 0}));
  auto second = write_snapshot(**store, {row("u3", "r3")}, {0, 2, "graph", 0});
  REQUIRE(second);
  CHECK(second->generation == 2);
  auto loaded = EligibilitySnapshot::load(**store);
  REQUIRE(loaded);
  REQUIRE(loaded->rows().size() == 1);
  CHECK(loaded->rows()[0].principal_id == "u3");
  CHECK(keys_in_family(**store) == 2);  // the pointer and one row: generation 1 is gone
}

TEST_CASE("no stored snapshot loads as an empty one without info", "[eligibility]") {
  support::TempDir dir;
  auto store = Store::open(dir.path());
  REQUIRE(store);
  auto loaded = EligibilitySnapshot::load(**store);
  REQUIRE(loaded);
  CHECK(loaded->rows().empty());
  CHECK_FALSE(loaded->info().has_value());
}

TEST_CASE("the snapshot cache reloads only when the generation changed", "[eligibility]") {
  support::TempDir dir;
  auto store = Store::open(dir.path());
  REQUIRE(store);
  EligibilitySnapshotCache cache(**store);
  auto empty = cache.current();
  REQUIRE(empty);
  CHECK_FALSE((*empty)->info());
  REQUIRE(write_snapshot(**store, {row("u1", "r1")}, {0, 1, "graph", 0}));
  auto first = cache.current();
  REQUIRE(first);
  CHECK((*first)->rows().size() == 1);
  auto again = cache.current();
  REQUIRE(again);
  CHECK(again->get() == first->get());
  REQUIRE(write_snapshot(**store, {row("u1", "r1"), row("u2", "r2")}, {0, 2, "graph", 0}));
  auto second = cache.current();
  REQUIRE(second);
  CHECK((*second)->rows().size() == 2);
  CHECK((*first)->rows().size() == 1);  // holders of the old one keep a valid copy
}
