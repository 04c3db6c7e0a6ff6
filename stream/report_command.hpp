#pragma once
// `rolewatch report stale|synced|ips` and `rolewatch export identity-roles`,
// and the same reports as JSON for the HTTP server (/v1/reports/...).
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>

#include "state/expected.hpp"
#include "state/store.hpp"

namespace rolewatch::stream {

class HttpServer;

enum class ReportFormat { json, csv, table };

struct ReportOptions {
  std::string report;  // "stale", "synced", "ips", "identity-roles"
  std::filesystem::path state_dir;
  ReportFormat format = ReportFormat::table;
  std::int64_t days = 30;          // stale
  std::optional<std::string> now;  // stale: RFC 3339 reference time
  bool all_roles = false;          // synced: every role, not only privileged ones
};
// Exit codes: 0 printed, 1 state failure, 2 bad arguments.
int report_command(const ReportOptions& options, std::ostream& out);

struct ExportOptions {
  std::string what = "identity-roles";
  std::filesystem::path state_dir;
  std::optional<std::filesystem::path> output;  // default stdout
};
int export_command(const ExportOptions& options, std::ostream& out);

// A report as JSON (an array of objects), for HTTP: `params` are the query
// parameters ("days", "now", "all_roles"). Unknown report -> error whose
// message starts with "unknown report"; bad parameter -> "bad parameter ...".
Expected<nlohmann::ordered_json> report_json(const state::Store& store, const std::string& report,
                                             const std::map<std::string, std::string>& params);

// GET /v1/reports/{stale|synced|ips|identity-roles}?days=30&now=...&all_roles=true
// -> 200 JSON array; 400 bad parameter; 404 unknown report. Call before
// server.start(); `store` must outlive the server.
void register_report_routes(HttpServer& server, const state::Store& store);

}  // namespace rolewatch::stream
