#include "stream/app/commands/report_command.hpp"

#include <catch2/catch.hpp>
#include <sstream>

#include "state/activation_history.hpp"
#include "state/eligibility_snapshot.hpp"
#include "state/net/http_client.hpp"
#include "stream/ops/http_server.hpp"
#include "stream/ops/report_tables.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace rolewatch;

constexpr const char* kGa = "62e90394-69f5-4237-9190-012177145e10";

// One synced GA-eligible user who activated once, on 2025-03-04.
void seed_state(const std::filesystem::path& dir) {
  auto store = state::Store::open(dir);
  REQUIRE(store);
  state::Assignment row;
  row.principal_id = "cccccccc-0000-0000-0000-000000000010";
  row.principal_type = "User";
  row.user_principal_name = "alice@contoso.com";
  row.on_premises_sync = true;
  row.role_template_id = kGa;
  row.role_display_name = "Global Administrator";
  REQUIRE(state::write_snapshot(**store, {row}, {0, 1, "csv:x.csv", 0}));
  state::ActivationHistory history(**store);
  auto batch = (*store)->make_batch();
  REQUIRE(
      history.record(batch, {row.principal_id, row.user_principal_name, kGa, "Global Administrator",
                             "203.0.113.45", "a", 1'741'075'205'000'000}));  // 2025-03-04T08:00:05Z
  REQUIRE((*store)->write(batch));
}

stream::ReportOptions options(std::string report, const std::filesystem::path& dir,
                              stream::ReportFormat format, std::optional<std::string> now = {}) {
  stream::ReportOptions result;
  result.report = std::move(report);
  result.state_dir = dir;
  result.format = format;
  result.days = 30;
  result.now = std::move(now);
  return result;
}

std::string run(stream::ReportOptions options) {
  std::ostringstream out;
  REQUIRE(stream::report_command(options, out) == 0);
  return out.str();
}

}  // namespace

TEST_CASE("report stale prints the documented JSON array", "[reports]") {
  support::TempDir dir;
  seed_state(dir.path());
  auto json = nlohmann::json::parse(
      run(options("stale", dir.path(), stream::ReportFormat::json, "2025-06-01T00:00:00Z")));
  REQUIRE(json.size() == 1);
  CHECK(json[0] == nlohmann::json{{"principalId", "cccccccc-0000-0000-0000-000000000010"},
                                  {"userPrincipalName", "alice@contoso.com"},
                                  {"roleTemplateId", kGa},
                                  {"roleDisplayName", "Global Administrator"},
                                  {"eligibleVia", nullptr},
                                  {"lastActivation", "2025-03-04T08:00:05.000000Z"}});
  // Judged against the newest event in state, the activation is recent.
  CHECK(
      nlohmann::json::parse(run(options("stale", dir.path(), stream::ReportFormat::json))).empty());
}

TEST_CASE("reports render as CSV and as a table", "[reports]") {
  support::TempDir dir;
  seed_state(dir.path());
  auto csv = run(options("ips", dir.path(), stream::ReportFormat::csv));
  CHECK(csv ==
        "principalId,userPrincipalName,roleTemplateId,roleDisplayName,ipAddress,firstSeen,"
        "lastSeen,activations\r\n"
        "cccccccc-0000-0000-0000-000000000010,alice@contoso.com," +
            std::string(kGa) +
            ",Global Administrator,203.0.113.45,2025-03-04T08:00:05.000000Z,"
            "2025-03-04T08:00:05.000000Z,1\r\n");
  auto table = run(options("synced", dir.path(), stream::ReportFormat::table));
  CHECK_THAT(table, Catch::StartsWith("principalId  ") && Catch::Contains("alice@contoso.com") &&
                        Catch::EndsWith("(1 row)\n"));
}

TEST_CASE("export identity-roles writes a watchlist CSV", "[reports]") {
  support::TempDir dir;
  seed_state(dir.path());
  std::ostringstream out;
  REQUIRE(stream::export_command({"identity-roles", dir.path(), std::nullopt}, out) == 0);
  CHECK(out.str() ==
        "PrincipalId,UserPrincipalName,PrincipalType,OnPremisesSyncEnabled,EligibleRoles,"
        "PermanentRoles,LastActivation\r\n"
        "cccccccc-0000-0000-0000-000000000010,alice@contoso.com,User,true,"
        "\"[\"\"Global Administrator\"\"]\",[],2025-03-04T08:00:05.000000Z\r\n");
}

TEST_CASE("report JSON for HTTP rejects unknown reports and bad parameters", "[reports]") {
  support::TempDir dir;
  seed_state(dir.path());
  auto store = state::Store::open(dir.path() / "other");
  REQUIRE(store);
  auto unknown = stream::report_json(**store, "nope", {});
  REQUIRE_FALSE(unknown);
  CHECK_THAT(unknown.error().message, Catch::StartsWith("unknown report"));
  auto bad = stream::report_json(**store, "stale", {{"days", "many"}});
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::StartsWith("bad parameter days"));
  auto empty = stream::report_json(**store, "synced", {});
  REQUIRE(empty);
  CHECK(empty->is_array());
}

TEST_CASE("reports are served over HTTP under /v1/reports", "[reports]") {
  support::TempDir dir;
  seed_state(dir.path());
  auto store = state::Store::open(dir.path());
  REQUIRE(store);
  stream::Metrics metrics;
  stream::Readiness readiness;
  auto server = stream::HttpServer::bind({"127.0.0.1:0", 1}, metrics, readiness);
  REQUIRE(server);
  stream::register_report_routes(**server, **store, {});
  (*server)->start();
  state::HttpClient client;
  auto get = [&](const std::string& path) {
    auto response = client.send({"GET", "http://" + (*server)->address() + path, {}, ""});
    REQUIRE(response);
    return std::move(*response);
  };
  auto stale = get("/v1/reports/stale?days=30&now=2025-06-01T00:00:00Z");
  CHECK(stale.status == 200);
  auto rows = nlohmann::json::parse(stale.body);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["lastActivation"] == "2025-03-04T08:00:05.000000Z");
  CHECK(get("/v1/reports/ips").status == 200);
  CHECK(get("/v1/reports/stale?days=x").status == 400);
  CHECK(get("/v1/reports/nope").status == 404);
  (*server)->stop();
}
