// deploy/config/rolewatch.example.yaml, the production example the package and
// the image install: valid with the documented environment and secret files,
// its commented-out blocks valid once uncommented, and its sink reachable
// with `test-alert` (against a local receiver).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "support/command.hpp"
#include "support/http_receiver.hpp"
#include "support/kafka_harness.hpp"
#include "support/temp_dir.hpp"

using namespace support;

namespace {

const std::string kExample =
    std::string(ROLEWATCH_SOURCE_DIR) + "/deploy/config/rolewatch.example.yaml";

// The environment a deployment sets, with the secrets in `dir`.
std::string environment(const TempDir& dir, const std::string& webhook_url) {
  std::filesystem::create_directory(dir / "secrets");
  write_text(dir / "secrets/eventhubs-connection-string",
             "Endpoint=sb://contoso-hub.servicebus.windows.net/;SharedAccessKeyName=listen;"
             "SharedAccessKey=EXAMPLE-KEY=\n");
  write_text(dir / "secrets/webhook-secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
  write_text(dir / "secrets/teams-webhook-url",
             "https://contoso.westeurope.logic.azure.com/workflows/1/triggers/manual\n");
  write_text(dir / "secrets/graph-client-secret", "graph-secret-value\n");
  return "EVENTHUBS_NAMESPACE=contoso-hub ROLEWATCH_WEBHOOK_URL='" + webhook_url +
         "' ROLEWATCH_SECRETS_DIR=" + (dir / "secrets").string() +
         " ROLEWATCH_STATE_DIR=" + (dir / "state").string() +
         " AZURE_TENANT_ID=11111111-2222-3333-4444-555555555555"
         " AZURE_CLIENT_ID=66666666-7777-8888-9999-000000000000 ";
}

// Commented-out YAML (`# key: ...`, `#   - type: ...`) made live; prose
// comments stay comments.
std::string uncommented(const std::string& text) {
  static const std::regex commented_yaml(R"(^(\s*)# (\s*(- type: .*|[a-z_]+:( .*)?))$)");
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) out += std::regex_replace(line, commented_yaml, "$1$2") + '\n';
  return out;
}

}  // namespace

TEST_CASE("the example configuration passes check-config with its documented environment",
          "[config][deploy]") {
  TempDir dir;
  auto env = environment(dir, "https://soar.example.com/hooks/rolewatch");
  auto checked = run_shell(env + rolewatch_binary() + " check-config " + kExample);
  INFO(checked.err);
  REQUIRE(checked.exit_code == 0);
  CHECK_THAT(checked.out, Catch::Contains("brokers: contoso-hub.servicebus.windows.net:9093"));
  CHECK_THAT(checked.out, Catch::Contains("topic: insights-logs-auditlogs"));
  CHECK_THAT(checked.out, Catch::Contains("group: rolewatch"));
  CHECK_THAT(checked.out, Catch::Contains("dir: " + (dir / "state").string()));
  CHECK_THAT(checked.out, Catch::Contains("listen: 127.0.0.1:9464"));
  CHECK_THAT(checked.out, Catch::Contains("name: soar"));
  CHECK_THAT(checked.out, !Catch::Contains("EXAMPLE-KEY"));
  // Only the environment changes it: the defaults give way to what is set.
  auto moved =
      run_shell(env + "ROLEWATCH_LISTEN=0.0.0.0:9464 EVENTHUBS_NAME=audit ROLEWATCH_GROUP=rw2 " +
                rolewatch_binary() + " check-config " + kExample);
  REQUIRE(moved.exit_code == 0);
  CHECK_THAT(moved.out, Catch::Contains("listen: 0.0.0.0:9464"));
  CHECK_THAT(moved.out, Catch::Contains("topic: audit"));
  CHECK_THAT(moved.out, Catch::Contains("group: rw2"));
  // The state directory is not created by a check.
  CHECK_FALSE(std::filesystem::exists(dir / "state"));

  // Without the namespace it is refused by name, exit 2.
  auto unset =
      run_shell("env -u EVENTHUBS_NAMESPACE " + rolewatch_binary() + " check-config " + kExample);
  CHECK(unset.exit_code == 2);
  CHECK_THAT(unset.err, Catch::Contains("EVENTHUBS_NAMESPACE"));
}

TEST_CASE("the example's commented-out Teams, Alertmanager and Graph blocks are valid",
          "[config][deploy]") {
  TempDir dir;
  auto env = environment(dir, "https://soar.example.com/hooks/rolewatch");
  auto live = uncommented(read_text(kExample));
  REQUIRE(live.find("\n  - type: teams\n") != std::string::npos);
  REQUIRE(live.find("\n  - type: alertmanager\n") != std::string::npos);
  REQUIRE(live.find("\ngraph:\n") != std::string::npos);
  write_text(dir / "all.yaml", live);
  auto checked =
      run_shell(env + rolewatch_binary() + " check-config " + (dir / "all.yaml").string());
  INFO(checked.err);
  REQUIRE(checked.exit_code == 0);
  CHECK_THAT(checked.err, Catch::Contains("(1 rules, 3 sinks)"));
  CHECK_THAT(checked.out, Catch::Contains("graph:"));
}

TEST_CASE("test-alert with the example configuration reaches its webhook", "[config][deploy]") {
  TempDir dir;
  HttpReceiver receiver;
  receiver.set_fallback({200});
  auto env = environment(dir, receiver.url());
  auto sent = run_shell(env + rolewatch_binary() + " test-alert --config " + kExample);
  INFO(sent.out << sent.err);
  CHECK(sent.exit_code == 0);
  CHECK_THAT(sent.out, Catch::StartsWith("soar (webhook, "));
  CHECK_THAT(sent.out, Catch::Contains("delivered (HTTP 200)"));
  REQUIRE(receiver.count() == 1);
  auto alert = nlohmann::json::parse(receiver.requests()[0].body);
  CHECK(alert["test"] == true);
  CHECK_FALSE(receiver.requests()[0].header("webhook-signature").empty());
  CHECK_FALSE(std::filesystem::exists(dir / "state"));
}
