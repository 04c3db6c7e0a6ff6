// `rolewatch check-config` on a log-analytics sink: a valid one is printed
// with its client secret redacted; a bad one exits 2 naming the key.
#include <catch2/catch.hpp>
#include <fstream>

#include "support/command.hpp"
#include "support/temp_dir.hpp"

using namespace support;

namespace {

const std::string kClientSecret = "LA-CLIENT-S3CRET-0123456789";

std::string config(const std::filesystem::path& dir, const std::string& dcr) {
  return "source:\n  brokers: embedded\n  topic: insights-logs-auditlogs\n  group: rolewatch\n"
         "state:\n  dir: " +
         (dir / "state").string() +
         "\nsinks:\n"
         "  - type: log-analytics\n"
         "    name: sentinel\n"
         "    endpoint: https://rolewatch-alerts-a1b2.westeurope-1.ingest.monitor.azure.com\n"
         "    dcr_immutable_id: " +
         dcr +
         "\n"
         "    auth:\n"
         "      mode: client-secret\n"
         "      tenant_id: 11111111-2222-3333-4444-555555555555\n"
         "      client_id: 66666666-7777-8888-9999-000000000000\n"
         "      client_secret: " +
         kClientSecret + "\n";
}

CommandResult check_config(const std::filesystem::path& dir, const std::string& dcr) {
  auto file = dir / "rolewatch.yaml";
  std::ofstream(file) << config(dir, dcr);
  return run_shell(rolewatch_binary() + " check-config " + file.string());
}

}  // namespace

TEST_CASE("check-config accepts a log-analytics sink and redacts its client secret",
          "[log-analytics][config]") {
  TempDir dir;
  auto result = check_config(dir.path(), "dcr-0123456789abcdef0123456789abcdef");
  INFO(result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("log-analytics") != std::string::npos);
  CHECK(result.out.find("dcr-0123456789abcdef0123456789abcdef") != std::string::npos);
  CHECK((result.out + result.err).find(kClientSecret) == std::string::npos);
}

TEST_CASE("check-config refuses a log-analytics sink with a bad DCR id, naming the key",
          "[log-analytics][config]") {
  TempDir dir;
  auto result = check_config(dir.path(), "my-dcr");
  CHECK(result.exit_code == 2);
  CHECK(result.err.find("sinks[0].dcr_immutable_id: expected the DCR's immutable id") !=
        std::string::npos);
  CHECK((result.out + result.err).find(kClientSecret) == std::string::npos);
}
