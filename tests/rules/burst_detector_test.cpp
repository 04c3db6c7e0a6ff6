#include "rules/burst_detector.hpp"

#include <catch2/catch.hpp>
#include <map>

#include "state/base/time.hpp"

using namespace rolewatch::rules;

namespace {

constexpr const char* kGlobalAdmin = "62e90394-69f5-4237-9190-012177145e10";
constexpr const char* kPrivilegedRoleAdmin = "e8611ab8-c189-46e8-94e1-60213ab1f814";
constexpr const char* kUserAdmin = "fe930be7-5e62-47db-91af-98c3a49a38b1";
constexpr EventTime kMinute = 60 * rolewatch::state::kMicrosPerSecond;
const EventTime kStart = *rolewatch::state::parse_event_time("2025-03-04T10:00:00Z");

int next_audit_number = 0;

RoleEvent removal(const std::string& actor, const std::string& target, EventTime at,
                  const std::string& role = kGlobalAdmin) {
  RoleEvent event;
  event.audit_id = "Directory_test_" + std::to_string(++next_audit_number);
  event.time = at;
  event.activity = "Remove member from role";
  event.service = Service::core_directory;
  event.kind = Kind::remove_active;
  event.actor = {ActorType::user, actor, actor + "@contoso.com", actor, "203.0.113.45"};
  event.target = {target, target + "@contoso.com", "User"};
  event.role = {role, role == kGlobalAdmin ? "Global Administrator" : "Some Role"};
  event.tenant_id = "11111111-2222-3333-4444-555555555555";
  return event;
}

// Feeds events the way the pipeline does: filter, advance stream time, decide.
struct Detector {
  RuleDefinition rule;
  std::map<std::string, rolewatch::state::GroupWindow> windows;
  EventTime stream_time = 0;
  EventTime now = 0;  // the wall clock
  std::vector<Alert> alerts;

  explicit Detector(RuleDefinition r) : rule(std::move(r)) {}

  std::optional<Alert> feed(const RoleEvent& event, bool restored = false) {
    if (!rule.matches(event)) return std::nullopt;
    stream_time = std::max(stream_time, event.time);
    auto group = group_key(rule, event);
    auto alert = add_removal(rule, group, windows[group], event, stream_time, now, restored);
    if (alert) alerts.push_back(*alert);
    return alert;
  }

  // What the pipeline's timers would send now.
  std::vector<Alert> due(bool flush = false) {
    std::vector<Alert> out;
    for (auto& [group, window] : windows) {
      for (auto& alert : due_revisions(rule, window, stream_time, now, flush)) {
        alerts.push_back(alert);
        out.push_back(alert);
      }
    }
    return out;
  }
};

std::vector<std::string> audit_ids(const Alert& alert) {
  std::vector<std::string> ids;
  for (const auto& removal : alert.removals) ids.push_back(removal.audit_id);
  return ids;
}

RuleDefinition actor_rule() {
  return default_rules().at(0);
}
RuleDefinition tenant_rule() {
  return default_rules().at(1);
}

}  // namespace

TEST_CASE("three privileged removals by one actor within the window raise one alert") {
  Detector d(actor_rule());
  CHECK_FALSE(d.feed(removal("mallory", "admin1", kStart)));
  CHECK_FALSE(d.feed(removal("mallory", "admin2", kStart + 1 * kMinute, kPrivilegedRoleAdmin)));
  auto alert = d.feed(removal("mallory", "admin3", kStart + 2 * kMinute));
  REQUIRE(alert);
  CHECK(alert->count == 3);
  CHECK(alert->threshold == 3);
  CHECK(alert->actor.id == "mallory");
  CHECK(alert->first_seen == kStart);
  CHECK(alert->last_seen == kStart + 2 * kMinute);
  CHECK(alert->removals.size() == 3);
  CHECK(alert->mitre_technique == "T1531");
}

TEST_CASE("a burst alerts exactly once however many removals follow") {
  Detector d(actor_rule());
  for (int i = 0; i < 10; ++i)
    d.feed(removal("mallory", "admin" + std::to_string(i), kStart + i * kMinute));
  CHECK(d.alerts.size() == 1);
}

TEST_CASE("a new burst after one quiet window length alerts again with a new id") {
  Detector d(actor_rule());
  for (int i = 0; i < 3; ++i)
    d.feed(removal("mallory", "a" + std::to_string(i), kStart + i * kMinute));
  auto later = kStart + 2 * kMinute + 121 * kMinute;
  for (int i = 0; i < 3; ++i)
    d.feed(removal("mallory", "b" + std::to_string(i), later + i * kMinute));
  REQUIRE(d.alerts.size() == 2);
  CHECK(d.alerts[0].id != d.alerts[1].id);
}

