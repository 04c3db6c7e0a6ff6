#pragma once
// The seed's standing questions as tables built from the state (stale
// eligible assignments, synchronized privileged accounts, activation IPs,
// the IdentityInfo-style export), and their HTTP routes (/v1/reports/...).
// The `report` and `export` commands render the same tables. Over HTTP they
// are off unless configured, and then need a bearer token or a loopback
// listener of their own (docs/eligibility-and-reports.md#http-access).
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "state/base/expected.hpp"
#include "state/store.hpp"
#include "stream/config/secret.hpp"

namespace rolewatch::stream {

class HttpServer;

// A report's rows with a fixed column order; rendered as JSON objects, CSV
// or an aligned text table.
struct ReportTable {
  std::vector<std::string> columns;
  std::vector<std::vector<nlohmann::json>> rows;

  // Objects keep the column order (ordered_json), as the table shows it.
  nlohmann::ordered_json to_json() const {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& row : rows) {
      nlohmann::ordered_json object = nlohmann::ordered_json::object();
      for (std::size_t i = 0; i < columns.size(); ++i) object[columns[i]] = row[i];
      out.push_back(std::move(object));
    }
    return out;
  }
};

using ReportParams = std::map<std::string, std::string>;

// "stale", "synced", "ips" or "identity-roles"; `params` as the query
// parameters ("days", "now", "all_roles"). Unknown report -> error whose
// message starts with "unknown report"; bad parameter -> "bad parameter ...".
Expected<ReportTable> build_table(const state::Store& store, const std::string& report,
                                  const ReportParams& params);

// A report as JSON (an array of objects).
Expected<nlohmann::ordered_json> report_json(const state::Store& store, const std::string& report,
                                             const ReportParams& params);

// Who may read the reports over HTTP (config/http_config: http.reports).
struct ReportAccess {
  // Required as `Authorization: Bearer <token>`; none: whoever reaches the
  // listener, which the configuration allows only on a loopback address.
  std::optional<Secret> token;
};

// GET /v1/reports/{stale|synced|ips|identity-roles}?days=30&now=...&all_roles=true
// -> 200 JSON array; 400 bad parameter; 404 unknown report; 401 with
// `WWW-Authenticate: Bearer` when a token is required and the request lacks
// it or has another (counted as rolewatch_http_requests_rejected_total
// {reason="unauthorized"}). Call before server.start(); `store` must outlive
// the server.
void register_report_routes(HttpServer& server, const state::Store& store, ReportAccess access);

}  // namespace rolewatch::stream
