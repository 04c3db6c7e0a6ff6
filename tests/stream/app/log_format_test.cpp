#include "stream/app/log_format.hpp"

#include <spdlog/sinks/ostream_sink.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <sstream>

#include "state/base/log_escape.hpp"
#include "support/command.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;
using namespace rolewatch::stream;

TEST_CASE("log escaping turns every control character into a visible escape", "[log]") {
  CHECK(state::log_escaped("plain text, é 日本 \\ ok") == "plain text, é 日本 \\ ok");
  CHECK(state::log_escaped("a\nb\rc\td") == "a\\nb\\rc\\td");
  CHECK(state::log_escaped("\x1b[31mred") == "\\x1b[31mred");
  CHECK(state::log_escaped(std::string_view("nul\0end", 7)) == "nul\\x00end");
  CHECK(state::log_escaped("del\x7f") == "del\\x7f");
  CHECK(state::log_escaped("c1 \xC2\x85 \xC2\x9B") == "c1 \\u0085 \\u009b");
  CHECK(state::log_escaped("ls \xE2\x80\xA8 ps \xE2\x80\xA9") == "ls \\u2028 ps \\u2029");
  CHECK(state::log_escaped("\xC2\xA0 nbsp stays") == "\xC2\xA0 nbsp stays");
  // Not UTF-8: each bad byte shown as \xNN, never passed to a terminal.
  CHECK(state::log_escaped("bad \xFF\xC0\xAF \xE2\x82") == "bad \\xff\\xc0\\xaf \\xe2\\x82");
  std::string out = "kept ";
  CHECK_FALSE(state::append_log_escaped("clean", out));
  CHECK(out == "kept clean");
  CHECK(state::append_log_escaped("\n", out));
}

TEST_CASE("a UPN with a newline and ANSI escapes is logged as one escaped line", "[log]") {
  std::ostringstream captured;
  auto logger =
      make_logger("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(captured, true));
  std::string upn =
      "mallory@contoso.com\n2025-03-04T10:15:02.000Z info forged: all clear\x1b[2J\x1b[31m\r";
  logger->warn("removal by {} of {}", upn, "admin0@contoso.com\xE2\x80\xA8");
  auto line = captured.str();
  CHECK(std::count(line.begin(), line.end(), '\n') == 1);
  CHECK(line.back() == '\n');
  CHECK(line.find('\x1b') == std::string::npos);
  CHECK(line.find('\r') == std::string::npos);
  CHECK(line.find("\xE2\x80\xA8") == std::string::npos);
  CHECK(
      std::regex_match(line, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warning .*\n)")));
  CHECK_THAT(line, Catch::EndsWith(
                       " warning removal by mallory@contoso.com\\n2025-03-04T10:15:02.000Z info "
                       "forged: all clear\\x1b[2J\\x1b[31m\\r of admin0@contoso.com\\u2028\n"));
}

TEST_CASE("the rolewatch executable logs record text on one line, escaped", "[log][e2e]") {
  // A removal whose audit id carries a newline, a forged log line and ANSI
  // escapes, dated in 2099 so the pipeline logs it as a future record.
  const std::string forged = R"(x\n2025-03-04T10:15:02.000Z info forged: all clear\u001b[2J)";
  auto record = R"({"records": [{"time": "2099-03-04T10:15:02.1234567Z",
    "resourceId": "/tenants/11111111-2222-3333-4444-555555555555/providers/Microsoft.aadiam",
    "operationName": "Remove member from role", "category": "AuditLogs", "Level": 4,
    "tenantId": "11111111-2222-3333-4444-555555555555",
    "properties": {"id": ")" +
                forged + R"(", "category": "RoleManagement",
      "result": "success", "activityDisplayName": "Remove member from role",
      "activityDateTime": "2099-03-04T10:15:02.1234567+00:00", "loggedByService": "Core Directory",
      "initiatedBy": {"user": {"id": "aaaaaaaa-0000-0000-0000-000000000001",
        "userPrincipalName": "mallory@contoso.com", "ipAddress": "203.0.113.45"}},
      "targetResources": [{"id": "bbbbbbbb-0000-0000-0000-000000000002", "type": "User",
        "userPrincipalName": "admin1@contoso.com", "modifiedProperties": [
          {"displayName": "Role.DisplayName", "oldValue": "\"Global Administrator\""},
          {"displayName": "Role.TemplateId",
           "oldValue": "\"62e90394-69f5-4237-9190-012177145e10\""}]}]}}]})";
  std::string one_line;
  for (char c : record) one_line.push_back(c == '\n' ? ' ' : c);
  support::TempDir dir;
  std::ofstream(dir / "hostile.jsonl") << one_line << "\n";
  auto run = support::run_shell(support::rolewatch_binary() + " replay " +
                                (dir / "hostile.jsonl").string());
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.err,
             Catch::Contains("x\\n2025-03-04T10:15:02.000Z info forged: all clear\\x1b[2J"));
  CHECK(run.err.find('\x1b') == std::string::npos);
  std::regex prefix(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (trace|debug|info|warning|error|critical) .*)");
  for (const auto& line : support::lines_of(run.err)) {
    INFO(line);
    CHECK(std::regex_match(line, prefix));
  }
}
