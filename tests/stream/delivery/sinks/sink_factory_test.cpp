#include "stream/delivery/sinks/sink_factory.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "stream/config/config.hpp"
#include "stream/config/delivery_settings.hpp"
#include "support/delivery_fixtures.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;
using namespace rolewatch::stream;

namespace {

Expected<std::unique_ptr<Sink>> sink(const std::string& type, const std::string& yaml) {
  // No environment: an unset ${VAR} is unset whatever the test runner exports.
  ConfigContext no_env{[](const std::string&) { return std::optional<std::string>(); }, {}};
  return make_sink(support::sink_config(type, type, YAML::Load(yaml)), no_env);
}

std::string error_of(const std::string& type, const std::string& yaml) {
  auto made = sink(type, yaml);
  REQUIRE_FALSE(made);
  return made.error().message;
}

}  // namespace

TEST_CASE("the design's minimal configuration gives a file sink and a signed webhook sink",
          "[delivery]") {
  auto env = [](const std::string& key) -> std::optional<std::string> {
    if (key == "WEBHOOK_SECRET") return "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    return std::nullopt;
  };
  auto config = parse_config(R"(
source:
  brokers: 127.0.0.1:9092      # or "embedded"
  topic: insights-logs-auditlogs
  group: rolewatch
state:
  dir: ./state
http:
  listen: 127.0.0.1:9464       # /metrics, /healthz, /readyz
sinks:
  - type: file                 # alert JSON lines
    path: ./alerts.jsonl
  - type: webhook              # Standard Webhooks v1 signed
    url: http://127.0.0.1:8080/hook
    secret: ${WEBHOOK_SECRET}  # whsec_...
)",
                             env);
  REQUIRE(config);
  auto sinks = make_sinks(config->sinks, {env, {}});
  REQUIRE(sinks);
  REQUIRE(sinks->size() == 2);
  CHECK((*sinks)[0]->type() == "file");
  CHECK((*sinks)[0]->name() == "file");
  CHECK((*sinks)[1]->type() == "webhook");
  CHECK((*sinks)[1]->describe() == "http://127.0.0.1:8080/hook");
}

