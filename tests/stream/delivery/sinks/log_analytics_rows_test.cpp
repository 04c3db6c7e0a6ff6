// The log-analytics rows against the deploy/azure templates: the DCR's
// stream declaration and the table schema must name exactly the columns the
// sink sends, with the same types, and every row's values must have those
// types; so the templates and the code cannot drift apart.
#include "stream/delivery/sinks/log_analytics_rows.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <vector>

#include "state/base/time.hpp"
#include "support/delivery_fixtures.hpp"

using namespace rolewatch;
using namespace rolewatch::stream;
using nlohmann::json;

namespace {

json read_json(const std::string& relative) {
  std::ifstream in(std::filesystem::path(ROLEWATCH_SOURCE_DIR) / relative);
  REQUIRE(in);
  return json::parse(in);
}

std::vector<std::pair<std::string, std::string>> declared(const json& columns) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& column : columns)
    out.emplace_back(column["name"].get<std::string>(), column["type"].get<std::string>());
  return out;
}

std::vector<std::pair<std::string, std::string>> sent() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& column : log_analytics_columns()) {
    out.emplace_back(std::string(column.name), std::string(column.type));
  }
  return out;
}

// Whether a JSON value fits an Azure column type (null fits any).
bool fits(const json& value, const std::string& type) {
  if (value.is_null()) return true;
  if (type == "string") return value.is_string();
  if (type == "int" || type == "long") return value.is_number_integer();
  if (type == "boolean") return value.is_boolean();
  if (type == "dynamic") return value.is_array() || value.is_object();
  if (type == "datetime") {
    return value.is_string() && state::parse_event_time(value.get<std::string>()).has_value();
  }
  return false;
}

void check_row_against(const json& row,
                       const std::vector<std::pair<std::string, std::string>>& columns) {
  REQUIRE(row.size() == columns.size());
  for (const auto& [name, type] : columns) {
    INFO(name << " " << type << " " << row.value(name, json()).dump());
    REQUIRE(row.contains(name));
    CHECK(fits(row[name], type));
  }
}

}  // namespace

TEST_CASE("the DCR template declares exactly the columns and types the log-analytics sink sends",
          "[delivery][log-analytics]") {
  auto dcr = read_json("deploy/azure/rolewatch-alerts-dcr.json");
  CHECK(dcr["kind"] == "Direct");
  const auto& properties = dcr["properties"];
  REQUIRE(properties["streamDeclarations"].size() == 1);
  const auto& stream = properties["streamDeclarations"]["Custom-RolewatchAlerts"];
  CHECK(declared(stream["columns"]) == sent());
  const auto& flow = properties["dataFlows"][0];
  CHECK(flow["streams"] == json::array({"Custom-RolewatchAlerts"}));
  CHECK(flow["outputStream"] == "Custom-RolewatchAlerts_CL");
  CHECK(flow["destinations"][0] == properties["destinations"]["logAnalytics"][0]["name"]);

  auto table = read_json("deploy/azure/rolewatch-alerts-table.json");
  CHECK(table["properties"]["schema"]["name"] == "RolewatchAlerts_CL");
  CHECK(declared(table["properties"]["schema"]["columns"]) == sent());
}

