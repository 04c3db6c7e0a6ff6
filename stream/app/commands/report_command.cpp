#include "stream/app/commands/report_command.hpp"

#include <spdlog/spdlog.h>

#include <fstream>

#include "stream/ops/report_tables.hpp"

namespace rolewatch::stream {
namespace {

using nlohmann::json;
using Params = ReportParams;
using Table = ReportTable;

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

int report_command(const ReportOptions& options, std::ostream& out) {
  auto store = state::Store::open(options.state_dir);
  if (!store) {
    spdlog::error("cannot open state {}: {}", options.state_dir.string(), store.error().message);
    return exit_status(ExitCode::failure);
  }
  auto table = build_table(**store, options.report, report_params(options));
  if (!table) {
    spdlog::error("report {}: {}", options.report, table.error().message);
    return exit_status(exit_code_for(table.error()));
  }
  render(*table, options.format, out);
  return exit_status(ExitCode::ok);
}

int export_command(const ExportOptions& options, std::ostream& out) {
  auto store = state::Store::open(options.state_dir);
  if (!store) {
    spdlog::error("cannot open state {}: {}", options.state_dir.string(), store.error().message);
    return exit_status(ExitCode::failure);
  }
  if (options.what != "identity-roles") {
    spdlog::error("unknown export {} (expected identity-roles)", options.what);
    return exit_status(ExitCode::usage);
  }
  auto table = build_table(**store, "identity-roles", {});
  if (!table) {
    spdlog::error("export {}: {}", options.what, table.error().message);
    return exit_status(ExitCode::failure);
  }
  if (!options.output) {
    write_csv(*table, out);
    return exit_status(ExitCode::ok);
  }
  std::ofstream file(*options.output, std::ios::binary | std::ios::trunc);
  write_csv(*table, file);
  if (!file.flush()) {
    spdlog::error("cannot write {}", options.output->string());
    return exit_status(ExitCode::failure);
  }
  return exit_status(ExitCode::ok);
}
}  // namespace rolewatch::stream
