#include "stream/delivery/sinks/sink_teams.hpp"

#include <catch2/catch.hpp>

#include "stream/delivery/sinks/plain_text.hpp"
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
  CHECK(got[0].header("webhook-id") == "5b3f0c2e-1111-5222-8333-444444444449.1");
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

namespace {

nlohmann::json burst_revision(const std::string& id, std::uint32_t number,
                              const std::string& status, int removals) {
  auto alert = support::sample_alert(id, removals);
  alert["revision"] = number;
  alert["status"] = status;
  return alert;
}

// What every card must be, whichever kind: the Workflows envelope around an
// Adaptive Card 1.4 whose body holds only TextBlocks with text and FactSets
// of title/value strings, under Teams' size limit.
void check_card(const nlohmann::json& message) {
  CHECK(message["type"] == "message");
  REQUIRE(message["attachments"].size() == 1);
  CHECK(message["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive");
  const auto& card = card_of(message);
  CHECK(card["type"] == "AdaptiveCard");
  CHECK(card["version"] == "1.4");
  REQUIRE(card["body"].is_array());
  REQUIRE_FALSE(card["body"].empty());
  for (const auto& block : card["body"]) {
    if (block["type"] == "TextBlock") {
      CHECK(block["text"].is_string());
      CHECK_FALSE(block["text"].get<std::string>().empty());
    } else {
      REQUIRE(block["type"] == "FactSet");
      for (const auto& fact : block["facts"]) {
        CHECK(fact["title"].is_string());
        CHECK(fact["value"].is_string());
      }
    }
  }
  CHECK(message.dump().size() <= kTeamsMaxMessageBytes);
}

DeliveryOutcome deliver(Sink& sink, const nlohmann::json& alert) {
  auto body = alert.dump();
  std::string id = alert["id"];
  return sink.deliver({alert, body, id, 1, {}, nullptr});
}

std::string posted_text(const support::Received& request) {
  return all_text(card_of(nlohmann::json::parse(request.body)));
}

}  // namespace

TEST_CASE("every kind of card passes the card checks", "[delivery][revisions]") {
  check_card(teams_message(support::sample_alert("a-1")));
  check_card(teams_message(support::sample_alert("a-big", 600)));
  check_card(teams_update_message(burst_revision("a-1", 2, "updated", 5), {"audit-0"}));
  check_card(teams_update_message(burst_revision("a-big", 2, "updated", 600), {}));
  check_card(teams_closed_message(burst_revision("a-1", 3, "closed", 5)));
}

TEST_CASE("an update card says the burst grew to N and lists the removals new since the last",
          "[delivery][revisions]") {
  auto message = teams_update_message(burst_revision("a-1", 2, "updated", 5),
                                      {"audit-0", "audit-1", "audit-2"});
  auto text = all_text(card_of(message));
  CHECK_THAT(text, Catch::StartsWith("Burst grew to 5 removals\n"));
  CHECK_THAT(text, Catch::Contains("New since the last card"));
  CHECK_THAT(text, Catch::Contains("admin3@contoso.com"));
  CHECK_THAT(text, Catch::Contains("admin4@contoso.com"));
  CHECK_THAT(text, !Catch::Contains("admin0@contoso.com"));
  CHECK_THAT(text, Catch::Contains("Revision: 2"));
  CHECK_THAT(text, Catch::Contains("Alert id: a-1"));
  CHECK(message.dump().size() <
        teams_message(burst_revision("a-1", 2, "updated", 5)).dump().size());
  auto closed = all_text(card_of(teams_closed_message(burst_revision("a-1", 3, "closed", 5))));
  CHECK_THAT(closed, Catch::StartsWith("Burst closed: 5 removals\n"));
}

TEST_CASE("update cards are rate-limited per alert; the closed card is always sent",
          "[delivery][revisions]") {
  support::HttpReceiver receiver;
  receiver.set_fallback({202});
  auto sink =
      support::sink_from_yaml("type: teams\nurl: " + receiver.url() + "\nupdate_interval: 1s\n");
  CHECK(dynamic_cast<TeamsSink&>(*sink).update_interval() == std::chrono::seconds(1));
  REQUIRE(deliver(*sink, burst_revision("a-1", 1, "firing", 3)).kind ==
          DeliveryOutcome::Kind::delivered);
  // Inside the interval: done without a request.
  CHECK(deliver(*sink, burst_revision("a-1", 2, "updated", 4)).kind ==
        DeliveryOutcome::Kind::skipped);
  CHECK(receiver.count() == 1);
  // Another alert has its own interval.
  REQUIRE(deliver(*sink, burst_revision("b-1", 2, "updated", 4)).kind ==
          DeliveryOutcome::Kind::delivered);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  REQUIRE(deliver(*sink, burst_revision("a-1", 3, "updated", 5)).kind ==
          DeliveryOutcome::Kind::delivered);
  REQUIRE(deliver(*sink, burst_revision("a-1", 4, "closed", 5)).kind ==
          DeliveryOutcome::Kind::delivered);
  auto got = receiver.requests();
  REQUIRE(got.size() == 4);
  CHECK_THAT(posted_text(got[0]), Catch::StartsWith("Bulk removal of highly privileged"));
  auto grew = posted_text(got[2]);
  CHECK_THAT(grew, Catch::StartsWith("Burst grew to 5 removals"));
  // New since the card actually shown (revision 1), the skipped revision's too.
  CHECK_THAT(grew, Catch::Contains("admin3@contoso.com"));
  CHECK_THAT(grew, Catch::Contains("admin4@contoso.com"));
  CHECK_THAT(grew, !Catch::Contains("admin2@contoso.com"));
  CHECK(got[2].header("webhook-id") == "a-1.3");
  CHECK_THAT(posted_text(got[3]), Catch::StartsWith("Burst closed: 5 removals"));
  CHECK(got[3].header("webhook-id") == "a-1.4");
}

TEST_CASE("a Teams sink rate-limits updates to one per 5 minutes by default", "[delivery]") {
  auto sink = support::sink_from_yaml("type: teams\nurl: http://127.0.0.1:9/hook\n");
  CHECK(dynamic_cast<TeamsSink&>(*sink).update_interval() == std::chrono::minutes(5));
}

TEST_CASE("record text in a card is plain text: no formatting, no links, no extra lines",
          "[delivery]") {
  auto alert = support::sample_alert("a-hostile");
  alert["actor"]["userPrincipalName"] = "[click](https://evil.example)";
  alert["actor"]["displayName"] = "**bold**";
  alert["removals"][0]["target"]["userPrincipalName"] = "**bold** www.evil.example\n# heading";
  alert["removals"][1]["role"]["displayName"] = "- <b>item</b> & `code` _x_ > quote";
  auto message = teams_message(alert);
  auto dumped = message.dump();
  CHECK(dumped.find("[click](") == std::string::npos);
  CHECK(dumped.find("https://evil") == std::string::npos);
  CHECK(dumped.find("**bold**") == std::string::npos);
  CHECK(dumped.find("www.evil") == std::string::npos);
  auto text = all_text(card_of(message));
  auto wj = std::string(kWordJoiner);
  CHECK_THAT(text, Catch::Contains("\\[click\\]\\(https:" + wj + "//evil.example\\) (user)"));
  CHECK_THAT(text,
             Catch::Contains("- \\*\\*bold\\*\\* www" + wj + ".evil.example\\\\n\\# heading"));
  CHECK_THAT(text, Catch::Contains("\\- \\<b\\>item\\</b\\> \\& \\`code\\` \\_x\\_ \\> quote"));
  CHECK_THAT(text, Catch::Contains("**failed**"));  // the card's own markup stays
  check_card(message);
  // Nor can a record choose where the card's button points.
  alert["actor"]["id"] = "aaaaaaaa-0000-0000-0000-000000000001/../../evil";
  CHECK_FALSE(card_of(teams_message(alert)).contains("actions"));
}
