#include "stream/delivery/sinks/sink_alertmanager.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "state/net/http_client.hpp"
#include "stream/delivery/outbox_sender.hpp"
#include "stream/delivery/sinks/plain_text.hpp"
#include "support/delivery_fixtures.hpp"
#include "support/http_receiver.hpp"
#include "support/temp_dir.hpp"

extern char** environ;

using namespace rolewatch;
using namespace rolewatch::stream;
using namespace std::chrono_literals;

namespace {

constexpr const char* kAlertmanager = "/usr/bin/prometheus-alertmanager";

int free_port() {
  support::HttpReceiver probe;
  return probe.port();
}

// A real Alertmanager on loopback, clustering off, state in a temp dir.
class Alertmanager {
 public:
  explicit Alertmanager(const support::TempDir& dir) {
    port_ = free_port();
    std::ofstream(dir / "alertmanager.yml") << "route:\n  receiver: blackhole\n"
                                               "receivers:\n  - name: blackhole\n";
    std::vector<std::string> args{kAlertmanager,
                                  "--config.file=" + (dir / "alertmanager.yml").string(),
                                  "--storage.path=" + (dir / "am-data").string(),
                                  "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                  "--cluster.listen-address=",
                                  "--log.level=warn"};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, kAlertmanager, nullptr, nullptr, argv.data(), environ) != 0) pid_ = 0;
  }
  ~Alertmanager() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  bool wait_ready() const {
    state::HttpClient client;
    for (int i = 0; i < 200; ++i) {
      auto response = client.send({"GET", url() + "/-/ready", {}, ""});
      if (response && response->status == 200) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  nlohmann::json alerts() const {
    state::HttpClient client;
    auto response = client.send({"GET", url() + "/api/v2/alerts", {}, ""});
    REQUIRE(response);
    REQUIRE(response->status == 200);
    return nlohmann::json::parse(response->body);
  }

 private:
  pid_t pid_ = 0;
  int port_ = 0;
};

}  // namespace

TEST_CASE("an Alertmanager alert has the rule's labels and the alert id as an annotation",
          "[delivery]") {
  auto sink = support::sink_from_yaml(
      "type: alertmanager\nurl: http://127.0.0.1:9093/\nlabels: {team: identity}\n"
      "runbook_url: https://runbooks.example.com/t1531\n");
  auto* alertmanager = dynamic_cast<AlertmanagerSink*>(sink.get());
  REQUIRE(alertmanager != nullptr);
  auto alert = support::sample_alert("5b3f0c2e-1111-5222-8333-444444444450");
  auto resolve = std::chrono::system_clock::time_point(std::chrono::seconds(1741090000));
  auto posted = alertmanager->payload(alert, resolve);
  REQUIRE(posted.is_array());
  REQUIRE(posted.size() == 1);
  const auto& labels = posted[0]["labels"];
  CHECK(labels["alertname"] == "PrivilegedRoleRemovalBurst");
  CHECK(labels["rule"] == "privileged-role-removal-burst");
  CHECK(labels["severity"] == "high");
  CHECK(labels["actor"] == "mallory@contoso.com");
  CHECK(labels["technique"] == "T1531");
  CHECK(labels["team"] == "identity");
  CHECK(posted[0]["annotations"]["alert_id"] == "5b3f0c2e-1111-5222-8333-444444444450");
  CHECK(posted[0]["annotations"]["runbook_url"] == "https://runbooks.example.com/t1531");
  CHECK_THAT(posted[0]["annotations"]["summary"].get<std::string>(),
             Catch::Contains("mallory@contoso.com"));
  CHECK(posted[0]["startsAt"] == alert["firstSeen"]);
  CHECK(posted[0]["endsAt"] == "2025-03-04T12:06:40.000000Z");
  CHECK_THAT(posted[0]["generatorURL"].get<std::string>(),
             Catch::StartsWith("https://entra.microsoft.com/"));
}

TEST_CASE("an activation alert's description is the reason it fired", "[delivery]") {
  auto sink = support::sink_from_yaml("type: alertmanager\nurl: http://127.0.0.1:9093\n");
  auto alert = nlohmann::json::parse(R"({"id": "act-1", "rule": "pim-activation-new-ip",
      "title": "PIM activation from a new IP", "severity": "low",
      "actor": {"type": "user", "userPrincipalName": "u@contoso.com"},
      "firstSeen": "2025-03-04T10:15:02.123456Z", "reason": "first activation from 198.51.100.7"})");
  auto posted =
      dynamic_cast<AlertmanagerSink&>(*sink).payload(alert, std::chrono::system_clock::now());
  CHECK(posted[0]["labels"]["alertname"] == "PimActivationNewIp");
  CHECK(posted[0]["annotations"]["description"] ==
        "first activation from 198.51.100.7 (u@contoso.com, 2025-03-04T10:15:02.123456Z)");
}

TEST_CASE("alertmanager sink settings are checked when the configuration is read", "[delivery]") {
  auto make = [](const std::string& yaml) {
    auto node = YAML::Load(yaml);
    return make_sink(support::sink_config("alertmanager", "am", node));
  };
  CHECK(make("url: https://am:9093\nresend_interval: 5m\nactive_for: 1m\n").error().message ==
        "sinks.am.active_for: must be at least resend_interval");
  CHECK(make("url: https://am:9093\nlabels: {0bad: x}\n").error().message ==
        "sinks.am.labels.0bad: is not a valid Prometheus label name");
  CHECK(make("url: https://am:9093\nresend_interval: often\n").error().message ==
        "sinks.am.resend_interval: expected a duration such as 500ms, 15s, 5m, 1h or PT1H");
}

