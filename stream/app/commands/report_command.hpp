#pragma once
// `rolewatch report stale|synced|ips` and `rolewatch export identity-roles`:
// the tables of ops/report_tables rendered as a text table, CSV or JSON.
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>

#include "state/base/expected.hpp"
#include "state/store.hpp"

namespace rolewatch::stream {

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

}  // namespace rolewatch::stream
