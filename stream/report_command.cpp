#include "stream/report_command.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <fstream>

#include "rules/event_time.hpp"
#include "rules/privileged_roles.hpp"
#include "state/reports.hpp"
#include "stream/http_server.hpp"

namespace rolewatch::stream {
namespace {

using nlohmann::json;
using Params = std::map<std::string, std::string>;

// A report's rows with a fixed column order; rendered as JSON objects, CSV
// or an aligned text table.
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<json>> rows;

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

json time_or_null(const std::optional<state::Micros>& time) {
  return time ? json(rules::format_event_time(*time)) : json();
}
json text_or_null(const std::string& text) {
  return text.empty() ? json() : json(text);
}
json bool_or_null(const std::optional<bool>& value) {
  return value ? json(*value) : json();
}

Expected<std::int64_t> days_param(const Params& params) {
  auto it = params.find("days");
  if (it == params.end()) return std::int64_t{30};
  std::int64_t days = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), days);
  if (ec != std::errc() || end != it->second.data() + it->second.size() || days < 0 ||
      days > 36500) {
    return make_error("bad parameter days: expected a whole number of days");
  }
  return days;
}

Expected<state::Micros> now_param(const Params& params) {
  auto it = params.find("now");
  if (it == params.end() || it->second.empty()) return state::Micros{0};
  auto time = rules::parse_event_time(it->second);
  if (!time) return make_error("bad parameter now: expected an RFC 3339 time");
  return *time;
}

Expected<Table> stale_table(const state::Store& store, const Params& params) {
  auto days = days_param(params);
  if (!days) return days.error();
  auto now = now_param(params);
  if (!now) return now.error();
  auto report = state::stale_report(store, {*days, *now});
  if (!report) return report.error();
  Table table{{"principalId", "userPrincipalName", "roleTemplateId", "roleDisplayName",
               "eligibleVia", "lastActivation"},
              {}};
  for (const auto& row : report->rows) {
    table.rows.push_back({row.principal_id, text_or_null(row.user_principal_name),
                          row.role_template_id, text_or_null(row.role_display_name),
                          text_or_null(row.eligible_via), time_or_null(row.last_activation)});
  }
  return table;
}

Expected<Table> synced_table(const state::Store& store, const Params& params) {
  bool all_roles = params.contains("all_roles") && params.at("all_roles") != "false";
  state::RoleFilter privileged = [](const state::Assignment& row) {
    return rules::is_privileged_role(row.role_template_id, row.role_display_name);
  };
  auto rows = state::synced_report(store, all_roles ? state::RoleFilter() : privileged);
  if (!rows) return rows.error();
  Table table{{"principalId", "userPrincipalName", "accountEnabled", "roleTemplateId",
               "roleDisplayName", "assignmentType", "inheritedFrom", "directoryScopeId"},
              {}};
  for (const auto& row : *rows) {
    table.rows.push_back({row.principal_id, text_or_null(row.user_principal_name),
                          bool_or_null(row.account_enabled), row.role_template_id,
                          text_or_null(row.role_display_name),
                          std::string(state::to_string(row.assignment_type)),
                          text_or_null(row.inherited_from), row.directory_scope_id});
  }
  return table;
}

Expected<Table> ips_table(const state::Store& store, const Params&) {
  auto rows = state::ip_report(store);
  if (!rows) return rows.error();
  Table table{{"principalId", "userPrincipalName", "roleTemplateId", "roleDisplayName", "ipAddress",
               "firstSeen", "lastSeen", "activations"},
              {}};
  for (const auto& row : *rows) {
    table.rows.push_back({row.principal_id, text_or_null(row.user_principal_name),
                          row.role_template_id, text_or_null(row.role_display_name), row.ip_address,
                          time_or_null(row.first_seen), time_or_null(row.last_seen),
                          row.activations});
  }
  return table;
}

// Roles as a JSON array in one cell: todynamic() in KQL gives the same shape
// as IdentityInfo.AssignedRoles.
Expected<Table> identity_roles_table(const state::Store& store, const Params&) {
  auto rows = state::identity_roles(store);
  if (!rows) return rows.error();
  Table table{{"PrincipalId", "UserPrincipalName", "PrincipalType", "OnPremisesSyncEnabled",
               "EligibleRoles", "PermanentRoles", "LastActivation"},
              {}};
  for (const auto& row : *rows) {
    table.rows.push_back({row.principal_id, row.user_principal_name, row.principal_type,
                          bool_or_null(row.on_premises_sync), json(row.eligible_roles).dump(),
                          json(row.permanent_roles).dump(), time_or_null(row.last_activation)});
  }
  return table;
}

