#include "stream/app/commands/replay_command.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "state/base/temp_dir.hpp"
#include "state/base/time.hpp"
#include "state/volume.hpp"
#include "stream/app/setup/process_setup.hpp"
#include "stream/config/rules_loader.hpp"
#include "stream/pipeline/pipeline.hpp"
#include "stream/runtime/state_guard.hpp"
#include "stream/source/file_source.hpp"

namespace rolewatch::stream {
namespace {

void print_summary(const BatchCounters& c, const FileSource& source) {
  const auto& d = c.decode;
  spdlog::info(
      "replay done: messages={} oversized_lines={} records={} role_events={} "
      "skipped_other_category={} "
      "duplicates={} late={} future={} malformed_messages={} malformed_records={} "
      "unknown_activities={} activations={} alerts={} alert_updates={} alert_closes={} "
      "twins_paired={} twins_unpaired={}",
      source.messages(), source.oversized(), d.records, c.role_events, d.skipped_category,
      c.duplicates, c.late(), c.future(), d.malformed_messages, d.malformed_records,
      d.unknown_activities, c.activations, c.alerts, c.alert_updates, c.alert_closes,
      c.twins_paired, c.twins_unpaired);
}

// Checked without opening: opening a FIFO here would block until its writer
// came, and closing it again would cost the writer a SIGPIPE (or its data)
// before the file source opened it for good.
bool check_readable(const std::vector<std::string>& files) {
  for (const auto& file : files) {
    if (file == "-") continue;
    std::error_code error;
    const auto status = std::filesystem::status(file, error);
    if (error || !std::filesystem::exists(status) || std::filesystem::is_directory(status) ||
        ::access(file.c_str(), R_OK) != 0) {
      spdlog::error("cannot read {}", file);
      return false;
    }
  }
  return true;
}

}  // namespace

int replay_command(const ReplayOptions& options) {
  if (!check_readable(options.files)) return exit_status(ExitCode::usage);
  // A batch job: huge pages cut its page faults (process_setup.hpp).
  allow_huge_pages(true);
  std::vector<std::filesystem::path> rule_files;
  if (options.rules_file) rule_files.push_back(*options.rules_file);
  auto rules = load_rule_set(rule_files);
  if (!rules) {
    spdlog::error("invalid rules: {}", rules.error().message);
    return exit_status(ExitCode::usage);
  }
  auto twin_window = state::parse_duration(options.twin_window);
  if (!twin_window || twin_window->count() <= 0) {
    spdlog::error("--twin-window: expected a duration such as 2m or 90s, got '{}'",
                  options.twin_window);
    return exit_status(ExitCode::usage);
  }
  std::optional<state::TempDir> temp;
  if (!options.state_dir) temp.emplace("rolewatch-replay");
  auto dir = options.state_dir ? *options.state_dir : temp->path();
  if (dir.empty()) {
    spdlog::error("cannot create a temporary state directory");
    return exit_status(ExitCode::failure);
  }
  // Replay is a batch job: a crash only means running it again, so skip the
  // per-batch fsync that `run` needs.
  // A temporary state is deleted at the end: no write-ahead log and no
  // flush at close (StoreOptions::throwaway).
  auto store = state::Store::open(dir, {.sync_writes = false, .throwaway = !options.state_dir});
  if (!store) {
    spdlog::error("{}", store.error().message);
    return exit_status(ExitCode::failure);
  }
  const auto twin_micros =
      std::chrono::duration_cast<std::chrono::microseconds>(*twin_window).count();
  // Replay is bound by decoding (a backlog is >95% other categories): a
  // second thread decodes beside the pipeline's.
  auto pipeline = Pipeline::make(**store, std::move(rules->bursts),
                                 {.now = nullptr,
                                  .twin_window = twin_micros,
                                  .activation_rules = std::move(rules->activation),
                                  .decode_worker = true,
                                  // a temporary state's outbox would be deleted unread
                                  .outbox = options.state_dir.has_value()});
  if (!pipeline) {
    spdlog::error("{}", pipeline.error().message);
    return exit_status(ExitCode::failure);
  }
  // The file source hands batches to the pipeline; each batch's documents
  // go to stdout as soon as it is committed.
  FileSource source(options.files, (*pipeline)->clock(), options.batch_lines,
                    options.max_line_bytes);
  BatchCounters totals;
  auto print = [&](Expected<BatchResult> result) -> Status {
    if (!result) return result.error();
    for (const auto& document : result->documents) std::cout << document << '\n';
    std::cout.flush();
    // A closed pipe (SIGPIPE is ignored): the alerts have nowhere to go.
    if (!std::cout) return make_error("cannot write alerts to standard output (closed pipe?)");
    totals += result->counters;
    return ok();
  };
  // A batch job does not wait for space: the first refusal ends it (exit 1).
  StateGuard guard(
      {options.min_free_mb << 20, std::chrono::milliseconds(0)},
      [&] { return state::available_bytes(dir); }, nullptr, nullptr);
  auto guarded = [&](auto&& step) -> Status {
    if (auto admitted = guard.admit(); !admitted) return admitted;
    auto result = step();
    if (!result) return guard.judge(result.error());
    return print(std::move(result));
  };
  auto status = source.run([&](std::span<const SourceMessage> messages) {
    return guarded([&] { return (*pipeline)->process(messages); });
  });
  // The input is over: held twin candidates are decided and owed updates
  // sent, so the output ends with each burst's whole scope.
  if (status) status = guarded([&] { return (*pipeline)->flush(FlushScope::end_of_input); });
  if (!status) {
    spdlog::error("{}", status.error().message);
    return exit_status(ExitCode::failure);
  }
  print_summary(totals, source);
  return exit_status(ExitCode::ok);
}

}  // namespace rolewatch::stream