TEST_CASE("a real Alertmanager shows the alert through its v2 API", "[delivery]") {
  if (!std::filesystem::exists(kAlertmanager)) {
    WARN("skipped: " << kAlertmanager
                     << " is not installed (apt-get install prometheus-alertmanager)");
    return;
  }
  support::TempDir dir;
  Alertmanager alertmanager(dir);
  REQUIRE(alertmanager.wait_ready());
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  auto alert = support::sample_alert("5b3f0c2e-1111-5222-8333-444444444451");
  support::put_in_outbox(**store, 1, alert);
  auto sink = support::sink_from_yaml("type: alertmanager\nurl: " + alertmanager.url() + "\n");
  OutboxSender sender(**store, support::sinks_of(std::move(sink)));
  auto summary = sender.drain_once();
  REQUIRE(summary);
  REQUIRE(summary->delivered == 1);

  auto alerts = alertmanager.alerts();
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0]["labels"]["alertname"] == "PrivilegedRoleRemovalBurst");
  CHECK(alerts[0]["labels"]["actor"] == "mallory@contoso.com");
  CHECK(alerts[0]["annotations"]["alert_id"] == "5b3f0c2e-1111-5222-8333-444444444451");
  CHECK(alerts[0]["status"]["state"] == "active");
  // Still in the outbox: it is re-posted until it resolves.
  CHECK(support::count_family(**store, state::Family::outbox) == 1);
}

namespace {

nlohmann::json burst_revision(const std::string& id, std::uint32_t number,
                              const std::string& status, int removals) {
  auto alert = support::sample_alert(id, removals);
  alert["revision"] = number;
  alert["status"] = status;
  return alert;
}

}  // namespace

TEST_CASE("a real Alertmanager shows one alert per burst: the latest revision, resolved on close",
          "[delivery][revisions]") {
  if (!std::filesystem::exists(kAlertmanager)) {
    WARN("skipped: " << kAlertmanager
                     << " is not installed (apt-get install prometheus-alertmanager)");
    return;
  }
  support::TempDir dir;
  Alertmanager alertmanager(dir);
  REQUIRE(alertmanager.wait_ready());
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  const std::string id = "5b3f0c2e-1111-5222-8333-444444444452";
  OutboxSender sender(**store, support::sinks_of(support::sink_from_yaml(
                                   "type: alertmanager\nurl: " + alertmanager.url() + "\n")));

  support::put_in_outbox(**store, 1, burst_revision(id, 1, "firing", 3));
  REQUIRE(sender.drain_once());
  auto firing = alertmanager.alerts();
  REQUIRE(firing.size() == 1);
  CHECK(firing[0]["annotations"]["revision"] == "1");
  CHECK(firing[0]["status"]["state"] == "active");

  support::put_in_outbox(**store, 2, burst_revision(id, 2, "updated", 5));
  REQUIRE(sender.drain_once());
  auto updated = alertmanager.alerts();
  REQUIRE(updated.size() == 1);  // the same labels: the same alert, not a second one
  CHECK(updated[0]["labels"] == firing[0]["labels"]);
  CHECK(updated[0]["fingerprint"] == firing[0]["fingerprint"]);
  CHECK(updated[0]["annotations"]["revision"] == "2");
  CHECK(updated[0]["annotations"]["status"] == "updated");
  CHECK_THAT(updated[0]["annotations"]["description"].get<std::string>(),
             Catch::StartsWith("5 privileged role removals"));
  CHECK(updated[0]["status"]["state"] == "active");

  support::put_in_outbox(**store, 3, burst_revision(id, 3, "closed", 5));
  auto summary = sender.drain_once();
  REQUIRE(summary);
  CHECK(summary->delivered == 1);
  // Resolved: the v2 API lists active, silenced and inhibited alerts, not resolved ones.
  std::this_thread::sleep_for(50ms);
  for (const auto& alert : alertmanager.alerts()) {
    CHECK(alert["fingerprint"] != firing[0]["fingerprint"]);
  }
  CHECK(support::count_family(**store, state::Family::outbox) == 0);
}

TEST_CASE("Alertmanager annotations show record text as plain text; labels keep it as is",
          "[delivery]") {
  auto sink = support::sink_from_yaml("type: alertmanager\nurl: http://127.0.0.1:9093\n");
  auto alert = support::sample_alert("5b3f0c2e-1111-5222-8333-444444444453");
  alert["actor"]["userPrincipalName"] = "[click](https://evil.example) **bold**\n<b>&";
  alert["actor"]["id"] = "not-a-guid/../../evil";
  auto posted =
      dynamic_cast<AlertmanagerSink&>(*sink).payload(alert, std::chrono::system_clock::now())[0];
  auto escaped = std::string("\\[click\\]\\(https:") + std::string(kWordJoiner) +
                 "//evil.example\\) \\*\\*bold\\*\\*\\\\n\\<b\\>\\&";
  for (const char* annotation : {"summary", "description"}) {
    auto text = posted["annotations"][annotation].get<std::string>();
    CHECK_THAT(text, Catch::Contains(escaped));
    CHECK_THAT(text, !Catch::Contains("](https://"));
    CHECK_THAT(text, !Catch::Contains("**bold**"));
    CHECK(text.find('\n') == std::string::npos);
  }
  // A label is the alert's identity (routes match on it), not rendered text.
  CHECK(posted["labels"]["actor"] == alert["actor"]["userPrincipalName"]);
  CHECK_FALSE(posted.contains("generatorURL"));  // the id is not an object id
}