TEST_CASE("removals within one window length of each other keep the burst open") {
  Detector d(actor_rule());
  for (int i = 0; i < 3; ++i)
    d.feed(removal("mallory", "a" + std::to_string(i), kStart + i * kMinute));
  // 110 minutes of quiet is less than the 2 h window: same burst, no new alert.
  auto later = kStart + 2 * kMinute + 110 * kMinute;
  for (int i = 0; i < 3; ++i)
    d.feed(removal("mallory", "b" + std::to_string(i), later + i * kMinute));
  CHECK(d.alerts.size() == 1);
}

TEST_CASE(
    "the window slides: removals at t, t+70m and t+150m do not alert, a fourth at t+160m does") {
  Detector d(actor_rule());
  CHECK_FALSE(d.feed(removal("mallory", "a1", kStart)));
  CHECK_FALSE(d.feed(removal("mallory", "a2", kStart + 70 * kMinute)));
  CHECK_FALSE(d.feed(removal("mallory", "a3", kStart + 150 * kMinute)));
  auto alert = d.feed(removal("mallory", "a4", kStart + 160 * kMinute));
  REQUIRE(alert);
  // t+70m..t+160m is the window that crossed; the burst reaches back to t
  // (each gap is under 2 h), and the alert lists every removal of the burst.
  CHECK(alert->count == 4);
  CHECK(alert->first_seen == kStart);
}

TEST_CASE("records arriving out of order still make one burst and one alert") {
  Detector d(actor_rule());
  d.feed(removal("mallory", "a3", kStart + 30 * kMinute));
  d.feed(removal("mallory", "a1", kStart));
  d.feed(removal("mallory", "a4", kStart + 45 * kMinute));
  d.feed(removal("mallory", "a2", kStart + 10 * kMinute));
  REQUIRE(d.alerts.size() == 1);
  CHECK(d.alerts[0].first_seen == kStart);
}

TEST_CASE("the alert id is the same whatever order the burst's records arrive in") {
  std::vector<RoleEvent> events = {removal("mallory", "a1", kStart),
                                   removal("mallory", "a2", kStart + kMinute),
                                   removal("mallory", "a3", kStart + 2 * kMinute)};
  Detector forward(actor_rule());
  for (const auto& e : events) forward.feed(e);
  Detector backward(actor_rule());
  for (auto it = events.rbegin(); it != events.rend(); ++it) backward.feed(*it);
  REQUIRE(forward.alerts.size() == 1);
  REQUIRE(backward.alerts.size() == 1);
  CHECK(forward.alerts[0].id == backward.alerts[0].id);
}

TEST_CASE("removing the same role from the same principal again counts once") {
  Detector d(actor_rule());
  for (int i = 0; i < 5; ++i) d.feed(removal("mallory", "admin1", kStart + i * kMinute));
  d.feed(removal("mallory", "admin2", kStart + 6 * kMinute));
  CHECK(d.alerts.empty());
}

TEST_CASE("removing both privileged roles from one principal counts as two pairs") {
  Detector d(actor_rule());
  d.feed(removal("mallory", "admin1", kStart));
  d.feed(removal("mallory", "admin1", kStart + kMinute, kPrivilegedRoleAdmin));
  d.feed(removal("mallory", "admin2", kStart + 2 * kMinute));
  CHECK(d.alerts.size() == 1);
}

TEST_CASE("activation expiry, deactivation and requests are noise, not removals") {
  Detector d(actor_rule());
  for (auto kind : {Kind::activation_expired, Kind::deactivate, Kind::request}) {
    for (int i = 0; i < 3; ++i) {
      auto e = removal("pim", "admin" + std::to_string(i), kStart + i * kMinute);
      e.kind = kind;
      d.feed(e);
    }
  }
  CHECK(d.alerts.empty());
}

TEST_CASE("removals of roles other than GA and PRA are not counted") {
  Detector d(actor_rule());
  for (int i = 0; i < 5; ++i)
    d.feed(removal("mallory", "u" + std::to_string(i), kStart + i * kMinute, kUserAdmin));
  CHECK(d.alerts.empty());
}

TEST_CASE("a record without a template id matches by the legacy Company Administrator name") {
  Detector d(actor_rule());
  for (int i = 0; i < 3; ++i) {
    auto e = removal("mallory", "admin" + std::to_string(i), kStart + i * kMinute);
    e.role = {"", "Company Administrator"};
    d.feed(e);
  }
  CHECK(d.alerts.size() == 1);
}

