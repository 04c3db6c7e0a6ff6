#include "stream/cli.hpp"

#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "stream/replay_command.hpp"

namespace rolewatch::stream {
namespace {

constexpr const char* kDescription =
    "rolewatch: streaming detection of privileged Entra role removal bursts (MITRE T1531)\n"
    "from Entra ID AuditLogs on Azure Event Hubs, seconds after the records arrive.";

// Logs always go to stderr: stdout carries alert JSON lines.
void setup_logging() {
  auto logger = spdlog::stderr_color_mt("rolewatch");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);
}

void add_replay(CLI::App& app, ReplayOptions& options, int& exit_code) {
  auto* replay = app.add_subcommand(
      "replay",
      "Process audit log files through the detection pipeline and print alerts.\n"
      "Each line is one Event Hubs message body ({\"records\":[...]}), one bare audit\n"
      "record, or one Graph directoryAudits page ({\"value\":[...]}). Alerts are\n"
      "written to stdout as JSON lines (schema rolewatch.alert.v1), logs and a\n"
      "summary to stderr. Exit 0: input processed (bad lines are counted and\n"
      "skipped); 1: state could not be written; 2: unreadable file or invalid rules.");
  replay->add_option("files", options.files, "Input files; - for standard input")->required();
  replay->add_option("--state-dir", options.state_dir,
                     "Keep state here (default: a fresh temporary directory); replays into the "
                     "same directory continue windows and never repeat an alert");
  replay->add_option("--rules", options.rules_file,
                     "Rule definitions YAML (default: the built-in rules)");
  replay->add_option("--batch-lines", options.batch_lines,
                     "Lines per committed batch (default 256)");
  replay->callback([&] { exit_code = replay_command(options); });
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{kDescription, "rolewatch"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(ROLEWATCH_VERSION));
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error (default info)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  int exit_code = 0;
  setup_logging();
  app.parse_complete_callback([&] { spdlog::set_level(spdlog::level::from_str(log_level)); });

  ReplayOptions replay;
  add_replay(app, replay, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}

}  // namespace rolewatch::stream
