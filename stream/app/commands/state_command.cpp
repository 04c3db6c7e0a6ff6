#include "stream/app/commands/state_command.hpp"

#include <spdlog/spdlog.h>

#include <iomanip>

#include "state/base/expected.hpp"
#include "state/state_check.hpp"
#include "state/state_reset.hpp"

namespace rolewatch::stream {
namespace {

constexpr const char* kProcedure =
    "see docs/live-stream-and-recovery.md, \"Corrupt state\": `rolewatch state reset "
    "--state-dir DIR --keep-outbox`, then start rolewatch again";

void print_families(const state::CheckReport& report, std::ostream& out) {
  out << std::left << std::setw(16) << "family" << std::right << std::setw(12) << "keys"
      << std::setw(13) << "undecodable" << '\n';
  for (const auto& family : report.families) {
    out << std::left << std::setw(16) << family.name << std::right << std::setw(12) << family.keys
        << std::setw(13) << family.undecodable << (family.read_error ? "  READ ERROR" : "") << '\n';
  }
}

void print_table_files(const state::CheckReport& report, std::ostream& out) {
  std::uint64_t bytes = 0;
  std::size_t damaged = 0;
  for (const auto& file : report.table_files) {
    bytes += file.bytes;
    if (!file.ok) ++damaged;
  }
  out << "table files: " << report.table_files.size() << " verified (" << bytes << " bytes), "
      << damaged << " damaged\n";
}

}  // namespace

int state_check_command(const StateToolOptions& options, std::ostream& out) {
  auto report = state::check_state(options.state_dir);
  if (!report) {
    spdlog::error("state check: {}", report.error().message);
    return exit_status(exit_code_for(report.error()));
  }
  out << "state check: " << options.state_dir.string() << '\n';
  if (report->opened) {
    print_families(*report, out);
    print_table_files(*report, out);
  }
  for (const auto& problem : report->problems) {
    out << "problem: " << problem.where << ": " << problem.what << '\n';
  }
  if (report->clean()) {
    out << "result: clean\n";
    return exit_status(ExitCode::ok);
  }
  out << "result: " << report->problems.size() << " problem(s): the state is damaged\n";
  spdlog::error("state check: {} problem(s) in {}; {}", report->problems.size(),
                options.state_dir.string(), kProcedure);
  return exit_status(ExitCode::failure);
}

int state_reset_command(const StateToolOptions& options, std::ostream& out) {
  state::ResetOptions reset;
  reset.keep_outbox = options.keep_outbox;
  auto report = state::reset_state(options.state_dir, reset);
  if (!report) {
    spdlog::error("state reset: {}", report.error().message);
    return exit_status(exit_code_for(report.error()));
  }
  out << "moved the old state to " << report->moved_to.string() << " (nothing was deleted)\n";
  if (report->fresh_state) {
    out << "new state in " << options.state_dir.string() << ": kept " << report->kept
        << " undelivered alert(s) with " << report->delivery_records
        << " delivery record(s); unreadable: " << report->unreadable << " entr"
        << (report->unreadable == 1 ? "y" : "ies") << ", " << report->read_errors.size()
        << " damaged region(s)\n";
  } else {
    out << "no alert was kept (without --keep-outbox the outbox stays in the moved directory)\n";
  }
  for (const auto& error : report->read_errors) {
    out << "unreadable: " << error << '\n';
    spdlog::warn("state reset: {}", error);
  }
  out << "next start: the windows are rebuilt from the stream (restore)"
      << (report->fresh_state ? " and the kept alerts are delivered" : "") << '\n';
  return exit_status(ExitCode::ok);
}

}  // namespace rolewatch::stream
