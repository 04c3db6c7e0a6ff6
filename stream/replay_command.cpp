#include "stream/replay_command.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "stream/chunked_lines.hpp"
#include "stream/pipeline.hpp"
#include "stream/rules_loader.hpp"

namespace rolewatch::stream {
namespace {

// A temporary state directory that removes itself.
class TempDir {
 public:
  TempDir() {
    auto base = std::filesystem::temp_directory_path() / "rolewatch-replay-XXXXXX";
    std::string pattern = base.string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

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

class Replayer {
 public:
  Replayer(Pipeline& pipeline, std::size_t batch_lines)
      : pipeline_(pipeline), batch_lines_(batch_lines) {}

  // Returns false when the state could not be written (nothing of that
  // batch is committed).
  bool replay_stream(std::istream& in, const std::string& name) {
    ChunkedLines chunks(in);
    std::vector<std::string_view> chunk;
    std::int64_t number = 0;
    std::vector<std::int64_t> numbers;
    while (chunks.next(chunk)) {
      for (auto line : chunk) {
        ++number;
        if (blank(line)) continue;
        lines_.push_back(line);
        numbers.push_back(number);
        if (lines_.size() >= batch_lines_ && !flush(name, numbers)) return false;
      }
      // The lines are views into the chunk: commit before reading the next.
      if (!flush(name, numbers)) return false;
    }
    return true;
  }

  const BatchCounters& totals() const { return totals_; }
  std::uint64_t lines() const { return line_count_; }

 private:
  bool flush(const std::string& name, std::vector<std::int64_t>& numbers) {
    if (lines_.empty()) return true;
    std::vector<SourceMessage> messages;
    messages.reserve(lines_.size());
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      messages.push_back(SourceMessage{name, 0, numbers[i], 0, lines_[i], false});
    }
    auto result = pipeline_.process(messages);
    if (!result) {
      spdlog::error("{}: {}", name, result.error().message);
      return false;
    }
    for (const auto& document : result->documents) std::cout << document.dump() << '\n';
    std::cout.flush();
    totals_ += result->counters;
    line_count_ += lines_.size();
    lines_.clear();
    numbers.clear();
    return true;
  }

  Pipeline& pipeline_;
  std::size_t batch_lines_;
  std::vector<std::string_view> lines_;  // views into the current chunk
  BatchCounters totals_;
  std::uint64_t line_count_ = 0;
};

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
  if (!check_readable(options.files)) return 2;
  std::vector<std::filesystem::path> rule_files;
  if (options.rules_file) rule_files.push_back(*options.rules_file);
  auto rules = load_rules(rule_files);
  if (!rules) {
    spdlog::error("invalid rules: {}", rules.error().message);
    return 2;
  }
  std::optional<TempDir> temp;
  if (!options.state_dir) temp.emplace();
  auto dir = options.state_dir ? *options.state_dir : temp->path();
  if (dir.empty()) {
    spdlog::error("cannot create a temporary state directory");
    return 1;
  }
  // Replay is a batch job: a crash only means running it again, so skip the
  // per-batch fsync that `run` needs.
  auto store = state::Store::open(dir, {.sync_writes = false});
  if (!store) {
    spdlog::error("{}", store.error().message);
    return 1;
  }
  auto pipeline = Pipeline::make(**store, std::move(*rules));
  if (!pipeline) {
    spdlog::error("{}", pipeline.error().message);
    return 1;
  }
  Replayer replayer(**pipeline, std::max<std::size_t>(options.batch_lines, 1));
  for (const auto& file : options.files) {
    bool ok = true;
    if (file == "-") {
      ok = replayer.replay_stream(std::cin, "-");
    } else {
      std::ifstream in(file);
      ok = replayer.replay_stream(in, file);
    }
    if (!ok) return 1;
  }
  print_summary(replayer.totals(), replayer.lines());
  return 0;
}

}  // namespace rolewatch::stream