TEST_CASE("a service principal removing admins is grouped by its id and named in the alert") {
  Detector d(actor_rule());
  for (int i = 0; i < 3; ++i) {
    auto e = removal("sp-1", "admin" + std::to_string(i), kStart + i * kMinute);
    e.actor = {ActorType::service_principal, "sp-1", "", "Automation App", ""};
    d.feed(e);
  }
  REQUIRE(d.alerts.size() == 1);
  CHECK(d.alerts[0].actor.type == ActorType::service_principal);
  CHECK(d.alerts[0].actor.display_name == "Automation App");
}

TEST_CASE("failed removals count toward the burst and are marked failed in the alert") {
  Detector d(actor_rule());
  for (int i = 0; i < 3; ++i) {
    auto e = removal("mallory", "admin" + std::to_string(i), kStart + i * kMinute);
    if (i == 1) e.result = Outcome::failure;
    d.feed(e);
  }
  REQUIRE(d.alerts.size() == 1);
  CHECK(d.alerts[0].removals[1].result == Outcome::failure);
  CHECK(to_json(d.alerts[0])["failedCount"] == 1);
}

TEST_CASE("two actors below the threshold each do not alert") {
  Detector d(actor_rule());
  d.feed(removal("mallory", "a1", kStart));
  d.feed(removal("mallory", "a2", kStart + kMinute));
  d.feed(removal("eve", "a3", kStart + 2 * kMinute));
  d.feed(removal("eve", "a4", kStart + 3 * kMinute));
  CHECK(d.alerts.empty());
}

TEST_CASE("the tenant-wide variant counts several actors together") {
  Detector d(tenant_rule());
  for (int i = 0; i < 5; ++i) {
    d.feed(removal(i % 2 ? "mallory" : "eve", "admin" + std::to_string(i), kStart + i * kMinute));
  }
  REQUIRE(d.alerts.size() == 1);
  CHECK(d.alerts[0].rule == "privileged-role-removal-burst-tenant");
  CHECK(d.alerts[0].count == 5);
}

TEST_CASE("entries older than window plus grace are pruned from state") {
  Detector d(actor_rule());
  d.feed(removal("mallory", "a1", kStart));
  d.feed(removal("mallory", "a2", kStart + 200 * kMinute));
  CHECK(d.windows["mallory"].entries.size() == 1);
}

TEST_CASE("stable alert ids look like UUIDs and depend on rule, group and first record") {
  auto id = stable_alert_id("rule", "group", "audit-1");
  CHECK(id.size() == 36);
  CHECK(id == stable_alert_id("rule", "group", "audit-1"));
  CHECK(id != stable_alert_id("rule", "group", "audit-2"));
  CHECK(id != stable_alert_id("rule", "other", "audit-1"));
}

// Burst updates (docs/design.md §3): one alert per burst, revised as it grows.

constexpr EventTime kSecond = rolewatch::state::kMicrosPerSecond;

TEST_CASE("removals joining an alerted burst become updates, at most one per update interval") {
  Detector d(actor_rule());
  for (int i = 0; i < 3; ++i) d.feed(removal("mallory", "a" + std::to_string(i), kStart + i));
  REQUIRE(d.alerts.size() == 1);
  CHECK(d.alerts[0].status == AlertStatus::firing);
  CHECK(d.alerts[0].revision == 1);
  d.now = 10 * kSecond;
  CHECK_FALSE(d.feed(removal("mallory", "a3", kStart + 3 * kMinute)));  // owed, not yet
  d.now = 59 * kSecond;
  CHECK(d.due().empty());
  d.now = 60 * kSecond;
  auto due = d.due();
  REQUIRE(due.size() == 1);
  CHECK(due[0].status == AlertStatus::updated);
  CHECK(due[0].revision == 2);
  CHECK(due[0].id == d.alerts[0].id);
  CHECK(due[0].count == 4);
  CHECK(due[0].detected_at == 0);  // revision 1's time
  CHECK(due[0].updated_at == 60 * kSecond);
  // The interval has passed since revision 2: the next removal goes at once.
  d.now = 200 * kSecond;
  auto update = d.feed(removal("mallory", "a4", kStart + 4 * kMinute));
  REQUIRE(update);
  CHECK(update->revision == 3);
  CHECK(update->removals.size() == 5);
  CHECK(d.due().empty());
}

TEST_CASE("with update_interval off a burst sends its first alert and its close only") {
  auto rule = actor_rule();
  rule.update_interval_seconds = 0;
  Detector d(rule);
  for (int i = 0; i < 5; ++i) d.feed(removal("mallory", "a" + std::to_string(i), kStart + i));
  d.now = 3600 * kSecond;
  CHECK(d.due(/*flush=*/true).empty());
  d.stream_time = kStart + 2 * 60 * kMinute + 5;  // one window past the newest removal
  auto due = d.due();
  REQUIRE(due.size() == 1);
  CHECK(due[0].status == AlertStatus::closed);
  CHECK(due[0].revision == 2);
  CHECK(due[0].count == 5);
  REQUIRE(d.alerts.size() == 2);
}

