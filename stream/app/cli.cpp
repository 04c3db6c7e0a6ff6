#include "stream/app/cli.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "stream/app/commands/backfill_command.hpp"
#include "stream/app/commands/broker_command.hpp"
#include "stream/app/commands/demo_command.hpp"
#include "stream/app/commands/eligibility_command.hpp"
#include "stream/app/commands/replay_command.hpp"
#include "stream/app/commands/report_command.hpp"
#include "stream/app/commands/rules_test_command.hpp"
#include "stream/app/commands/run_command.hpp"
#include "stream/app/commands/state_command.hpp"
#include "stream/app/commands/test_alert_command.hpp"
#include "stream/app/setup/checked_config.hpp"
#include "stream/app/setup/log_format.hpp"
#include "stream/config/config.hpp"
#include "stream/source/kafka/embedded_broker.hpp"

namespace rolewatch::stream {
namespace {

constexpr const char* kDescription =
    "rolewatch: streaming detection of privileged Entra role removal bursts (MITRE T1531)\n"
    "from Entra ID AuditLogs on Azure Event Hubs, seconds after the records arrive.";

// Logs always go to stderr: stdout carries alert JSON lines. The formatter
// escapes control characters in every message (stream/app/setup/log_format).
void setup_logging() {
  spdlog::set_default_logger(
      make_logger("rolewatch", std::make_shared<spdlog::sinks::stderr_color_sink_mt>()));
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
  replay
      ->add_option("--max-line-bytes", options.max_line_bytes,
                   "Longest line read; longer ones are counted, logged and skipped "
                   "(default 16777216, 16 MiB)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
  replay->add_option("--min-free-mb", options.min_free_mb,
                     "Stop with exit 1 when the state volume has less free space (default 256)");
  replay->add_option("--twin-window", options.twin_window,
                     "How far apart an MS-PIM Core Directory record and its PIM record may be "
                     "and still pair as twins (default 2m)");
  replay->callback([&] { exit_code = replay_command(options); });
}

// Options of every subcommand; each add_* registers one and its callback.
struct Commands {
  ReplayOptions replay;
  std::filesystem::path config_file;
  int broker_partitions = 4;
  std::string broker_topic = "insights-logs-auditlogs";
  std::optional<std::filesystem::path> demo_sample;  // none: the compiled-in sample
  EligibilityImportOptions import;
  EligibilityRefreshOptions refresh;
  ReportOptions report;
  std::string report_format = "table";
  ExportOptions exports;
  TestAlertOptions test_alert;
  int exit_code = 0;
};

void add_run(CLI::App& app, Commands& c) {
  auto* run = app.add_subcommand(
      "run",
      "Run the sidecar: consume AuditLogs from Event Hubs (or the embedded broker),\n"
      "detect, deliver alerts, serve /metrics, /healthz, /readyz. Stops on SIGTERM/SIGINT.");
  run->add_option("--config", c.config_file, "YAML configuration file")->required();
  run->callback([&] { c.exit_code = run_command(c.config_file); });

  auto* check = app.add_subcommand(
      "check-config", "Validate a configuration file and print it with secrets redacted.");
  check->add_option("file", c.config_file, "YAML configuration file")->required();
  check->callback([&] { c.exit_code = check_config_command(c.config_file); });

  auto* test_alert = app.add_subcommand(
      "test-alert",
      "Send one synthetic alert (\"test\": true, rule rolewatch-test-alert) straight through\n"
      "the configured sinks, without the state or its outbox, and print each sink's\n"
      "outcome. Exit 0: every sink took it; 1: one failed; 2: bad config or --sink name.");
  test_alert->add_option("--config", c.test_alert.config_file, "YAML configuration file")
      ->required();
  test_alert->add_option("--sink", c.test_alert.sink, "Only the sink with this name");
  test_alert->callback([&] { c.exit_code = test_alert_command(c.test_alert, std::cout); });
}

void add_broker(CLI::App& app, Commands& c) {
  auto* broker = app.add_subcommand(
      "broker",
      "Run the embedded Kafka broker (librdkafka's mock cluster) until stopped. Prints\n"
      "its bootstrap address (127.0.0.1:PORT) as the first line on stdout, for kcat or\n"
      "a second rolewatch.");
  broker->add_option("--partitions", c.broker_partitions, "Partitions of the topic (default 4)");
  broker->add_option("--topic", c.broker_topic,
                     "Topic to create (default insights-logs-auditlogs)");
  broker->callback([&] { c.exit_code = broker_command(c.broker_partitions, c.broker_topic); });

  auto* demo = app.add_subcommand(
      "demo",
      "Start the embedded broker, publish a sample (default: the LAPSUS$-style attack of\n"
      "deploy/demo/sample-attack.jsonl, compiled in), run the live pipeline until it is\n"
      "consumed, print the alerts and labelled activations, exit (1 when no alert).");
  demo->add_option("sample", c.demo_sample,
                   "Sample file, one Event Hubs message per line (default: the bundled one)");
  demo->callback([&] { c.exit_code = demo_command(c.demo_sample); });
}

void add_eligibility(CLI::App& app, Commands& c) {
  auto* eligibility = app.add_subcommand(
      "eligibility", "Load PIM eligibility into the state: from a CSV export or from Graph.");
  eligibility->require_subcommand(1);
  // Not named `import`: a C++20 contextual keyword that confuses clang-format 14.
  auto* import_csv = eligibility->add_subcommand(
      "import", "Replace the eligibility snapshot with a CSV in the seed's export format.");
  import_csv->add_option("file", c.import.file, "CSV (comma or semicolon delimited)")->required();
  import_csv->add_option("--state-dir", c.import.state_dir, "State directory")->required();
  import_csv->add_option("--as-of", c.import.as_of, "Snapshot time, RFC 3339 (default: now)");
  import_csv->callback([&] { c.exit_code = eligibility_import_command(c.import); });

  auto* refresh = eligibility->add_subcommand(
      "refresh", "Fetch eligibility and assignments from Microsoft Graph once.");
  refresh->add_option("--config", c.refresh.config_file, "YAML configuration file")->required();
  refresh->add_option("--state-dir", c.refresh.state_dir, "Override the config's state.dir");
  refresh->callback([&] { c.exit_code = eligibility_refresh_command(c.refresh); });
}

std::optional<ReportFormat> parse_format(const std::string& text) {
  if (text == "json") return ReportFormat::json;
  if (text == "csv") return ReportFormat::csv;
  if (text == "table") return ReportFormat::table;
  return std::nullopt;
}

void add_report(CLI::App& app, Commands& c) {
  auto* report = app.add_subcommand(
      "report",
      "Answer the standing questions from state: stale (eligible assignments not\n"
      "activated within --days), synced (synchronized accounts holding privileged\n"
      "roles), ips (public IPs used for activations per user and role).");
  report->add_option("report", c.report.report, "stale, synced or ips")
      ->required()
      ->check(CLI::IsMember({"stale", "synced", "ips"}));
  report->add_option("--state-dir", c.report.state_dir, "State directory")->required();
  report->add_option("--format", c.report_format, "json, csv or table (default table)")
      ->check(CLI::IsMember({"json", "csv", "table"}));
  report->add_option("--days", c.report.days, "stale: days without activation (default 30)");
  report->add_option("--now", c.report.now,
                     "stale: reference time, RFC 3339 (default: newest event time in state)");
  report->add_flag("--all-roles", c.report.all_roles, "synced: every role, not only privileged");
  report->callback([&] {
    c.report.format = *parse_format(c.report_format);
    c.exit_code = report_command(c.report, std::cout);
  });

  auto* exports = app.add_subcommand(
      "export",
      "Export identity-roles: a CSV per user (eligible roles, permanent roles, last\n"
      "activation) for a Sentinel watchlist that enriches IdentityInfo.");
  exports->add_option("what", c.exports.what, "identity-roles")
      ->required()
      ->check(CLI::IsMember({"identity-roles"}));
  exports->add_option("--state-dir", c.exports.state_dir, "State directory")->required();
  exports->add_option("--output", c.exports.output, "Output file (default stdout)");
  exports->callback([&] { c.exit_code = export_command(c.exports, std::cout); });
}

void add_state(CLI::App& app, StateToolOptions& options, int& exit_code) {
  auto* state = app.add_subcommand(
      "state", "Check a state directory for damage, or move a damaged one aside.");
  state->require_subcommand(1);
  auto* check = state->add_subcommand(
      "check",
      "Read every block of every table file, the logs and every key; exit 0 when\n"
      "clean, 1 when damaged (the report names the file), 2 when there is no state.");
  check->add_option("--state-dir", options.state_dir, "State directory")->required();
  check->callback([&] { exit_code = state_check_command(options, std::cout); });
  auto* reset = state->add_subcommand(
      "reset",
      "Move the state directory aside (DIR.damaged-<UTC time>; a mount point's files into\n"
      "DIR/damaged-<UTC time>; never deleted); the next start rebuilds the windows from\n"
      "the stream. Refused while rolewatch runs on it.");
  reset->add_option("--state-dir", options.state_dir, "State directory")->required();
  reset->add_flag("--keep-outbox", options.keep_outbox,
                  "Copy the undelivered alerts that can still be read into a new state");
  reset->callback([&] { exit_code = state_reset_command(options, std::cout); });
}

void add_rules(CLI::App& app, RulesTestOptions& options, int& exit_code) {
  auto* rules = app.add_subcommand("rules", "Work with rule definitions.");
  rules->require_subcommand(1);
  auto* test = rules->add_subcommand(
      "test",
      "Run YAML rule test cases (input records, expected alerts and activations) through\n"
      "the replay pipeline, one fresh state per case (docs/rule-tests.md). Prints PASS or\n"
      "FAIL with a diff per case, then a summary. Exit 0: all passed; 1: a case failed;\n"
      "2: unreadable or invalid test file (FILE:LINE), input or rules file.");
  test->add_option("files", options.files, "Test files (YAML)")->required();
  test->add_option("--rules", options.rules_file,
                   "Rule definitions YAML for cases that name none (default: the built-in rules)");
  test->callback([&] { exit_code = rules_test_command(options, std::cout); });
}

void add_backfill(CLI::App& app, BackfillOptions& options, int& exit_code) {
  auto* backfill = app.add_subcommand(
      "backfill",
      "Read a past range of the Graph audit log (auditLogs/directoryAudits, RoleManagement)\n"
      "through the pipeline and state of `run`; alerts go to the configured sinks\n"
      "(docs/backfill.md). Resumable: the same command continues from its last page.\n"
      "Exit 0: range processed; 1: Graph or state failure, or interrupted; 2: bad\n"
      "command line or configuration.");
  backfill->add_option("--config", options.config_file, "YAML configuration file")->required();
  backfill->add_option("--since", options.since, "Start of the range, RFC 3339")->required();
  backfill->add_option("--until", options.until, "End of the range, RFC 3339 (default: now)");
  backfill->add_flag("--dry-run", options.dry_run,
                     "Print alerts as JSON lines on stdout; deliver nothing, leave the state as "
                     "it is");
  backfill
      ->add_option("--page-size", options.page_size, "Records per Graph page ($top, default 1000)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));
  backfill->callback([&] { exit_code = backfill_command(options, std::cout); });
}

// CLI11 prints help, the version or the error; its own codes (105, 106, 109,
// ...) become the documented ones: 0 for --help and --version, 2 for any
// command-line error (docs/design.md §4).
int cli_exit(const CLI::App& app, const CLI::ParseError& error) {
  const int printed = app.exit(error);
  return printed == static_cast<int>(CLI::ExitCodes::Success) ? exit_status(ExitCode::ok)
                                                              : exit_status(ExitCode::usage);
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{kDescription, "rolewatch"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(ROLEWATCH_VERSION));
  // Given flags win over the configuration's log section (apply_log_flags).
  std::string log_level = "info";
  std::string log_format = "text";
  auto* level_flag =
      app.add_option("--log-level", log_level,
                     "trace, debug, info, warn, error (default: the config's log.level, else info)")
          ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  auto* format_flag = app.add_option("--log-format", log_format,
                                     "text or json: one JSON object per line (default: the "
                                     "config's log.format, else text)")
                          ->check(CLI::IsMember({"text", "json"}));
  setup_logging();
  app.parse_complete_callback([&] {
    LogFlags flags;
    if (level_flag->count() > 0) flags.level = spdlog::level::from_str(log_level);
    if (format_flag->count() > 0) flags.format = parse_log_format(log_format);
    apply_log_flags(flags);
  });

  Commands commands;
  add_replay(app, commands.replay, commands.exit_code);
  add_run(app, commands);
  add_broker(app, commands);
  add_eligibility(app, commands);
  add_report(app, commands);
  StateToolOptions state_tool;
  add_state(app, state_tool, commands.exit_code);
  BackfillOptions backfill;
  add_backfill(app, backfill, commands.exit_code);
  RulesTestOptions rules_test;
  add_rules(app, rules_test, commands.exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli_exit(app, e);
  }
  return commands.exit_code;
}

}  // namespace rolewatch::stream
