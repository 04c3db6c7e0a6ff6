// The log-analytics sink against a fake Logs Ingestion API and the fake
// Entra token endpoint (tests/support/fake_log_ingestion, fake_graph): the
// request line, token, gzip body and rows; batching through the outbox
// sender within 1 MB per request; 429 with Retry-After, 403, 401 and 5xx;
// configuration errors.
#include "stream/delivery/sinks/sink_log_analytics.hpp"

#include <catch2/catch.hpp>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "stream/delivery/outbox_sender.hpp"
#include "support/delivery_fixtures.hpp"
#include "support/fake_graph.hpp"
#include "support/fake_log_ingestion.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;
using namespace rolewatch::stream;
using namespace std::chrono_literals;

namespace {

constexpr const char* kDcr = "dcr-0123456789abcdef0123456789abcdef";

struct Azure {
  support::FakeGraph entra;
  support::FakeLogIngestion ingestion{
      [this](const std::string& token) { return entra.valid_token(token); }};

  // A log-analytics sink with client-secret auth against the fakes; the
  // fake token endpoint expects its own URL as the audience.
  std::string yaml(const std::string& extra = "") const {
    return "type: log-analytics\nendpoint: " + ingestion.endpoint() +
           "\ndcr_immutable_id: " + kDcr + "\naudience: " + entra.base_url() +
           "\nauth:\n  mode: client-secret\n  tenant_id: tenant-1\n  client_id: app-1\n"
           "  client_secret: s3cret\n  authority: " +
           entra.base_url() + "\n" + extra;
  }
  std::unique_ptr<Sink> sink(const std::string& extra = "") const {
    return support::sink_from_yaml(yaml(extra), "sentinel");
  }
};

std::string id_for(int n) {
  char text[40];
  std::snprintf(text, sizeof text, "00000000-0000-5000-8000-%012d", n);
  return text;
}

DeliveryOutcome deliver(Sink& sink, const nlohmann::json& alert) {
  auto body = alert.dump();
  std::string id = alert["id"];
  return sink.deliver({alert, body, id, 1, std::nullopt, nullptr});
}

std::string config_error(const std::string& yaml,
                         const std::map<std::string, std::string>& env = {}) {
  auto node = YAML::Load(yaml);
  ConfigContext context;
  context.env = [env](const std::string& key) -> std::optional<std::string> {
    auto it = env.find(key);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  auto sink = make_sink(support::sink_config("log-analytics", "sentinel", node), context);
  REQUIRE_FALSE(sink);
  return sink.error().message;
}

SenderOptions fast_options() {
  SenderOptions options;
  options.backoff.initial = 20ms;
  options.backoff.max = 200ms;
  options.rescan_interval = 100ms;
  return options;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 20s) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

std::set<std::string> delivery_ids(const std::vector<nlohmann::json>& rows) {
  std::set<std::string> ids;
  for (const auto& row : rows) ids.insert(row["DeliveryId"].get<std::string>());
  return ids;
}

}  // namespace

TEST_CASE(
    "a log-analytics delivery is one gzipped JSON row posted to the DCR stream with an Entra token",
    "[delivery][log-analytics]") {
  Azure azure;
  auto sink = azure.sink();
  CHECK(sink->type() == "log-analytics");
  CHECK(sink->describe() == azure.ingestion.endpoint() + "/dataCollectionRules/" + kDcr +
                                "/streams/Custom-RolewatchAlerts");
  auto alert = support::sample_alert(id_for(1), 3);
  auto outcome = deliver(*sink, alert);
  CHECK(outcome.kind == DeliveryOutcome::Kind::delivered);
  CHECK(outcome.http_status == 204);

  auto calls = azure.ingestion.calls();
  REQUIRE(calls.size() == 1);
  const auto& call = calls[0];
  CHECK(call.path ==
        std::string("/dataCollectionRules/") + kDcr + "/streams/Custom-RolewatchAlerts");
  CHECK(call.api_version == "2023-01-01");
  CHECK(call.content_type == "application/json");
  CHECK(call.content_encoding == "gzip");
  CHECK(call.wire_bytes < call.raw_bytes);  // httplib inflated a real gzip body
  CHECK(call.status == 204);                // the token is one the fake Entra issued
  CHECK(azure.entra.grants() == std::vector<std::string>{"client-secret"});
  REQUIRE(call.rows.is_array());
  REQUIRE(call.rows.size() == 1);
  CHECK(call.rows[0]["AlertId"] == id_for(1));
  CHECK(call.rows[0]["DeliveryId"] == id_for(1) + ".1");
  CHECK(call.rows[0]["Removals"] == alert["removals"]);

  // The token is cached: a second alert costs no token request.
  CHECK(deliver(*sink, support::sample_alert(id_for(2), 3)).kind ==
        DeliveryOutcome::Kind::delivered);
  CHECK(azure.entra.token_requests() == 1);
  CHECK(azure.ingestion.calls().size() == 2);
}

TEST_CASE("the stream name is configurable and appears in the request path",
          "[delivery][log-analytics]") {
  Azure azure;
  auto sink = azure.sink("stream: Custom-RolewatchAlertsTest\n");
  CHECK(deliver(*sink, support::sample_alert(id_for(1))).kind == DeliveryOutcome::Kind::delivered);
  REQUIRE(azure.ingestion.calls().size() == 1);
  CHECK(azure.ingestion.calls()[0].path ==
        std::string("/dataCollectionRules/") + kDcr + "/streams/Custom-RolewatchAlertsTest");
}

TEST_CASE("a managed identity gets the Monitor token for the log-analytics sink",
          "[delivery][log-analytics]") {
  Azure azure;
  azure.entra.set_managed_identity("https://monitor.azure.com", "mi-client");
  auto sink =
      support::sink_from_yaml("type: log-analytics\nendpoint: " + azure.ingestion.endpoint() +
                                  "\ndcr_immutable_id: " + kDcr +
                                  "\nauth:\n  mode: managed-identity\n  client_id: mi-client\n"
                                  "  managed_identity_endpoint: " +
                                  azure.entra.imds_endpoint() + "\n",
                              "sentinel");
  CHECK(deliver(*sink, support::sample_alert(id_for(1))).kind == DeliveryOutcome::Kind::delivered);
  CHECK(azure.entra.grants() == std::vector<std::string>{"imds"});
}

TEST_CASE("many alerts through the outbox go out in fewer requests, each within 1 MB",
          "[delivery][log-analytics]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  Azure azure;
  // The first request answers slowly, so the next alerts queue behind it.
  azure.ingestion.script({{204, "", "", 300ms}});
  auto sink = azure.sink();
  auto* log_analytics = dynamic_cast<LogAnalyticsSink*>(sink.get());
  REQUIRE(log_analytics != nullptr);
  // 60 alerts of 300 removals (about 110 kB of JSON each) and 240 of 3.
  constexpr int kAlerts = 300;
  for (int i = 1; i <= kAlerts; ++i) {
    support::put_in_outbox(**store, i, support::sample_alert(id_for(i), i <= 60 ? 300 : 3));
  }
  OutboxSender sender(**store, support::sinks_of(std::move(sink)), fast_options());
  REQUIRE(sender.start());
  REQUIRE(azure.ingestion.wait_for_rows(kAlerts));
  REQUIRE(eventually([&] { return sender.pending() == 0; }));
  sender.stop(std::chrono::steady_clock::now() + 2s);

  auto rows = azure.ingestion.accepted_rows();
  CHECK(rows.size() == kAlerts);
  CHECK(delivery_ids(rows).size() == kAlerts);
  auto calls = azure.ingestion.calls();
  CHECK(calls.size() * 4 < kAlerts);
  std::size_t split = 0;
  for (const auto& call : calls) {
    CHECK(call.status == 204);
    CHECK(call.raw_bytes <= kMaxCallBytes);
    CHECK(call.wire_bytes <= kMaxCallBytes);
    // A big alert alone is ~110 kB: a request near 1 MB was split there.
    if (call.raw_bytes > 800'000) ++split;
  }
  CHECK(split > 0);
  auto stats = log_analytics->stats();
  CHECK(stats.calls == calls.size());
  CHECK(stats.rows == kAlerts);
}

TEST_CASE("an alert whose row alone is above 1 MB is rejected without a request",
          "[delivery][log-analytics]") {
  Azure azure;
  auto sink = azure.sink();
  auto outcome = deliver(*sink, support::sample_alert(id_for(1), 4000));
  CHECK(outcome.kind == DeliveryOutcome::Kind::permanent);
  CHECK_THAT(outcome.detail, Catch::Contains("above the Logs Ingestion API's 1 MB per request"));
  CHECK(azure.ingestion.calls().empty());
}

TEST_CASE("a 429 from the Logs Ingestion API is retried after its Retry-After",
          "[delivery][log-analytics]") {
  Azure azure;
  azure.ingestion.script({{429, "7", R"({"error":{"code":"TooManyRequests"}})"}});
  auto sink = azure.sink();
  auto outcome = deliver(*sink, support::sample_alert(id_for(1)));
  CHECK(outcome.kind == DeliveryOutcome::Kind::retry);
  CHECK(outcome.http_status == 429);
  REQUIRE(outcome.retry_after);
  CHECK(*outcome.retry_after == 7s);
  CHECK(deliver(*sink, support::sample_alert(id_for(1))).kind == DeliveryOutcome::Kind::delivered);
  CHECK(azure.ingestion.accepted_rows().size() == 1);
}

TEST_CASE("throttling and server errors delay delivery through the outbox but lose nothing",
          "[delivery][log-analytics]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  Azure azure;
  azure.ingestion.script({{503}, {500}, {429, "1"}});
  for (int i = 1; i <= 5; ++i) support::put_in_outbox(**store, i, support::sample_alert(id_for(i)));
  OutboxSender sender(**store, support::sinks_of(azure.sink()), fast_options());
  auto started = std::chrono::steady_clock::now();
  REQUIRE(sender.start());
  REQUIRE(azure.ingestion.wait_for_rows(5));
  REQUIRE(eventually([&] { return sender.pending() == 0; }));
  sender.stop(std::chrono::steady_clock::now() + 2s);
  CHECK(std::chrono::steady_clock::now() - started >= 1s);  // Retry-After: 1 was honoured
  CHECK(delivery_ids(azure.ingestion.accepted_rows()).size() == 5);
  auto calls = azure.ingestion.calls();
  CHECK(calls[0].status == 503);
  CHECK(calls[1].status == 500);
  CHECK(calls[2].status == 429);
}

TEST_CASE("a 403 names the Monitoring Metrics Publisher role and is retried",
          "[delivery][log-analytics]") {
  Azure azure;
  azure.ingestion.script({{403, "",
                           R"({"error":{"code":"OperationFailed","message":"The authentication )"
                           R"(token provided does not have access to ingest data"}})"}});
  auto sink = azure.sink();
  auto outcome = deliver(*sink, support::sample_alert(id_for(1)));
  CHECK(outcome.kind == DeliveryOutcome::Kind::retry);
  CHECK(outcome.http_status == 403);
  CHECK_THAT(outcome.detail, Catch::StartsWith("HTTP 403"));
  CHECK_THAT(outcome.detail, Catch::Contains("Monitoring Metrics Publisher role on the data "
                                             "collection rule"));
}

TEST_CASE("a token the API refuses is fetched anew for the next attempt",
          "[delivery][log-analytics]") {
  Azure azure;
  auto sink = azure.sink();
  REQUIRE(deliver(*sink, support::sample_alert(id_for(1))).kind ==
          DeliveryOutcome::Kind::delivered);
  azure.entra.expire_tokens();
  auto refused = deliver(*sink, support::sample_alert(id_for(2)));
  CHECK(refused.kind == DeliveryOutcome::Kind::retry);
  CHECK(refused.http_status == 401);
  CHECK(deliver(*sink, support::sample_alert(id_for(2))).kind == DeliveryOutcome::Kind::delivered);
  CHECK(azure.entra.token_requests() == 2);
}

TEST_CASE("a token endpoint that refuses the client secret makes a retry that says so",
          "[delivery][log-analytics]") {
  Azure azure;
  azure.entra.set_client("tenant-1", "app-1", "another-secret", "");
  auto sink = azure.sink();
  auto outcome = deliver(*sink, support::sample_alert(id_for(1)));
  CHECK(outcome.kind == DeliveryOutcome::Kind::retry);
  CHECK_THAT(outcome.detail, Catch::StartsWith("cannot get a token for " + azure.entra.base_url()));
  CHECK(outcome.detail.find("s3cret") == std::string::npos);
  CHECK(azure.ingestion.calls().empty());
}

TEST_CASE("log-analytics configuration errors name the key", "[delivery][log-analytics][config]") {
  Azure azure;
  auto base = [&](const std::string& drop, const std::string& extra = "") {
    std::string text;
    std::istringstream in(azure.yaml());
    for (std::string line; std::getline(in, line);) {
      if (!drop.empty() && line.rfind(drop, 0) == 0) continue;
      text += line + "\n";
    }
    return text + extra;
  };
  auto with = [&](const std::string& key, const std::string& value) {
    return base(key + ":", key + ": " + value + "\n");
  };
  CHECK_THAT(config_error(with("endpoint", "http://ingest.example.com")),
             Catch::Contains("sinks.sentinel.endpoint") && Catch::Contains("https"));
  CHECK_THAT(config_error(with("endpoint", "https://x.ingest.monitor.azure.com/?a=b")),
             Catch::Contains("endpoint: must be the endpoint alone"));
  CHECK_THAT(config_error(base("endpoint:")), Catch::Contains("sinks.sentinel.endpoint"));
  CHECK_THAT(config_error(base("dcr_immutable_id:")),
             Catch::Contains("sinks.sentinel.dcr_immutable_id"));
  CHECK_THAT(config_error(with("dcr_immutable_id", "my-dcr")),
             Catch::Contains("dcr- and 32 hex digits"));
  CHECK_THAT(config_error(with("stream", "Custom-Alerts/../x")),
             Catch::Contains("sinks.sentinel.stream"));
  CHECK_THAT(config_error(base("auth:").substr(0, base("auth:").find("  mode:"))),
             Catch::Contains("sinks.sentinel.auth: required key is missing"));
  auto bad_mode = azure.yaml();
  bad_mode.replace(bad_mode.find("client-secret"), 13, "connection-string");
  CHECK_THAT(config_error(bad_mode),
             Catch::Contains("sinks.sentinel.auth.mode") &&
                 Catch::Contains("client-secret, workload-identity or managed-identity"));
  CHECK_THAT(config_error(base("  client_secret:")),
             Catch::Contains("sinks.sentinel.auth.client_secret: required key is missing"));
  CHECK_THAT(config_error(azure.yaml("activations: true\n")),
             Catch::Contains("activations") && Catch::Contains("only stdout, file and webhook"));
  CHECK_THAT(config_error(azure.yaml("url: https://example.com\n")), Catch::Contains("url"));
  CHECK_THAT(config_error(azure.yaml("tls_verify: false\n")), Catch::Contains("allow_insecure"));
}

// Figures for docs/sentinel.md: `rolewatch_unit_tests "[figures][log-analytics]"`.
TEST_CASE("log-analytics batching figures", "[.][figures][log-analytics]") {
  for (int removals : {3, 20, 100}) {
    support::TempDir dir;
    auto store = state::Store::open(dir / "state");
    REQUIRE(store);
    Azure azure;
    auto sink = azure.sink();
    auto* log_analytics = dynamic_cast<LogAnalyticsSink*>(sink.get());
    constexpr int kAlerts = 1000;
    for (int i = 1; i <= kAlerts; ++i) {
      support::put_in_outbox(**store, i, support::sample_alert(id_for(i), removals));
    }
    OutboxSender sender(**store, support::sinks_of(std::move(sink)), fast_options());
    auto started = std::chrono::steady_clock::now();
    REQUIRE(sender.start());
    REQUIRE(azure.ingestion.wait_for_rows(kAlerts));
    auto seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    auto stats = log_analytics->stats();
    sender.stop(std::chrono::steady_clock::now() + 2s);
    std::cout << kAlerts << " alerts of " << removals << " removals: " << stats.calls << " calls, "
              << double(stats.rows) / stats.calls << " rows/call (max " << stats.max_rows_per_call
              << "), " << stats.raw_bytes / stats.calls << " B raw/call, "
              << stats.sent_bytes / stats.calls << " B gzip/call (max "
              << stats.max_sent_bytes_per_call << "), gzip ratio "
              << double(stats.raw_bytes) / stats.sent_bytes << ", " << seconds << " s\n";
  }
}
