#include "stream/delivery/sinks/sink_webhook.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "stream/delivery/outbox_sender.hpp"
#include "support/delivery_fixtures.hpp"
#include "support/http_receiver.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;
using namespace rolewatch::stream;

namespace {

constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

std::string shell(const std::string& command) {
  std::string out;
  if (auto* pipe = ::popen(command.c_str(), "r")) {
    char buffer[512];
    while (auto n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    ::pclose(pipe);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// The signature computed by the openssl and coreutils command-line tools,
// not by rolewatch's code: "v1," + base64(HMAC-SHA256(base64-decoded key, id.ts.body)).
std::string independent_signature(const std::string& secret, const std::string& id,
                                  const std::string& timestamp, const std::string& body) {
  support::TempDir dir;
  auto content = dir / "content";
  std::ofstream(content, std::ios::binary) << id << '.' << timestamp << '.' << body;
  auto key = secret.substr(std::string("whsec_").size());
  auto hex = shell("printf %s '" + key + "' | base64 -d | od -An -v -tx1 | tr -d ' \\n'");
  return "v1," + shell("openssl dgst -sha256 -mac HMAC -macopt hexkey:" + hex + " -binary " +
                       content.string() + " | base64 -w0");
}

DeliveryOutcome deliver(Sink& sink, const nlohmann::json& alert) {
  auto body = alert.dump();
  std::string id = alert["id"];
  return sink.deliver({alert, body, id, 1, std::nullopt, nullptr});
}

std::string webhook_yaml(const support::HttpReceiver& receiver, const std::string& extra = "") {
  return "type: webhook\nurl: " + receiver.url() + "\nsecret: " + kSecret + "\n" + extra;
}

}  // namespace

TEST_CASE(
    "a webhook delivery is the stored alert, signed so that an independent verifier accepts it",
    "[delivery]") {
  support::HttpReceiver receiver;
  receiver.set_fallback({202});
  auto sink = support::sink_from_yaml(webhook_yaml(receiver));
  auto alert = support::sample_alert("5b3f0c2e-1111-5222-8333-444444444444");
  auto outcome = deliver(*sink, alert);
  CHECK(outcome.kind == DeliveryOutcome::Kind::delivered);
  CHECK(outcome.http_status == 202);

  auto got = receiver.requests();
  REQUIRE(got.size() == 1);
  CHECK(got[0].body == alert.dump());
  CHECK(got[0].header("Content-Type") == "application/json");
  CHECK(got[0].header("webhook-id") == "5b3f0c2e-1111-5222-8333-444444444444.1");
  auto timestamp = got[0].header("webhook-timestamp");
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  CHECK(std::llabs(std::stoll(timestamp) - now) <= 5);
  CHECK(got[0].header("webhook-signature") ==
        independent_signature(kSecret, got[0].header("webhook-id"), timestamp, got[0].body));
  CHECK(got[0].header("X-Hub-Signature-256").empty());
}

TEST_CASE("the envelope format wraps the alert as {type, timestamp, data} and signs that body",
          "[delivery]") {
  support::HttpReceiver receiver;
  auto sink = support::sink_from_yaml(
      webhook_yaml(receiver, "format: envelope\nevent_type: rolewatch.alert.raised\n"));
  auto alert = support::sample_alert("5b3f0c2e-1111-5222-8333-444444444445");
  REQUIRE(deliver(*sink, alert).kind == DeliveryOutcome::Kind::delivered);
  auto got = receiver.requests();
  REQUIRE(got.size() == 1);
  auto body = nlohmann::json::parse(got[0].body);
  CHECK(body["type"] == "rolewatch.alert.raised");
  CHECK(body["timestamp"] == alert["detectedAt"]);
  CHECK(body["data"] == alert);
  CHECK(got[0].header("webhook-signature") ==
        independent_signature(kSecret, got[0].header("webhook-id"),
                              got[0].header("webhook-timestamp"), got[0].body));
}

TEST_CASE("GitHub-style signatures and secret headers from the environment and files are sent",
          "[delivery]") {
  support::HttpReceiver receiver;
  support::TempDir dir;
  std::ofstream(dir / "token") << "file-token-123\n";
  auto sink = support::sink_from_yaml(
      webhook_yaml(receiver,
                   "hub_secret: ${ROLEWATCH_TEST_HUB_SECRET}\n"
                   "headers:\n"
                   "  Authorization: \"Bearer ${ROLEWATCH_TEST_SOAR_TOKEN}\"\n"
                   "  ph-auth-token: {value_file: " +
                       (dir / "token").string() + "}\n"),
      "",
      {{"ROLEWATCH_TEST_SOAR_TOKEN", "env-token-456"},
       {"ROLEWATCH_TEST_HUB_SECRET", "It's a Secret to Everybody"}});
  auto alert = support::sample_alert("5b3f0c2e-1111-5222-8333-444444444446");
  REQUIRE(deliver(*sink, alert).kind == DeliveryOutcome::Kind::delivered);
  auto got = receiver.requests();
  REQUIRE(got.size() == 1);
  CHECK(got[0].header("Authorization") == "Bearer env-token-456");
  CHECK(got[0].header("ph-auth-token") == "file-token-123");
  auto expected = shell("printf %s '" + got[0].body +
                        "' | openssl dgst -sha256 -hmac \"It's a Secret to Everybody\" | sed "
                        "'s/.*= //'");
  CHECK(got[0].header("X-Hub-Signature-256") == "sha256=" + expected);
}

TEST_CASE("a webhook answer is classified: 2xx taken, 429 and 5xx retried, 400 rejected",
          "[delivery]") {
  support::HttpReceiver receiver;
  receiver.script({{202}, {204}, {429, "", {{"Retry-After", "3"}}}, {500}, {503}, {400}, {410}});
  auto sink = support::sink_from_yaml(webhook_yaml(receiver));
  auto alert = support::sample_alert("5b3f0c2e-1111-5222-8333-444444444447");
  CHECK(deliver(*sink, alert).kind == DeliveryOutcome::Kind::delivered);
  CHECK(deliver(*sink, alert).kind == DeliveryOutcome::Kind::delivered);
  auto throttled = deliver(*sink, alert);
  CHECK(throttled.kind == DeliveryOutcome::Kind::retry);
  CHECK(throttled.retry_after == std::chrono::seconds(3));
  CHECK(deliver(*sink, alert).kind == DeliveryOutcome::Kind::retry);
  CHECK(deliver(*sink, alert).kind == DeliveryOutcome::Kind::retry);
  CHECK(deliver(*sink, alert).kind == DeliveryOutcome::Kind::permanent);
  CHECK(deliver(*sink, alert).kind == DeliveryOutcome::Kind::permanent);
}

TEST_CASE("the sender waits as long as a 429's Retry-After asks before trying that sink again",
          "[delivery]") {
  support::TempDir dir;
  auto store = state::Store::open(dir.path());
  REQUIRE(store);
  support::HttpReceiver receiver;
  receiver.script({{429, "slow down", {{"Retry-After", "1"}}}});
  receiver.set_fallback({202});
  support::put_in_outbox(**store, 1, support::sample_alert("00000000-0000-5000-8000-000000000001"));
  SenderOptions options;
  options.backoff.initial = std::chrono::milliseconds(10);
  OutboxSender sender(**store, support::sinks_of(support::sink_from_yaml(webhook_yaml(receiver))),
                      options);
  REQUIRE(sender.start());
  REQUIRE(receiver.wait_for(2, std::chrono::seconds(5)));
  auto got = receiver.requests();
  auto waited = got[1].at - got[0].at;
  CHECK(waited >= std::chrono::milliseconds(990));
  CHECK(waited < std::chrono::milliseconds(2500));
  CHECK(got[0].header("webhook-id") == got[1].header("webhook-id"));
  sender.stop(std::chrono::steady_clock::now() + std::chrono::seconds(2));
}

TEST_CASE("a 500 is retried with backoff until the receiver takes the alert", "[delivery]") {
  support::TempDir dir;
  auto store = state::Store::open(dir.path());
  REQUIRE(store);
  support::HttpReceiver receiver;
  receiver.script({{500}, {500}, {502}});
  receiver.set_fallback({202});
  support::put_in_outbox(**store, 1, support::sample_alert("00000000-0000-5000-8000-000000000002"));
  SenderOptions options;
  options.backoff.initial = std::chrono::milliseconds(20);
  OutboxSender sender(**store, support::sinks_of(support::sink_from_yaml(webhook_yaml(receiver))),
                      options);
  REQUIRE(sender.start());
  REQUIRE(receiver.wait_for(4, std::chrono::seconds(5)));
  for (int i = 0; i < 200 && sender.pending() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  sender.stop(std::chrono::steady_clock::now() + std::chrono::seconds(2));
  CHECK(sender.pending() == 0);
  CHECK(support::count_family(**store, state::Family::outbox) == 0);
  for (const auto& request : receiver.requests()) {
    CHECK(request.header("webhook-id") == "00000000-0000-5000-8000-000000000002.1");
  }
}
