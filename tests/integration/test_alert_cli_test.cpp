// `rolewatch test-alert`: one synthetic, clearly marked alert straight through
// the configured sinks to local receivers, one outcome line per sink, the exit
// code the operator scripts on, and nothing written to the state directory.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/command.hpp"
#include "support/http_receiver.hpp"
#include "support/kafka_harness.hpp"
#include "support/temp_dir.hpp"

using namespace support;

namespace {

constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

std::string config_yaml(const std::filesystem::path& dir, const std::string& sinks) {
  return "source: {brokers: 127.0.0.1:9, topic: insights-logs-auditlogs, group: rolewatch}\n"
         "state: {dir: " +
         (dir / "state").string() + "}\nsinks:\n" + sinks;
}

std::string webhook_sink(const HttpReceiver& receiver, const std::string& name) {
  return "  - {type: webhook, name: " + name + ", url: '" + receiver.url() +
         "', secret: " + kSecret + "}\n";
}

CommandResult test_alert(const std::filesystem::path& config, const std::string& extra = "") {
  return run_shell(rolewatch_binary() + " test-alert --config " + config.string() + extra);
}

// Standard Webhooks verification as a receiver would write it (Python's
// hmac and base64), not rolewatch's signing code.
bool signature_verifies(const Received& request) {
  TempDir dir;
  write_text(dir / "body", request.body);
  auto script =
      "import base64,hmac,hashlib,sys\n"
      "key=base64.b64decode('" +
      std::string(kSecret).substr(6) +
      "')\n"
      "body=open(sys.argv[1],'rb').read()\n"
      "msg=sys.argv[2].encode()+b'.'+sys.argv[3].encode()+b'.'+body\n"
      "want='v1,'+base64.b64encode(hmac.new(key,msg,hashlib.sha256).digest()).decode()\n"
      "sys.exit(0 if want in sys.argv[4].split(' ') else 1)\n";
  write_text(dir / "verify.py", script);
  auto result =
      run_shell("python3 " + (dir / "verify.py").string() + " " + (dir / "body").string() + " '" +
                request.header("webhook-id") + "' '" + request.header("webhook-timestamp") + "' '" +
                request.header("webhook-signature") + "'");
  return result.exit_code == 0;
}

}  // namespace

TEST_CASE("test-alert delivers one signed, clearly marked alert to every sink and exits 0",
          "[test-alert]") {
  TempDir dir;
  HttpReceiver receiver;
  receiver.set_fallback({200});
  write_text(dir / "rolewatch.yaml",
             config_yaml(dir.path(), webhook_sink(receiver, "soar") + "  - {type: file, path: " +
                                         (dir / "alerts.jsonl").string() + "}\n"));
  auto result = test_alert(dir / "rolewatch.yaml");
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  auto lines = lines_of(result.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].rfind("soar (webhook, ", 0) == 0);
  CHECK(lines[0].find("): delivered (HTTP 200)") != std::string::npos);
  CHECK(lines[1].rfind("file (file, ", 0) == 0);
  CHECK(lines[1].find("): delivered") != std::string::npos);

  auto got = receiver.requests();
  REQUIRE(got.size() == 1);
  CHECK(signature_verifies(got[0]));
  auto alert = nlohmann::json::parse(got[0].body);
  CHECK(alert["schema"] == "rolewatch.alert.v1");
  CHECK(alert["test"] == true);
  CHECK(alert["rule"] == "rolewatch-test-alert");
  CHECK(alert["title"].get<std::string>().find("rolewatch test alert") != std::string::npos);
  CHECK(alert["actor"]["userPrincipalName"] == "rolewatch-test-alert@example.invalid");
  for (const auto& removal : alert["removals"]) {
    CHECK(removal["target"]["userPrincipalName"].get<std::string>().find("@example.invalid") !=
          std::string::npos);
  }
  // The file sink got the same alert as one line; the state was never opened.
  auto file_lines = lines_of(read_text(dir / "alerts.jsonl"));
  REQUIRE(file_lines.size() == 1);
  CHECK(nlohmann::json::parse(file_lines[0]) == alert);
  CHECK_FALSE(std::filesystem::exists(dir / "state"));

  // A second test is a new alert id: receivers that deduplicate take it too.
  REQUIRE(test_alert(dir / "rolewatch.yaml").exit_code == 0);
  REQUIRE(receiver.count() == 2);
  CHECK(nlohmann::json::parse(receiver.requests()[1].body)["id"] != alert["id"]);
}

TEST_CASE("test-alert exits 1 and names the sink whose receiver answers 500", "[test-alert]") {
  TempDir dir;
  HttpReceiver good;
  HttpReceiver broken;
  good.set_fallback({204});
  broken.set_fallback({500});
  write_text(dir / "rolewatch.yaml",
             config_yaml(dir.path(), webhook_sink(good, "soar") + webhook_sink(broken, "pager")));
  auto result = test_alert(dir / "rolewatch.yaml");
  INFO(result.out << result.err);
  CHECK(result.exit_code == 1);
  auto lines = lines_of(result.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("soar (webhook, ") == 0);
  CHECK(lines[0].find("delivered (HTTP 204)") != std::string::npos);
  CHECK(lines[1].find("pager (webhook, ") == 0);
  CHECK(lines[1].find("failed: ") != std::string::npos);
  CHECK(lines[1].find("HTTP 500") != std::string::npos);
  // One attempt each: a test does not retry.
  CHECK(broken.count() == 1);

  // A receiver that is down: refused connection, also exit 1.
  broken.down();
  auto down = test_alert(dir / "rolewatch.yaml", " --sink pager");
  CHECK(down.exit_code == 1);
  CHECK(down.out.find("pager (webhook, ") == 0);
  CHECK(down.out.find("failed: ") != std::string::npos);
}

TEST_CASE("test-alert --sink sends to that sink only, and an unknown name is exit 2",
          "[test-alert]") {
  TempDir dir;
  HttpReceiver first;
  HttpReceiver second;
  write_text(dir / "rolewatch.yaml",
             config_yaml(dir.path(), webhook_sink(first, "soar") + webhook_sink(second, "pager")));
  auto one = test_alert(dir / "rolewatch.yaml", " --sink pager");
  CHECK(one.exit_code == 0);
  CHECK(lines_of(one.out).size() == 1);
  CHECK(first.count() == 0);
  CHECK(second.count() == 1);

  auto unknown = test_alert(dir / "rolewatch.yaml", " --sink nosuch");
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.out.empty());
  CHECK(unknown.err.find("no sink named nosuch (configured: soar, pager)") != std::string::npos);
  CHECK(first.count() + second.count() == 1);
}

TEST_CASE("test-alert refuses a bad configuration or one without sinks with exit 2",
          "[test-alert]") {
  TempDir dir;
  write_text(dir / "bad.yaml", config_yaml(dir.path(), "  - {type: webhook}\n"));
  auto bad = test_alert(dir / "bad.yaml");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("invalid configuration") != std::string::npos);
  write_text(dir / "none.yaml",
             "source: {brokers: 127.0.0.1:9, topic: t, group: g}\nstate: {dir: s}\n");
  auto none = test_alert(dir / "none.yaml");
  CHECK(none.exit_code == 2);
  CHECK(none.err.find("configures no sinks") != std::string::npos);
  auto missing = test_alert(dir / "missing.yaml");
  CHECK(missing.exit_code == 2);
}
