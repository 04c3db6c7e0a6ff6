// Secrets (webhook keys, tokens, the Teams URL's sig) never reach logs,
// metrics or configuration errors, even when a receiver echoes them back.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "stream/delivery/outbox_sender.hpp"
#include "stream/ops/metrics.hpp"
#include "support/captured_log.hpp"
#include "support/delivery_fixtures.hpp"
#include "support/http_receiver.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;
using namespace rolewatch::stream;

namespace {

constexpr const char* kWebhookKey = "whsec_c2VjcmV0LWtleS1mb3Itcm9sZXdhdGNoLXRlc3Rz";
constexpr const char* kToken = "tok-7f3a9c1e5b";
constexpr const char* kHubSecret = "hub-secret-9d8e";
constexpr const char* kSig = "SIGabc123def456";

using support::CapturedLog;

void check_clean(const std::string& text) {
  for (std::string secret : {std::string(kWebhookKey), std::string(kWebhookKey).substr(6),
                             std::string(kToken), std::string(kHubSecret), std::string(kSig)}) {
    INFO("leaked: " << secret);
    CHECK(text.find(secret) == std::string::npos);
  }
}

}  // namespace

TEST_CASE("secrets never appear in logs or metrics, even when a receiver echoes them",
          "[delivery]") {
  CapturedLog log;
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver soar;
  // A careless receiver that quotes the request in its error.
  soar.set_fallback({500, std::string("bad token Bearer ") + kToken});
  support::HttpReceiver teams;
  teams.set_fallback({429, std::string("throttled ") + teams.url() + "?sig=" + kSig});
  support::put_in_outbox(**store, 1, support::sample_alert("00000000-0000-5000-8000-000000000009"));

  Metrics metrics;
  SenderOptions options;
  options.probe = &metrics.delivery();
  options.backoff.initial = std::chrono::milliseconds(1);
  options.backoff.max = std::chrono::milliseconds(1);
  auto webhook = support::sink_from_yaml(
      "type: webhook\nurl: " + soar.url() + "\nsecret: " + kWebhookKey +
          "\nhub_secret: " + kHubSecret + "\nheaders: {Authorization: 'Bearer " + kToken + "'}\n",
      "soar");
  auto teams_sink = support::sink_from_yaml(
      "type: teams\nurl: " + teams.url("/workflows/1/invoke") + "?api-version=1&sig=" + kSig + "\n",
      "teams");
  OutboxSender sender(**store, support::sinks_of(std::move(webhook), std::move(teams_sink)),
                      options);
  for (int i = 0; i < 4; ++i) {
    REQUIRE(sender.drain_once());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  soar.down();
  teams.down();
  for (int i = 0; i < 4; ++i) {
    REQUIRE(sender.drain_once());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(soar.count() >= 2);
  REQUIRE(teams.count() >= 1);
  auto text = log.text();
  CHECK_THAT(text, Catch::Contains("HTTP 500"));        // the failures were logged...
  CHECK_THAT(text, Catch::Contains("sig=<redacted>"));  // ...with the secrets blanked
  check_clean(text);
  check_clean(metrics.scrape());
  std::string records;
  REQUIRE((*store)->scan(state::Family::deliveries, "", "", [&](auto, auto value) {
    records += std::string(value);
    return true;
  }));
  check_clean(records);  // the stored last errors are scrubbed too
}

TEST_CASE("a configuration error about a secret names the key, not the value", "[delivery]") {
  auto node = YAML::Load(std::string("url: https://x/\nsecret: whsec_!!") + kToken + "\n");
  auto sink = make_sink(support::sink_config("webhook", "soar", node));
  REQUIRE_FALSE(sink);
  CHECK_THAT(sink.error().message, Catch::StartsWith("sinks.soar.secret:"));
  check_clean(sink.error().message);
}
