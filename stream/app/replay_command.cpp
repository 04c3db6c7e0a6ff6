#include "stream/app/replay_command.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "state/base/temp_dir.hpp"
#include "stream/config/rules_loader.hpp"
#include "stream/pipeline/pipeline.hpp"
#include "stream/source/chunked_lines.hpp"

namespace rolewatch::stream {
namespace {

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

void print_summary(const BatchCounters& c, std::uint64_t lines) {
  const auto& d = c.decode;
  spdlog::info(
      "replay done: messages={} records={} role_events={} skipped_other_category={} "
      "duplicates={} late={} future={} malformed_messages={} malformed_records={} "
      "unknown_activities={} activations={} alerts={}",
      lines, d.records, c.role_events, d.skipped_category, c.duplicates, c.late(), c.future(),
      d.malformed_messages, d.malformed_records, d.unknown_activities, c.activations, c.alerts);
}

// One replayed file: a partition of its own (docs/design.md §3, "Event time").
struct ReplayInput {
  std::string name;
  std::int32_t partition = 0;           // its position on the command line
  std::unique_ptr<std::ifstream> file;  // null for stdin
  std::unique_ptr<ChunkedLines> chunks;
  std::string clock_key;
  std::int64_t line_number = 0;
  bool done = false;
};

// Replays files as partitions of one stream: the file whose time is oldest
// (or still unknown) is read next, a chunk at a time, so several files are
// merged in event-time order through the same watermark as the live
// source's partitions. One file is read straight through, as before.
class Replayer {
 public:
  Replayer(Pipeline& pipeline, std::size_t batch_lines)
      : pipeline_(pipeline), batch_lines_(batch_lines) {}

  // Returns false when the state could not be written (nothing of that
  // batch is committed).
  bool replay(std::vector<ReplayInput>& inputs) {
    auto& clock = pipeline_.clock();
    for (auto& input : inputs) clock.assign(input.clock_key, kUnknownTime);
    while (auto* input = next_input(inputs)) {
      if (!replay_chunk(*input)) return false;
    }
    return true;
  }

  const BatchCounters& totals() const { return totals_; }
  std::uint64_t lines() const { return line_count_; }

 private:
  ReplayInput* next_input(std::vector<ReplayInput>& inputs) {
    ReplayInput* oldest = nullptr;
    for (auto& input : inputs) {
      if (input.done) continue;
      auto time = pipeline_.clock().partition_time(input.clock_key);
      if (!oldest || time < pipeline_.clock().partition_time(oldest->clock_key)) oldest = &input;
    }
    return oldest;
  }

  bool replay_chunk(ReplayInput& input) {
    std::vector<std::string_view> chunk;
    if (!input.chunks->next(chunk)) {
      input.done = true;
      pipeline_.clock().set_holding(input.clock_key, false);  // nothing more will come
      return true;
    }
    for (auto line : chunk) {
      ++input.line_number;
      if (blank(line)) continue;
      lines_.push_back(line);
      numbers_.push_back(input.line_number);
      if (lines_.size() >= batch_lines_ && !flush(input)) return false;
    }
    // The lines are views into the chunk: commit before reading the next.
    return flush(input);
  }

  bool flush(const ReplayInput& input) {
    if (lines_.empty()) return true;
    std::vector<SourceMessage> messages;
    messages.reserve(lines_.size());
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      messages.push_back(
          SourceMessage{input.name, input.partition, numbers_[i], 0, lines_[i], false});
    }
    auto result = pipeline_.process(messages);
    if (!result) {
      spdlog::error("{}: {}", input.name, result.error().message);
      return false;
    }
    for (const auto& document : result->documents) std::cout << document.dump() << '\n';
    std::cout.flush();
    totals_ += result->counters;
    line_count_ += lines_.size();
    lines_.clear();
    numbers_.clear();
    return true;
  }

  Pipeline& pipeline_;
  std::size_t batch_lines_;
  std::vector<std::string_view> lines_;  // views into the current chunk
  std::vector<std::int64_t> numbers_;
  BatchCounters totals_;
  std::uint64_t line_count_ = 0;
};

std::vector<ReplayInput> open_inputs(const std::vector<std::string>& files) {
  std::vector<ReplayInput> inputs;
  for (const auto& name : files) {
    ReplayInput input;
    input.name = name;
    input.partition = static_cast<std::int32_t>(inputs.size());
    if (name != "-") input.file = std::make_unique<std::ifstream>(name);
    input.chunks = std::make_unique<ChunkedLines>(input.file ? *input.file : std::cin);
    input.clock_key = state::Store::offset_key(name, input.partition);
    inputs.push_back(std::move(input));
  }
  return inputs;
}

bool check_readable(const std::vector<std::string>& files) {
  for (const auto& file : files) {
    if (file == "-") continue;
    std::ifstream probe(file);
    if (!probe || std::filesystem::is_directory(file)) {
      spdlog::error("cannot read {}", file);
      return false;
    }
  }
  return true;
}

}  // namespace

int replay_command(const ReplayOptions& options) {
  if (!check_readable(options.files)) return exit_status(ExitCode::usage);
  std::vector<std::filesystem::path> rule_files;
  if (options.rules_file) rule_files.push_back(*options.rules_file);
  auto rules = load_rules(rule_files);
  if (!rules) {
    spdlog::error("invalid rules: {}", rules.error().message);
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
  auto store = state::Store::open(dir, {.sync_writes = false});
  if (!store) {
    spdlog::error("{}", store.error().message);
    return exit_status(ExitCode::failure);
  }
  auto pipeline = Pipeline::make(**store, std::move(*rules));
  if (!pipeline) {
    spdlog::error("{}", pipeline.error().message);
    return exit_status(ExitCode::failure);
  }
  Replayer replayer(**pipeline, std::max<std::size_t>(options.batch_lines, 1));
  auto inputs = open_inputs(options.files);
  if (!replayer.replay(inputs)) return exit_status(ExitCode::failure);
  print_summary(replayer.totals(), replayer.lines());
  return exit_status(ExitCode::ok);
}

}  // namespace rolewatch::stream
