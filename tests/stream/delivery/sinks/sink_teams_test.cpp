#include "stream/delivery/sinks/sink_teams.hpp"

#include <catch2/catch.hpp>

#include "stream/delivery/sinks/teams_card.hpp"
#include "support/delivery_fixtures.hpp"
#include "support/http_receiver.hpp"

using namespace rolewatch::stream;

namespace {

const nlohmann::json& card_of(const nlohmann::json& message) {
  return message["attachments"][0]["content"];
}

std::string all_text(const nlohmann::json& card) {
  std::string text;
  for (const auto& block : card["body"]) {
    if (block.contains("text")) text += block["text"].get<std::string>() + "\n";
    if (block.contains("facts")) {
      for (const auto& fact : block["facts"]) {
        text += fact["title"].get<std::string>() + ": " + fact["value"].get<std::string>() + "\n";
      }
    }
  }
  return text;
}

}  // namespace

TEST_CASE("a Teams message is a Workflows envelope around an Adaptive Card 1.4", "[delivery]") {
  auto message = teams_message(support::sample_alert("5b3f0c2e-1111-5222-8333-444444444444"));
  CHECK(message["type"] == "message");
  REQUIRE(message["attachments"].size() == 1);
  CHECK(message["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive");
  const auto& card = card_of(message);
  CHECK(card["type"] == "AdaptiveCard");
  CHECK(card["version"] == "1.4");
  CHECK(card["body"][0]["text"] == "Bulk removal of highly privileged Entra roles");
}

TEST_CASE("the card shows severity, actor, count, threshold, window and every removal",
          "[delivery]") {
  auto text = all_text(card_of(teams_message(support::sample_alert("a-1"))));
  CHECK_THAT(text, Catch::Contains("Severity: high"));
  CHECK_THAT(text, Catch::Contains("mallory@contoso.com (user)"));
  CHECK_THAT(text, Catch::Contains("Actor IP: 203.0.113.45"));
  CHECK_THAT(text, Catch::Contains("3 (threshold 3 within PT2H)"));
  CHECK_THAT(text, Catch::Contains("Failed attempts: 1"));
  CHECK_THAT(text, Catch::Contains("T1531 Impact"));
  CHECK_THAT(text, Catch::Contains("Alert id: a-1"));
  for (int i = 0; i < 3; ++i) {
    CHECK_THAT(text, Catch::Contains("admin" + std::to_string(i) +
                                     "@contoso.com · Global "
                                     "Administrator · 2025-03-04 10:15:0" +
                                     std::to_string(2 + i) + "Z"));
  }
  CHECK_THAT(text, Catch::Contains("**failed**"));
}

TEST_CASE("the card links a user actor to their Entra admin center profile", "[delivery]") {
  auto message = teams_message(support::sample_alert("a-1"));
  const auto& card = card_of(message);
  REQUIRE(card["actions"].size() == 1);
  CHECK(card["actions"][0]["type"] == "Action.OpenUrl");
  CHECK(card["actions"][0]["url"] ==
        "https://entra.microsoft.com/#view/Microsoft_AAD_UsersAndTenants/UserProfileMenuBlade/~/"
        "overview/userId/aaaaaaaa-0000-0000-0000-000000000001");
  auto app = support::sample_alert("a-2");
  app["actor"]["type"] = "servicePrincipal";
  CHECK_FALSE(card_of(teams_message(app)).contains("actions"));
}

TEST_CASE("a burst of hundreds of removals is summarized to stay under Teams' 28 KB",
          "[delivery]") {
  auto alert = support::sample_alert("a-big", 600);
  auto message = teams_message(alert);
  CHECK(message.dump().size() <= kTeamsMaxMessageBytes);
  CHECK(message.dump().size() > kTeamsMaxMessageBytes - 1024);  // as many as fit
  auto text = all_text(card_of(message));
  CHECK_THAT(text, Catch::Contains("more; the full list is in the alert JSON (id a-big)"));
  CHECK_THAT(text, Catch::Contains("admin0@contoso.com"));
  CHECK_THAT(text, Catch::Contains("Removals: 600"));
}

TEST_CASE("a Workflows webhook answering 202 has taken the card", "[delivery]") {
  support::HttpReceiver receiver;
  receiver.set_fallback({202});
  auto sink = support::sink_from_yaml("type: teams\nurl: " + receiver.url("/workflows/x/invoke") +
                                      "?api-version=1&sig=SIGSECRET\n");
  auto alert = support::sample_alert("5b3f0c2e-1111-5222-8333-444444444449");
  auto body = alert.dump();
  auto outcome =
      sink->deliver({alert, body, "5b3f0c2e-1111-5222-8333-444444444449", 1, {}, nullptr});
  CHECK(outcome.kind == DeliveryOutcome::Kind::delivered);
  CHECK(outcome.http_status == 202);
  auto got = receiver.requests();
  REQUIRE(got.size() == 1);
  CHECK(nlohmann::json::parse(got[0].body) == teams_message(alert));
  CHECK(got[0].header("webhook-id") == "5b3f0c2e-1111-5222-8333-444444444449");
  CHECK(sink->describe().find("SIGSECRET") == std::string::npos);
  CHECK(sink->min_interval() == std::chrono::milliseconds(250));
}

TEST_CASE("an activation alert's card says why it fired and shows the activation", "[delivery]") {
  auto alert = nlohmann::json::parse(R"({
    "schema": "rolewatch.alert.v1", "id": "act-1", "rule": "pim-activation-synced-account",
    "title": "Privileged role activated by a synchronized account", "severity": "medium",
    "mitre": {"tactic": "Privilege Escalation", "technique": "T1078.002"},
    "actor": {"type": "user", "id": "u-1", "userPrincipalName": "sync@contoso.com"},
    "count": 1, "firstSeen": "2025-03-04T10:15:02.123456Z", "lastSeen": "2025-03-04T10:15:02.123456Z",
    "detectedAt": "2025-03-04T10:15:03.000000Z",
    "reason": "sync@contoso.com is synchronized from on-premises AD",
    "activation": {"principal": {"id": "u-1", "userPrincipalName": "sync@contoso.com"},
                   "role": {"displayName": "Global Administrator"}, "eligibility": "group",
                   "eligibleVia": "g-1", "synced": true, "ipAddress": "198.51.100.7",
                   "newIp": true, "mfa": false, "time": "2025-03-04T10:15:02.123456Z"}})");
  auto message = teams_message(alert);
  auto text = all_text(card_of(message));
  CHECK_THAT(text, Catch::Contains("Why: sync@contoso.com is synchronized from on-premises AD"));
  CHECK_THAT(text, Catch::Contains("Role: Global Administrator"));
  CHECK_THAT(text, Catch::Contains("Eligibility: group via g-1"));
  CHECK_THAT(text, Catch::Contains("Synced from on-premises: yes"));
  CHECK_THAT(text, Catch::Contains("IP: 198.51.100.7 (new)"));
  CHECK_THAT(text, !Catch::Contains("Removals"));
}