Expected<Table> build_table(const state::Store& store, const std::string& report,
                            const Params& params) {
  if (report == "stale") return stale_table(store, params);
  if (report == "synced") return synced_table(store, params);
  if (report == "ips") return ips_table(store, params);
  if (report == "identity-roles") return identity_roles_table(store, params);
  return make_error("unknown report " + report + " (expected stale, synced, ips, identity-roles)");
}

std::string cell_text(const json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

std::string csv_cell(const json& value) {
  auto text = cell_text(value);
  if (text.find_first_of(",;\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

void write_csv(const Table& table, std::ostream& out) {
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    out << (i ? "," : "") << table.columns[i];
  }
  out << "\r\n";  // RFC 4180 line breaks
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) out << (i ? "," : "") << csv_cell(row[i]);
    out << "\r\n";
  }
}

void write_text_table(const Table& table, std::ostream& out) {
  std::vector<std::size_t> widths;
  for (const auto& column : table.columns) widths.push_back(column.size());
  auto shown = [](const json& value) {
    return value.is_null() ? std::string("-") : cell_text(value);
  };
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], shown(row[i]).size());
  }
  auto line = [&](auto cell) {
    std::string text;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      std::string value = cell(i);
      text += (i ? "  " : "") + value + std::string(widths[i] - value.size(), ' ');
    }
    out << text.substr(0, text.find_last_not_of(' ') + 1) << '\n';
  };
  line([&](std::size_t i) { return table.columns[i]; });
  for (const auto& row : table.rows) line([&](std::size_t i) { return shown(row[i]); });
  out << "(" << table.rows.size() << (table.rows.size() == 1 ? " row)\n" : " rows)\n");
}

void render(const Table& table, ReportFormat format, std::ostream& out) {
  switch (format) {
    case ReportFormat::json:
      out << table.to_json().dump(2) << '\n';
      return;
    case ReportFormat::csv:
      write_csv(table, out);
      return;
    case ReportFormat::table:
      write_text_table(table, out);
      return;
  }
}

Params report_params(const ReportOptions& options) {
  Params params{{"days", std::to_string(options.days)}};
  if (options.now) params["now"] = *options.now;
  if (options.all_roles) params["all_roles"] = "true";
  return params;
}

}  // namespace

Expected<nlohmann::ordered_json> report_json(const state::Store& store, const std::string& report,
                                             const std::map<std::string, std::string>& params) {
  auto table = build_table(store, report, params);
  if (!table) return table.error();
  return table->to_json();
}

int report_command(const ReportOptions& options, std::ostream& out) {
  auto store = state::Store::open(options.state_dir);
  if (!store) {
    spdlog::error("cannot open state {}: {}", options.state_dir.string(), store.error().message);
    return 1;
  }
  auto table = build_table(**store, options.report, report_params(options));
  if (!table) {
    spdlog::error("report {}: {}", options.report, table.error().message);
    return table.error().message.starts_with("bad parameter") ||
                   table.error().message.starts_with("unknown report")
               ? 2
               : 1;
  }
  render(*table, options.format, out);
  return 0;
}

int export_command(const ExportOptions& options, std::ostream& out) {
  auto store = state::Store::open(options.state_dir);
  if (!store) {
    spdlog::error("cannot open state {}: {}", options.state_dir.string(), store.error().message);
    return 1;
  }
  if (options.what != "identity-roles") {
    spdlog::error("unknown export {} (expected identity-roles)", options.what);
    return 2;
  }
  auto table = identity_roles_table(**store, {});
  if (!table) {
    spdlog::error("export {}: {}", options.what, table.error().message);
    return 1;
  }
  if (!options.output) {
    write_csv(*table, out);
    return 0;
  }
  std::ofstream file(*options.output, std::ios::binary | std::ios::trunc);
  write_csv(*table, file);
  if (!file.flush()) {
    spdlog::error("cannot write {}", options.output->string());
    return 1;
  }
  return 0;
}

void register_report_routes(HttpServer& server, const state::Store& store) {
  server.route("GET", R"(/v1/reports/([a-z-]+))", [&store](const HttpRequest& request) {
    Params params;
    for (const auto& [key, value] : request.query) params[key] = value;
    auto json = report_json(store, request.captures.at(0), params);
    if (json) return HttpReply{200, "application/json", json->dump()};
    const auto& message = json.error().message;
    int status = message.starts_with("unknown report")  ? 404
                 : message.starts_with("bad parameter") ? 400
                                                        : 500;
    return HttpReply{status, "application/json", nlohmann::json{{"error", message}}.dump()};
  });
}

}  // namespace rolewatch::stream
