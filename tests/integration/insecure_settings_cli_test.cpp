// `rolewatch run` and `check-config` with an insecure setting (issue 12,
// finding 7): refused with exit 2 and a message naming the key and where
// `allow_insecure: true` goes; with it, the run starts and warns at every
// start. Also finding 5 end to end: a token endpoint spelled
// `http://localhost@192.0.2.2/` is refused before any request is made.
#include <catch2/catch.hpp>

#include "support/command.hpp"
#include "support/kafka_harness.hpp"
#include "support/temp_dir.hpp"

using namespace support;

namespace {

std::string config_yaml(const std::filesystem::path& dir, const std::string& sink_extra) {
  return "source: {brokers: embedded, topic: insights-logs-auditlogs, group: rolewatch}\n"
         "state:\n  dir: " +
         (dir / "state").string() +
         "\n"
         "log: {stats_interval_s: 0}\n"
         "sinks:\n"
         "  - type: webhook\n"
         "    url: https://127.0.0.1:9/hook\n"
         "    secret: whsec_V0VCSE9PSy1TM0NSRVQ=\n"
         "    tls_verify: false\n" +
         sink_extra;
}

const std::string kWarning =
    "insecure setting accepted (allow_insecure: true in sinks[0]): sinks[0].tls_verify";

}  // namespace

TEST_CASE("run refuses tls_verify: false without allow_insecure, naming the key", "[config]") {
  TempDir dir;
  write_text(dir / "rolewatch.yaml", config_yaml(dir.path(), ""));
  for (const char* command : {" run --config ", " check-config "}) {
    CAPTURE(command);
    auto result = run_shell(rolewatch_binary() + command + (dir / "rolewatch.yaml").string());
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.err,
               Catch::Contains("sinks[0].tls_verify: false (the receiver's TLS certificate is not "
                               "verified): refused as insecure; add `allow_insecure: true` next "
                               "to it (in sinks[0]) to accept it"));
  }
}

TEST_CASE("with allow_insecure the run starts and warns about the setting at every start",
          "[config]") {
  TempDir dir;
  write_text(dir / "rolewatch.yaml", config_yaml(dir.path(), "    allow_insecure: true\n"));
  for (int start = 1; start <= 2; ++start) {
    CAPTURE(start);
    auto log = dir / ("run-" + std::to_string(start) + ".log");
    RunProcess run(dir / "rolewatch.yaml", log);
    CHECK(wait_for_log(log, "alert sink webhook"));
    CHECK(run.process().terminate() == 0);
    CHECK_THAT(read_text(log), Catch::Contains(kWarning));
  }
}

TEST_CASE("a token endpoint that only looks like loopback is refused at load", "[config]") {
  TempDir dir;
  write_text(dir / "rolewatch.yaml",
             "source: {brokers: embedded, topic: t, group: g}\n"
             "state: {dir: " +
                 (dir / "state").string() +
                 "}\n"
                 "graph: {tenant_id: t, client_id: c, client_secret: s3cret, "
                 "authority: 'http://localhost@192.0.2.2/'}\n");
  auto result =
      run_shell(rolewatch_binary() + " check-config " + (dir / "rolewatch.yaml").string());
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.err, Catch::Contains("graph.authority: a URL with user:password@ is refused"));
  CHECK(result.err.find("s3cret") == std::string::npos);
}
