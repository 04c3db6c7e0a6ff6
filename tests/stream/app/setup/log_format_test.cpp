#include "stream/app/setup/log_format.hpp"

#include <spdlog/sinks/ostream_sink.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "state/base/log_escape.hpp"
#include "support/command.hpp"
#include "support/hostile_text.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;
using namespace rolewatch::stream;

namespace {

// What a JSON logger wrote for one warning: the raw line.
std::string json_line(const std::string& message) {
  std::ostringstream captured;
  auto logger =
      make_logger("rolewatch", std::make_shared<spdlog::sinks::ostream_sink_mt>(captured, true),
                  LogFormat::json);
  logger->warn("{}", message);
  return captured.str();
}

// The line parsed, after checking it is one JSON object with exactly the
// four documented fields, all strings.
nlohmann::json parsed_record(const std::string& line) {
  INFO(line);
  CHECK(std::count(line.begin(), line.end(), '\n') == 1);
  REQUIRE(line.back() == '\n');
  for (unsigned char c : line.substr(0, line.size() - 1)) CHECK((c >= 0x20 && c != 0x7F));
  auto record = nlohmann::json::parse(line, nullptr, false);
  REQUIRE(record.is_object());
  CHECK(record.size() == 4);
  for (const char* key : {"time", "level", "logger", "message"}) {
    CAPTURE(key);
    REQUIRE(record.contains(key));
    CHECK(record[key].is_string());
  }
  return record;
}

}  // namespace

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

TEST_CASE("a JSON log record is one object with time, level, logger and message", "[log]") {
  auto line = json_line("replay done: messages=3");
  auto record = parsed_record(line);
  CHECK(std::regex_match(record["time"].get<std::string>(),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  CHECK(record["level"] == "warning");
  CHECK(record["logger"] == "rolewatch");
  CHECK(record["message"] == "replay done: messages=3");
  CHECK_THAT(line, Catch::StartsWith(R"({"time":")"));
}

TEST_CASE("hostile text cannot forge a line or a field in a JSON log record", "[log]") {
  // A UPN that tries to end the record and start another, ANSI and C1
  // escapes, line separators, quotes and backslashes.
  std::string forged =
      "mallory@contoso.com\",\"level\":\"info\"}\n{\"time\":\"2025-03-04T10:15:02.000Z\","
      "\"message\":\"all clear\\\x1b[2J\r\t\x7f \xC2\x9B \xE2\x80\xA8 \xE2\x80\xA9 \xC2\xA0 é";
  auto line = json_line("removal by " + forged);
  auto record = parsed_record(line);
  CHECK(record["message"] == "removal by " + forged);  // decodes to exactly what was logged
  CHECK(record["level"] == "warning");
  CHECK_THAT(line, Catch::Contains(R"(\"level\":\"info\"}\n{\"time\")"));
  CHECK_THAT(line, Catch::Contains(R"(\\\u001b[2J\r\t\u007f \u009b \u2028 \u2029)"));
  CHECK_THAT(line, Catch::Contains("\xC2\xA0 \xC3\xA9"));  // other text passes as UTF-8

  for (const auto& hostile : support::hostile_texts()) {
    INFO(hostile.name);
    auto text = "upn " + std::string(hostile.raw) + " end";
    auto message = parsed_record(json_line(text))["message"].get<std::string>();
    // Escape sequences as text stay text; bytes that are not UTF-8 become
    // U+FFFD; a raw NUL is valid UTF-8 and kept (as \u0000 in the line).
    bool invalid_utf8 = hostile.whole_message && hostile.raw != std::string_view("\0", 1);
    CHECK(message == "upn " + std::string(invalid_utf8 ? hostile.repaired : hostile.raw) + " end");
  }
  CHECK_THAT(json_line(std::string("nul \0 byte", 10)), Catch::Contains(R"(nul \u0000 byte)"));
}

TEST_CASE("command-line log flags win over the configuration's log section", "[log]") {
  auto previous_level = spdlog::get_level();
  support::LogCapture log;
  apply_log_flags({spdlog::level::err, LogFormat::json});
  apply_log_config({"debug", LogFormat::text, 60});
  CHECK(spdlog::get_level() == spdlog::level::err);
  spdlog::error("kept");
  spdlog::info("dropped");
  REQUIRE(log.lines().size() == 1);
  CHECK(parsed_record(log.lines()[0])["message"] == "kept");

  // Without flags the configuration decides.
  apply_log_flags({});
  apply_log_config({"debug", LogFormat::text, 60});
  CHECK(spdlog::get_level() == spdlog::level::debug);
  spdlog::debug("text again");
  CHECK_THAT(log.lines().back(), Catch::EndsWith(" debug text again\n"));
  apply_log_flags({});
  spdlog::set_level(previous_level);
}

TEST_CASE("the rolewatch executable logs JSON lines with --log-format json", "[log][e2e]") {
  auto run = support::run_shell(support::rolewatch_binary() + " --log-format json replay " +
                                support::fixture("replay/hostile-strings.jsonl"));
  REQUIRE(run.exit_code == 0);
  auto lines = support::lines_of(run.err);
  REQUIRE(lines.size() >= 2);
  for (const auto& line : lines) parsed_record(line + "\n");
  CHECK_THAT(lines.back(), Catch::Contains(R"("message":"replay done: messages=3 )"));
  auto refused = support::run_shell(support::rolewatch_binary() + " --log-format xml replay -");
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Catch::Contains("--log-format: xml not in {text,json}"));
}
