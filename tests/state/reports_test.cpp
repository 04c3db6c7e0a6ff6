#include "state/reports.hpp"

#include <catch2/catch.hpp>

#include "state/activation_history.hpp"
#include "state/eligibility_snapshot.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace rolewatch::state;

constexpr Micros kDay = 86'400LL * 1'000'000;
constexpr Micros kNow = 1'000 * kDay;  // the newest event in state
constexpr const char* kGa = "62e90394-69f5-4237-9190-012177145e10";
constexpr const char* kPra = "e8611ab8-c189-46e8-94e1-60213ab1f814";
constexpr const char* kReader = "5d6b6bb7-de71-4623-b4af-96380a352509";
constexpr const char* kGroup = "2b5ed229-4072-478d-9504-a047ebd4b07d";

Assignment row(const char* who, const char* role, const char* name,
               AssignmentType type = AssignmentType::eligible, std::optional<bool> synced = false,
               const char* group = "") {
  Assignment a;
  a.principal_id = who;
  a.principal_type = "User";
  a.user_principal_name = std::string(who) + "@contoso.com";
  a.on_premises_sync = synced;
  a.role_template_id = role;
  a.role_display_name = name;
  a.inherited_from = group;
  a.type = type;
  return a;
}

// alice: GA eligible, activated 5 days ago from a public and a private IP.
// bob:   PRA eligible via a group, activated 40 days ago; synced.
// carol: GA eligible, never activated; PRA permanent; synced.
// dave:  Security Reader eligible since yesterday only.
struct KnownState {
  support::TempDir dir;
  std::unique_ptr<Store> store;

  KnownState() {
    store = Store::open(dir.path()).value();
    auto dave = row("dave", kReader, "Security Reader");
    dave.start = kNow - kDay;
    REQUIRE(write_snapshot(
        *store,
        {row("alice", kGa, "Global Administrator"),
         row("bob", kPra, "Privileged Role Administrator", AssignmentType::eligible, true, kGroup),
         row("carol", kGa, "Global Administrator", AssignmentType::eligible, true),
         row("carol", kPra, "Privileged Role Administrator", AssignmentType::active_permanent,
             true),
         dave},
        {0, kNow, "graph", 0}));
    ActivationHistory history(*store);
    auto batch = store->make_batch();
    auto record = [&](const char* who, const char* role, const char* name, const char* ip,
                      Micros t) {
      REQUIRE(
          history.record(batch, {who, std::string(who) + "@contoso.com", role, name, ip, "a", t}));
    };
    record("alice", kGa, "Global Administrator", "198.51.100.7", kNow - 6 * kDay);
    record("alice", kGa, "Global Administrator", "198.51.100.7", kNow - 5 * kDay);
    record("alice", kGa, "Global Administrator", "10.1.2.3", kNow - 5 * kDay);
    record("bob", kPra, "Privileged Role Administrator", "2001:db8::1", kNow - 40 * kDay);
    batch.put(Family::meta, "stream_time", encode_be64(kNow));
    REQUIRE(store->write(batch));
  }
};

}  // namespace

TEST_CASE("stale lists eligible assignments unused in N days, with or without activations",
          "[reports]") {
  KnownState state;
  auto report = stale_report(*state.store, {30, 0});
  REQUIRE(report);
  CHECK(report->now == kNow);
  REQUIRE(report->rows.size() == 2);
  const auto& bob = report->rows[0];
  CHECK(bob.principal_id == "bob");
  CHECK(bob.role_template_id == kPra);
  CHECK(bob.eligible_via == kGroup);
  CHECK(bob.last_activation == kNow - 40 * kDay);
  const auto& carol = report->rows[1];
  CHECK(carol.principal_id == "carol");
  CHECK(carol.role_display_name == "Global Administrator");
  CHECK_FALSE(carol.last_activation.has_value());

  auto shorter = stale_report(*state.store, {3, 0});
  REQUIRE(shorter);
  CHECK(shorter->rows.size() == 3);  // alice too; dave's eligibility is only a day old

  auto later = stale_report(*state.store, {30, kNow + 60 * kDay});
  REQUIRE(later);
  CHECK(later->rows.size() == 4);
}

TEST_CASE("synced lists synchronized accounts with eligible or permanent roles", "[reports]") {
  KnownState state;
  auto all = synced_report(*state.store, {});
  REQUIRE(all);
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].principal_id == "bob");
  CHECK((*all)[0].inherited_from == kGroup);
  CHECK((*all)[1].principal_id == "carol");
  CHECK((*all)[2].assignment_type == AssignmentType::active_permanent);
  auto only_pra =
      synced_report(*state.store, [](const Assignment& a) { return a.role_template_id == kPra; });
  REQUIRE(only_pra);
  CHECK(only_pra->size() == 2);
}

TEST_CASE("ips lists public activation IPs per user and role", "[reports]") {
  KnownState state;
  auto rows = ip_report(*state.store);
  REQUIRE(rows);
  REQUIRE(rows->size() == 2);  // 10.1.2.3 is private
  const auto& alice = (*rows)[0];
  CHECK(alice.user_principal_name == "alice@contoso.com");
  CHECK(alice.role_display_name == "Global Administrator");
  CHECK(alice.ip_address == "198.51.100.7");
  CHECK(alice.first_seen == kNow - 6 * kDay);
  CHECK(alice.last_seen == kNow - 5 * kDay);
  CHECK(alice.activations == 2);
  CHECK((*rows)[1].ip_address == "2001:db8::1");
}

TEST_CASE("identity roles gives one row per user with eligible and permanent roles", "[reports]") {
  KnownState state;
  auto rows = identity_roles(*state.store);
  REQUIRE(rows);
  REQUIRE(rows->size() == 4);
  const auto& carol = (*rows)[2];
  CHECK(carol.principal_id == "carol");
  CHECK(carol.eligible_roles == std::vector<std::string>{"Global Administrator"});
  CHECK(carol.permanent_roles == std::vector<std::string>{"Privileged Role Administrator"});
  CHECK(carol.on_premises_sync == true);
  CHECK_FALSE(carol.last_activation.has_value());
  CHECK((*rows)[0].last_activation == kNow - 5 * kDay);
}

TEST_CASE("private, loopback and link-local addresses are not public", "[reports]") {
  for (auto ip : {"10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.1", "169.254.1.1", "100.64.0.1",
                  "::1", "fe80::1", "fd00::1", "::ffff:10.0.0.1", "<null>", ""}) {
    CHECK_FALSE(is_public_ip(ip));
  }
  for (auto ip : {"198.51.100.7", "203.0.113.45", "8.8.8.8", "2001:db8::1", "2a01:111::1"}) {
    CHECK(is_public_ip(ip));
  }
}
