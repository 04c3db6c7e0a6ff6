#include "state/group_window.hpp"

#include <catch2/catch.hpp>

using namespace rolewatch::state;

TEST_CASE("a group window survives encoding and decoding unchanged") {
  GroupWindow window;
  window.actor = {1, "actor-id", "mallory@contoso.com", "Mallory", "203.0.113.45"};
  window.tenant_id = "tenant";
  WindowEntry entry;
  entry.time = 1741083302123456;
  entry.audit_id = "Directory_x";
  entry.activity = "Remove member from role";
  entry.service = 0;
  entry.result = 1;
  entry.target_id = "t";
  entry.target_upn = "t@contoso.com";
  entry.target_type = "User";
  entry.role_template_id = "62e90394-69f5-4237-9190-012177145e10";
  entry.role_name = "Global Administrator";
  entry.alert_id = "id";
  window.entries = {entry, entry};
  window.entries[1].time += 1;

  auto decoded = decode_group_window(encode_group_window(window));
  REQUIRE(decoded);
  CHECK(decoded->actor.user_principal_name == "mallory@contoso.com");
  CHECK(decoded->tenant_id == "tenant");
  REQUIRE(decoded->entries.size() == 2);
  CHECK(decoded->entries[1].time == entry.time + 1);
  CHECK(decoded->entries[0].role_name == "Global Administrator");
  CHECK(decoded->entries[0].alert_id == "id");
  CHECK(decoded->newest_time() == entry.time + 1);
}

TEST_CASE("a truncated or foreign window value is refused, not misread") {
  GroupWindow window;
  window.entries.resize(1);
  auto bytes = encode_group_window(window);
  CHECK_FALSE(decode_group_window(bytes.substr(0, bytes.size() - 1)));
  CHECK_FALSE(decode_group_window(bytes + "x"));
  CHECK_FALSE(decode_group_window("\x09garbage"));
  CHECK_FALSE(decode_group_window(""));
}

TEST_CASE("a window's burst alerts survive encoding with their revision and flags") {
  GroupWindow window;
  window.entries.resize(1);
  window.entries[0].alert_id = "a1";
  window.alerts = {BurstAlert{"a1", 3, 100, 250, true, false},
                   BurstAlert{"a2", 7, 300, 400, false, true}};
  auto decoded = decode_group_window(encode_group_window(window));
  REQUIRE(decoded);
  REQUIRE(decoded->alerts.size() == 2);
  const auto& first = decoded->alerts[0];
  CHECK(first.id == "a1");
  CHECK(first.revision == 3);
  CHECK(first.fired_at == 100);
  CHECK(first.decided_at == 250);
  CHECK(first.pending);
  CHECK_FALSE(first.closed);
  CHECK(decoded->alerts[1].closed);
  CHECK_FALSE(decoded->alerts[1].pending);
  CHECK(decoded->find_alert("a2") == &decoded->alerts[1]);
  CHECK(decoded->find_alert("nope") == nullptr);
}

TEST_CASE("a window written before burst updates reads its alerted burst as closed") {
  GroupWindow window;
  window.entries.resize(2);
  window.entries[0].alert_id = "old";
  window.entries[1].alert_id = "old";
  auto bytes = encode_group_window(window);
  // Version 2 had no alert list after the entries: drop its count byte.
  bytes[0] = 2;
  bytes.pop_back();
  auto decoded = decode_group_window(bytes);
  REQUIRE(decoded);
  REQUIRE(decoded->alerts.size() == 1);
  CHECK(decoded->alerts[0].id == "old");
  CHECK(decoded->alerts[0].closed);
  CHECK_FALSE(decoded->alerts[0].pending);
}
