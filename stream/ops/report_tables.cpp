#include "stream/ops/report_tables.hpp"

#include <algorithm>
#include <charconv>

#include "rules/privileged_roles.hpp"
#include "state/base/time.hpp"
#include "state/reports.hpp"
#include "stream/ops/bearer_auth.hpp"
#include "stream/ops/http_server.hpp"

namespace rolewatch::stream {
namespace {

using nlohmann::json;
using Params = ReportParams;

json time_or_null(const std::optional<state::Micros>& time) {
  return time ? json(state::format_event_time(*time)) : json();
}
json text_or_null(const std::string& text) {
  return text.empty() ? json() : json(text);
}
json bool_or_null(const std::optional<bool>& value) {
  return value ? json(*value) : json();
}

Expected<std::int64_t> days_param(const ReportParams& params) {
  auto it = params.find("days");
  if (it == params.end()) return std::int64_t{30};
  std::int64_t days = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), days);
  if (ec != std::errc() || end != it->second.data() + it->second.size() || days < 0 ||
      days > 36500) {
    return make_error("bad parameter days: expected a whole number of days",
                      ErrorCode::invalid_argument);
  }
  return days;
}

Expected<state::Micros> now_param(const ReportParams& params) {
  auto it = params.find("now");
  if (it == params.end() || it->second.empty()) return state::Micros{0};
  auto time = state::parse_event_time(it->second);
  if (!time)
    return make_error("bad parameter now: expected an RFC 3339 time", ErrorCode::invalid_argument);
  return *time;
}

Expected<ReportTable> stale_table(const state::Store& store, const ReportParams& params) {
  auto days = days_param(params);
  if (!days) return days.error();
  auto now = now_param(params);
  if (!now) return now.error();
  auto report = state::stale_report(store, {*days, *now});
  if (!report) return report.error();
  ReportTable table{{"principalId", "userPrincipalName", "roleTemplateId", "roleDisplayName",
                     "eligibleVia", "lastActivation"},
                    {}};
  for (const auto& row : report->rows) {
    table.rows.push_back({row.principal_id, text_or_null(row.user_principal_name),
                          row.role_template_id, text_or_null(row.role_display_name),
                          text_or_null(row.eligible_via), time_or_null(row.last_activation)});
  }
  return table;
}

Expected<ReportTable> synced_table(const state::Store& store, const ReportParams& params) {
  bool all_roles = params.contains("all_roles") && params.at("all_roles") != "false";
  state::RoleFilter privileged = [](const state::Assignment& row) {
    return rules::is_privileged_role(row.role_template_id, row.role_display_name);
  };
  auto rows = state::synced_report(store, all_roles ? state::RoleFilter() : privileged);
  if (!rows) return rows.error();
  ReportTable table{{"principalId", "userPrincipalName", "accountEnabled", "roleTemplateId",
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

Expected<ReportTable> ips_table(const state::Store& store, const ReportParams&) {
  auto rows = state::ip_report(store);
  if (!rows) return rows.error();
  ReportTable table{{"principalId", "userPrincipalName", "roleTemplateId", "roleDisplayName",
                     "ipAddress", "firstSeen", "lastSeen", "activations"},
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
Expected<ReportTable> identity_roles_table(const state::Store& store, const ReportParams&) {
  auto rows = state::identity_roles(store);
  if (!rows) return rows.error();
  ReportTable table{{"PrincipalId", "UserPrincipalName", "PrincipalType", "OnPremisesSyncEnabled",
                     "EligibleRoles", "PermanentRoles", "LastActivation"},
                    {}};
  for (const auto& row : *rows) {
    table.rows.push_back({row.principal_id, row.user_principal_name, row.principal_type,
                          bool_or_null(row.on_premises_sync), json(row.eligible_roles).dump(),
                          json(row.permanent_roles).dump(), time_or_null(row.last_activation)});
  }
  return table;
}

// RFC 6750 §3: no credentials -> a bare challenge; wrong ones -> invalid_token.
HttpReply unauthorized(HttpServer& server, BearerCheck check) {
  server.count_rejection(HttpRejection::unauthorized);
  std::string challenge = "Bearer realm=\"rolewatch reports\"";
  if (check == BearerCheck::invalid) challenge += ", error=\"invalid_token\"";
  return HttpReply{401,
                   "application/json",
                   R"({"error":"a bearer token is required for reports"})",
                   {{"WWW-Authenticate", challenge}}};
}

}  // namespace

Expected<ReportTable> build_table(const state::Store& store, const std::string& report,
                                  const ReportParams& params) {
  if (report == "stale") return stale_table(store, params);
  if (report == "synced") return synced_table(store, params);
  if (report == "ips") return ips_table(store, params);
  if (report == "identity-roles") return identity_roles_table(store, params);
  return make_error("unknown report " + report + " (expected stale, synced, ips, identity-roles)",
                    ErrorCode::not_found);
}

Expected<nlohmann::ordered_json> report_json(const state::Store& store, const std::string& report,
                                             const std::map<std::string, std::string>& params) {
  auto table = build_table(store, report, params);
  if (!table) return table.error();
  return table->to_json();
}

void register_report_routes(HttpServer& server, const state::Store& store, ReportAccess access) {
  auto handler = [&server, &store, access = std::move(access)](const HttpRequest& request) {
    if (access.token) {
      auto check = check_bearer(request, *access.token);
      if (check != BearerCheck::accepted) return unauthorized(server, check);
    }
    ReportParams params;
    for (const auto& [key, value] : request.query) params[key] = value;
    auto json = report_json(store, request.captures.at(0), params);
    if (json) return HttpReply{200, "application/json", json->dump()};
    return HttpReply{http_status_for(json.error()), "application/json",
                     nlohmann::json{{"error", json.error().message}}.dump()};
  };
  server.route("GET", R"(/v1/reports/([a-z-]+))", std::move(handler));
}

}  // namespace rolewatch::stream
