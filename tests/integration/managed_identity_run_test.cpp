// `rolewatch run` with `source.auth.mode: managed-identity` gets its Event
// Hubs token from the identity endpoint: IMDS (a configured endpoint) and
// the App Service / Container Apps endpoint (IDENTITY_ENDPOINT and
// IDENTITY_HEADER), both a local fake that checks the request's shape.
// SASL itself cannot be tested (no local broker speaks it): the run's
// consumer points at a closed port, and only the token matters.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "support/fake_graph.hpp"
#include "support/kafka_harness.hpp"
#include "support/temp_dir.hpp"

using namespace support;

namespace {

constexpr const char* kResource = "https://contoso-hub.servicebus.windows.net";

std::filesystem::path write_config(const TempDir& dir, const std::string& auth) {
  auto path = dir / "rolewatch.yaml";
  write_text(path, std::string("source:\n"
                               "  brokers: 127.0.0.1:9\n"  // nothing listens there
                               "  topic: insights-logs-auditlogs\n"
                               "  group: rolewatch\n"
                               "  auth: ") +
                       auth +
                       "\n"
                       "  properties: {security.protocol: SASL_PLAINTEXT}\n"
                       "state: {dir: " +
                       (dir / "state").string() + "}\nsinks: [{type: stdout}]\n");
  return path;
}

// Runs until the fake has answered a token request (or 15 s), then stops.
void run_until_token(const std::filesystem::path& config, const std::filesystem::path& log,
                     const FakeGraph& fake) {
  RunProcess run(config, log, {"--log-level", "debug"});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (fake.answered(200) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(run.process().terminate() == 0);
}

}  // namespace

TEST_CASE("a run with managed identity auth gets its Event Hubs token from IMDS",
          "[kafka][managed-identity]") {
  FakeGraph fake;
  fake.set_managed_identity(kResource, "mi-client-1");
  TempDir dir;
  auto config = write_config(dir,
                             "{mode: managed-identity, client_id: mi-client-1, "
                             "managed_identity_endpoint: '" +
                                 fake.imds_endpoint() + "', scope: '" + kResource + "/.default'}");
  run_until_token(config, dir / "run.log", fake);
  CHECK(fake.answered(200) >= 1);
  CHECK(fake.answered(400) == 0);
  REQUIRE_FALSE(fake.grants().empty());
  CHECK(fake.grants().front() == "imds");
  CHECK(read_text(dir / "run.log").find("Event Hubs token refreshed") != std::string::npos);
}

TEST_CASE("a run on App Service or Container Apps uses IDENTITY_ENDPOINT and IDENTITY_HEADER",
          "[kafka][managed-identity]") {
  FakeGraph fake;
  fake.set_managed_identity(kResource);
  fake.set_identity_header("platform-header-S3CRET");
  TempDir dir;
  auto config = write_config(
      dir, std::string("{mode: managed-identity, scope: '") + kResource + "/.default'}");
  ::setenv("IDENTITY_ENDPOINT", fake.app_service_endpoint().c_str(), 1);
  ::setenv("IDENTITY_HEADER", "platform-header-S3CRET", 1);
  run_until_token(config, dir / "run.log", fake);
  ::unsetenv("IDENTITY_ENDPOINT");
  ::unsetenv("IDENTITY_HEADER");
  CHECK(fake.answered(200) >= 1);
  REQUIRE_FALSE(fake.grants().empty());
  CHECK(fake.grants().front() == "app-service");
  auto log = read_text(dir / "run.log");
  CHECK(log.find("Event Hubs token refreshed") != std::string::npos);
  CHECK(log.find("platform-header-S3CRET") == std::string::npos);
}