TEST_CASE("every sink type is built from its YAML with sensible defaults", "[delivery]") {
  auto out = sink("stdout", "type: stdout");
  REQUIRE(out);
  CHECK((*out)->describe() == "stdout");
  auto teams = sink("teams", "url: https://prod-1.westeurope.logic.azure.com/workflows/x?sig=abc");
  REQUIRE(teams);
  CHECK((*teams)->concurrency() == 1);
  CHECK((*teams)->describe() == "https://prod-1.westeurope.logic.azure.com/workflows/x?<redacted>");
  auto am = sink("alertmanager", "url: https://am:9093");
  REQUIRE(am);
  REQUIRE((*am)->resend_policy());
  CHECK((*am)->resend_policy()->interval == std::chrono::seconds(60));
  CHECK((*am)->resend_policy()->active_for == std::chrono::seconds(3600));
  auto hook = sink("webhook",
                   "url: https://soar/x\nconcurrency: 4\ntimeout: 30s\nsecret: "
                   "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
  REQUIRE(hook);
  CHECK((*hook)->concurrency() == 4);
}

TEST_CASE("sink configuration errors name the sink and the key, never the value", "[delivery]") {
  CHECK(error_of("webhook", "secret: whsec_x") ==
        "sinks.webhook.url: required key is missing (set url or url_file)");
  CHECK(error_of("webhook", "url: ftp://x") ==
        "sinks.webhook.url: must start with http:// or https://");
  CHECK(error_of("webhook", "url: https://x\nsecrte: y") == "sinks.webhook.secrte: unknown key");
  CHECK(error_of("webhook", "url: https://x\nformat: xml") ==
        "sinks.webhook.format: expected alert or envelope");
  CHECK(error_of("file", "fsync: true") == "sinks.file.path: required key is missing");
  CHECK(error_of("teams", "url: https://x\nconcurrency: 0") ==
        "sinks.teams.concurrency: must be between 1 and 64");
  CHECK_THAT(error_of("webhook", "url: https://x\nsecret: ${ROLEWATCH_TEST_UNSET_SECRET}"),
             Catch::StartsWith("sinks.webhook.secret"));
  CHECK(error_of("pager", "x: 1") ==
        "sinks.pager.type: unknown sink type \"pager\" (expected stdout, file, webhook, teams, "
        "alertmanager or log-analytics)");
}

TEST_CASE("secrets can come from files, and several keys sign side by side", "[delivery]") {
  support::TempDir dir;
  std::ofstream(dir / "k1") << "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n";
  std::ofstream(dir / "url") << "https://example.logic.azure.com/x?sig=FROMFILE\n";
  CHECK(sink("webhook", "url: https://x\nsecret_file: [" + (dir / "k1").string() + "]\n" +
                            "secret: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw]\n"));
  auto teams = sink("teams", "url_file: " + (dir / "url").string());
  REQUIRE(teams);
  CHECK((*teams)->describe() == "https://example.logic.azure.com/x?<redacted>");
  CHECK_THAT(error_of("webhook", "url: https://x\nsecret_file: /nonexistent/key"),
             Catch::StartsWith("sinks.webhook.secret_file: cannot read /nonexistent/key"));
}

TEST_CASE("two sinks with the same name are refused", "[delivery]") {
  std::vector<SinkConfig> configs{support::sink_config("stdout", "out", YAML::Load("{}")),
                                  support::sink_config("stdout", "out", YAML::Load("{}"))};
  auto sinks = make_sinks(configs);
  REQUIRE_FALSE(sinks);
  CHECK_THAT(sinks.error().message, Catch::Contains("two sinks are named \"out\""));
}

TEST_CASE("the delivery section sets max_age, retry backoff and the readiness threshold",
          "[delivery]") {
  ConfigContext context;
  auto read = [&](const std::string& yaml) {
    return read_delivery_settings(ConfigNode(YAML::Load(yaml), "delivery", context));
  };
  auto defaults = read_delivery_settings(ConfigNode(YAML::Node(), "delivery", context));
  CHECK(defaults.max_age == std::chrono::hours(24));
  CHECK(defaults.ready_outbox_threshold == 100);
  auto set = read("max_age: 2h\nretry: {initial: 500ms, max: 10m}\nready_outbox_threshold: 5\n");
  CHECK(set.max_age == std::chrono::hours(2));
  CHECK(set.backoff.initial == std::chrono::milliseconds(500));
  CHECK(set.backoff.max == std::chrono::minutes(10));
  CHECK(set.ready_outbox_threshold == 5);
  CHECK_THROWS_WITH(read("retry: {initial: 1m, max: 1s}"),
                    "delivery.retry.max: must be at least initial");
  CHECK_THROWS_WITH(read("max_age: 1d\nmaxage: 2\n"), "delivery.maxage: unknown key");
}

TEST_CASE("activation events are opt-in and only for stdout, file and webhook sinks",
          "[delivery]") {
  CHECK_FALSE(support::sink_from_yaml("type: stdout\n")->takes_activations());
  CHECK(support::sink_from_yaml("type: stdout\nactivations: true\n")->takes_activations());
  CHECK(error_of("teams", "url: https://x.example/wf\nactivations: true") ==
        "sinks.teams.activations: only stdout, file and webhook sinks take activation events");
  CHECK(error_of("alertmanager", "url: http://127.0.0.1:9093\nactivations: true") ==
        "sinks.alertmanager.activations: only stdout, file and webhook sinks take activation "
        "events");
}

TEST_CASE("every sink type takes updates: (default true) to opt out of burst updates",
          "[delivery][revisions]") {
  const std::vector<std::pair<std::string, std::string>> types{
      {"stdout", "name: out\n"},
      {"file", "path: /tmp/rolewatch-alerts.jsonl\n"},
      {"webhook", "url: http://127.0.0.1:9/hook\nsecret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n"},
      {"teams", "url: http://127.0.0.1:9/hook\n"},
      {"alertmanager", "url: http://127.0.0.1:9\n"},
  };
  for (const auto& [type, yaml] : types) {
    INFO(type);
    auto by_default = sink(type, yaml);
    REQUIRE(by_default);
    CHECK((*by_default)->takes_updates());
    auto opted_out = sink(type, yaml + "updates: false\n");
    REQUIRE(opted_out);
    CHECK_FALSE((*opted_out)->takes_updates());
    CHECK(error_of(type, yaml + "updates: sometimes\n") ==
          "sinks." + type + ".updates: expected true or false");
  }
  CHECK(error_of("teams", "url: http://127.0.0.1:9/hook\nupdate_interval: often\n") ==
        "sinks.teams.update_interval: expected a duration such as 500ms, 15s, 5m, 1h or PT1H");
}
