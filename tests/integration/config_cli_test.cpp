// `rolewatch check-config` and `rolewatch run` on configuration files: clear
// errors and a non-zero exit for bad files, and secrets that never reach
// stdout, stderr or the logs, even at debug level.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "support/command.hpp"
#include "support/kafka_harness.hpp"
#include "support/temp_dir.hpp"

using namespace support;

namespace {

const std::string kConnectionString =
    "Endpoint=sb://contoso-hub.servicebus.windows.net/;SharedAccessKeyName=listen;"
    "SharedAccessKey=CONN-S3CRET-0123456789abcdef=";
const std::string kWebhookSecret = "whsec_V0VCSE9PSy1TM0NSRVQ=";
const std::string kPropertySecret = "PROP-S3CRET-pw";

std::string secret_config(const std::filesystem::path& dir) {
  return "source:\n"
         "  brokers: 127.0.0.1:9\n"  // nothing listens there
         "  topic: insights-logs-auditlogs\n"
         "  group: rolewatch\n"
         "  auth:\n"
         "    mode: connection-string\n"
         "    connection_string: ${TEST_EH_CONNECTION}\n"
         "  properties:\n"
         "    ssl.key.password: " +
         kPropertySecret +
         "\n"
         "    debug: security,broker,conf,generic\n"
         "state:\n  dir: " +
         (dir / "state").string() +
         "\n"
         "sinks:\n"
         "  - type: webhook\n"
         "    url: http://127.0.0.1:9/hook\n"
         "    secret_file: " +
         (dir / "webhook-secret").string() + "\n" + "log: {level: debug}\n";
}

void check_no_secret(const std::string& text) {
  for (const auto& secret :
       {kConnectionString, std::string("CONN-S3CRET"), kWebhookSecret, kPropertySecret}) {
    INFO(secret);
    CHECK(text.find(secret) == std::string::npos);
  }
}

std::string check_config(const std::filesystem::path& file, int expected_exit) {
  auto result = run_shell(rolewatch_binary() + " check-config " + file.string());
  CHECK(result.exit_code == expected_exit);
  return result.out + result.err;
}

}  // namespace

TEST_CASE("check-config refuses a bad file with the key's path and exit code 2", "[config]") {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"source: {brokers: b, group: g}\nstate: {dir: s}\n",
       "source.topic: required key is missing"},
      {"source: {brokers: b, topic: {a: 1}, group: g}\nstate: {dir: s}\n",
       "source.topic: expected a string"},
      {"source: {brokers: b, topic: t, group: g, partition: 4}\nstate: {dir: s}\n",
       "source.partition: unknown key"},
      {"source: {brokers: b, topic: t, group: g, auth: {mode: connection-string, "
       "connection_string_file: /nonexistent/secret}}\nstate: {dir: s}\n",
       "source.auth.connection_string_file: cannot read /nonexistent/secret"},
  };
  for (const auto& [yaml, message] : cases) {
    write_text(dir / "bad.yaml", yaml);
    auto output = check_config(dir / "bad.yaml", 2);
    INFO(output);
    CHECK(output.find(message) != std::string::npos);
  }
  auto missing = run_shell(rolewatch_binary() + " check-config " + (dir / "none.yaml").string());
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("cannot read config file") != std::string::npos);
  write_text(dir / "bad.yaml", "source: {brokers: b, group: g}\nstate: {dir: s}\n");
  auto run = run_shell(rolewatch_binary() + " run --config " + (dir / "bad.yaml").string());
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("source.topic: required key is missing") != std::string::npos);
}

TEST_CASE("secrets never appear in check-config output or in a debug-level run's logs",
          "[config][kafka]") {
  TempDir dir;
  write_text(dir / "webhook-secret", kWebhookSecret + "\n");
  write_text(dir / "rolewatch.yaml", secret_config(dir.path()));
  auto env = "TEST_EH_CONNECTION='" + kConnectionString + "' ";

  auto checked =
      run_shell(env + rolewatch_binary() + " check-config " + (dir / "rolewatch.yaml").string());
  INFO(checked.err);
  CHECK(checked.exit_code == 0);
  CHECK(checked.out.find("<redacted>") != std::string::npos);
  check_no_secret(checked.out + checked.err);

  // A bad key next to the secrets: the error names the key only.
  write_text(dir / "bad.yaml", secret_config(dir.path()) + "extra: 1\n");
  auto refused =
      run_shell(env + rolewatch_binary() + " check-config " + (dir / "bad.yaml").string());
  CHECK(refused.exit_code == 2);
  check_no_secret(refused.out + refused.err);

  // A run that keeps failing to reach its broker, logging at debug level.
  ::setenv("TEST_EH_CONNECTION", kConnectionString.c_str(), 1);
  {
    RunProcess run(dir / "rolewatch.yaml", dir / "run.log", {"--log-level", "debug"});
    std::this_thread::sleep_for(std::chrono::seconds(3));
    CHECK(run.process().terminate() == 0);
  }
  ::unsetenv("TEST_EH_CONNECTION");
  auto log = read_text(dir / "run.log");
  CHECK(log.find("librdkafka") != std::string::npos);  // the debug output is there
  check_no_secret(log);
}