TEST_CASE("a row of every revision has the declared columns with values of the declared types",
          "[delivery][log-analytics]") {
  auto columns = declared(
      read_json("deploy/azure/rolewatch-alerts-dcr.json")["properties"]["streamDeclarations"]
                                                         ["Custom-RolewatchAlerts"]["columns"]);
  auto alert = support::sample_alert("00000000-0000-5000-8000-000000000007", 4);
  auto row = log_analytics_row(alert, "00000000-0000-5000-8000-000000000007");
  check_row_against(row, columns);
  CHECK(row["AlertId"] == "00000000-0000-5000-8000-000000000007");
  CHECK(row["Revision"] == 1);
  CHECK(row["Status"] == "firing");
  CHECK(row["DeliveryId"] == "00000000-0000-5000-8000-000000000007.1");
  CHECK(row["TimeGenerated"] == alert["updatedAt"]);
  CHECK(row["RuleId"] == alert["rule"]);
  CHECK(row["MitreTechnique"] == "T1531");
  CHECK(row["ActorUserPrincipalName"] == "mallory@contoso.com");
  CHECK(row["ActorIpAddress"] == "203.0.113.45");
  CHECK(row["RemovalCount"] == 4);
  CHECK(row["FailedCount"] == 1);
  CHECK(row["Removals"] == alert["removals"]);
  CHECK(row["Targets"] == json::array({"admin0@contoso.com", "admin1@contoso.com",
                                       "admin2@contoso.com", "admin3@contoso.com"}));
  CHECK(row["IsTest"] == false);

  alert["revision"] = 3u;  // as parsed from the outbox: unsigned
  alert["status"] = "closed";
  alert["test"] = true;
  row = log_analytics_row(alert, alert["id"].get<std::string>());
  check_row_against(row, columns);
  CHECK(row["Revision"] == 3);
  CHECK(row["Status"] == "closed");
  CHECK(row["DeliveryId"] == "00000000-0000-5000-8000-000000000007.3");
  CHECK(row["IsTest"] == true);
}

TEST_CASE("a document with missing or mistyped fields still gives a row of the declared types",
          "[delivery][log-analytics]") {
  auto columns = sent();
  json odd = {{"schema", "rolewatch.alert.v1"},
              {"actor", "not an object"},
              {"mitre", 7},
              {"count", -3},
              {"removals", json::array({json{{"target", "x"}}, 5,
                                        json{{"target", json{{"id", "object-id"}}}}})},
              {"test", "yes"}};
  auto row = log_analytics_row(odd, "id-1");
  check_row_against(row, columns);
  CHECK(row["ActorUserPrincipalName"].is_null());
  CHECK(row["RemovalCount"].is_null());
  CHECK(row["Targets"] == json::array({"object-id"}));
  CHECK(row["IsTest"] == false);
  CHECK(fits(row["TimeGenerated"], "datetime"));  // now, when the alert has no time
  check_row_against(log_analytics_row(json::array(), "id-2"), columns);
}

TEST_CASE("attacker text in an alert stays one JSON string value of one row",
          "[delivery][log-analytics]") {
  auto alert = support::sample_alert("00000000-0000-5000-8000-000000000008", 3);
  std::string hostile = "m\"},{\"AlertId\":\"forged\"}]\r\n\x01 \xff end";
  alert["actor"]["userPrincipalName"] = hostile;
  alert["removals"][0]["target"]["userPrincipalName"] = hostile;
  auto text = serialise_row(log_analytics_row(alert, "00000000-0000-5000-8000-000000000008"));
  CHECK(text.find('\n') == std::string::npos);
  CHECK(text.find('\r') == std::string::npos);
  auto parsed = json::parse("[" + text + "]");
  REQUIRE(parsed.size() == 1);
  std::string repaired = "m\"},{\"AlertId\":\"forged\"}]\r\n\x01 \xEF\xBF\xBD end";
  CHECK(parsed[0]["ActorUserPrincipalName"] == repaired);
  CHECK(parsed[0]["Targets"][0] == repaired);
  CHECK(parsed[0]["AlertId"] == "00000000-0000-5000-8000-000000000008");
}

TEST_CASE("docs/sentinel.md shows the KQL example of deploy/azure as it is",
          "[delivery][log-analytics][docs]") {
  auto root = std::filesystem::path(ROLEWATCH_SOURCE_DIR);
  std::ifstream kql(root / "deploy/azure/rolewatch-alerts-auditlogs.kql");
  REQUIRE(kql);
  std::string query;
  for (std::string line; std::getline(kql, line);) {
    if (!line.starts_with("//")) query += line + "\n";
  }
  std::ifstream page(root / "docs/sentinel.md");
  std::string text((std::istreambuf_iterator<char>(page)), std::istreambuf_iterator<char>());
  CHECK(query.size() > 200);
  CHECK(text.find("```kusto\n" + query + "```") != std::string::npos);
}