TEST_CASE("a burst closes once the watermark is one window past its newest removal") {
  Detector d(actor_rule());
  for (int i = 0; i < 4; ++i) {
    d.feed(removal("mallory", "a" + std::to_string(i), kStart + i * kMinute));
  }
  d.stream_time = kStart + 3 * kMinute + 2 * 60 * kMinute;  // exactly one window: still open
  CHECK(d.due().empty());
  d.stream_time += 1;
  auto due = d.due();
  REQUIRE(due.size() == 1);
  CHECK(due[0].status == AlertStatus::closed);
  CHECK(due[0].revision == 2);  // the owed update folds into the close
  CHECK(due[0].removals.size() == 4);
  CHECK(d.due().empty());
  for (auto& [group, window] : d.windows) CHECK_FALSE(revision_timer(d.rule, window));
}

TEST_CASE("a flush sends an owed update whatever the interval") {
  Detector d(actor_rule());
  for (int i = 0; i < 4; ++i) d.feed(removal("mallory", "a" + std::to_string(i), kStart + i));
  CHECK(d.due().empty());
  auto flushed = d.due(/*flush=*/true);
  REQUIRE(flushed.size() == 1);
  CHECK(flushed[0].status == AlertStatus::updated);
  CHECK(flushed[0].count == 4);
}

TEST_CASE("the final revision lists the same removals whatever order the records arrived in") {
  std::vector<RoleEvent> events;
  for (int i = 0; i < 6; ++i) {
    events.push_back(removal("mallory", "admin" + std::to_string(i), kStart + i * 7 * kMinute));
  }
  std::vector<int> order = {0, 1, 2, 3, 4, 5};
  std::vector<std::string> expected;
  for (const auto& e : events) expected.push_back(e.audit_id);
  int permutations = 0;
  do {
    Detector d(actor_rule());
    for (int i : order) d.feed(events[static_cast<std::size_t>(i)]);
    d.stream_time = kStart + 5 * 7 * kMinute + 2 * 60 * kMinute + 1;
    d.due();
    REQUIRE_FALSE(d.alerts.empty());
    const auto& last = d.alerts.back();
    CHECK(last.status == AlertStatus::closed);
    CHECK(audit_ids(last) == expected);
    CHECK(last.count == 6);
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()));
  CHECK(permutations == 720);
}

TEST_CASE("a removal that joins a closed burst late sends a corrected closed revision") {
  Detector d(actor_rule());
  for (int i = 0; i < 3; ++i) d.feed(removal("mallory", "a" + std::to_string(i), kStart + i));
  d.stream_time = kStart + 3 * 60 * kMinute;
  REQUIRE(d.due().size() == 1);  // closed, revision 2
  // Not late (within window + grace of the watermark), but after the close.
  d.now = 120 * kSecond;
  auto correction = d.feed(removal("mallory", "a3", kStart + 50 * kMinute));
  REQUIRE(correction);
  CHECK(correction->status == AlertStatus::closed);
  CHECK(correction->revision == 3);
  CHECK(correction->count == 4);
}

TEST_CASE("a rebuilt burst numbers its next revision past any the previous owner could send") {
  Detector d(actor_rule());
  // Five removals read below the restore checkpoint: the previous owner sent
  // revision 1 and at most one revision per later removal.
  for (int i = 0; i < 5; ++i) {
    d.feed(removal("mallory", "a" + std::to_string(i), kStart + i), /*restored=*/true);
  }
  REQUIRE(d.alerts.size() == 1);
  CHECK(d.alerts[0].raised_before);
  CHECK(d.due(/*flush=*/true).empty());  // nothing owed for restored removals
  d.now = 61 * kSecond;
  auto update = d.feed(removal("mallory", "new", kStart + 10));
  REQUIRE(update);
  CHECK_FALSE(update->raised_before);
  CHECK(update->revision > 5);
  CHECK(update->count == 6);
}

TEST_CASE("a burst of restored removals closes muted: its previous owner reported it") {
  Detector d(actor_rule());
  for (int i = 0; i < 3; ++i) {
    d.feed(removal("mallory", "a" + std::to_string(i), kStart + i), /*restored=*/true);
  }
  d.stream_time = kStart + 3 * 60 * kMinute;
  auto due = d.due();
  REQUIRE(due.size() == 1);
  CHECK(due[0].status == AlertStatus::closed);
  CHECK(due[0].raised_before);
}
