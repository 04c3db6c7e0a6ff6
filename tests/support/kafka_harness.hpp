#pragma once
// Live-stream test harness: child rolewatch processes (`broker`, `run`),
// producing to the embedded broker, reading a group's committed offsets,
// in-process runs, and reading what a state directory holds afterwards.
#include <librdkafka/rdkafkacpp.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "state/store.hpp"
#include "stream/config/config.hpp"
#include "stream/runtime/runner.hpp"

namespace support {

// A child process with stdout on a pipe and stderr appended to a file.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& stderr_file);
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The first line of stdout (without the newline), waiting up to `timeout`.
  std::optional<std::string> first_line(std::chrono::milliseconds timeout);
  void kill_hard();  // SIGKILL and reap
  // SIGTERM, then the exit code (-1 if it did not exit within `timeout`,
  // 128+signal if a signal ended it).
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  bool running();

 private:
  int wait_for_exit(std::chrono::milliseconds timeout);
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::optional<int> exit_code_;
};

// `rolewatch broker --partitions N --topic T` as a child.
class BrokerProcess {
 public:
  BrokerProcess(int partitions, const std::string& topic, const std::filesystem::path& log);
  const std::string& bootstrap() const { return bootstrap_; }

 private:
  ChildProcess process_;
  std::string bootstrap_;
};

// `rolewatch run --config FILE` as a child.
class RunProcess {
 public:
  RunProcess(const std::filesystem::path& config, const std::filesystem::path& log,
             const std::vector<std::string>& extra_args = {});
  ChildProcess& process() { return process_; }

 private:
  ChildProcess process_;
};

// A config file for a run against `bootstrap`, with test-friendly timings
// (fetch.wait.max.ms 10, commits every 100 ms, short sessions).
struct RunConfigSpec {
  std::string bootstrap;
  std::string topic;
  std::string group;
  std::filesystem::path state_dir;
  std::string assignment = "group";
  std::string extra_yaml;  // appended verbatim
  int commit_interval_ms = 100;
  // `rolewatch run` delivers alerts and then removes them from the outbox.
  // A sink that is always down keeps them there for the test to read.
  bool hold_alerts = true;
};
std::string run_config_yaml(const RunConfigSpec& spec);
// Waits until `text` appears in the file (a child's log). False at the deadline.
bool wait_for_log(const std::filesystem::path& log, const std::string& text,
                  std::chrono::milliseconds deadline = std::chrono::seconds(15));
void write_text(const std::filesystem::path& path, const std::string& text);
std::string read_text(const std::filesystem::path& path);

// The same settings as a Config, for in-process runs.
rolewatch::stream::Config run_config(const RunConfigSpec& spec);

// Runs the live path in this process until every partition is caught up.
int run_until_caught_up(const rolewatch::stream::Config& config,
                        std::chrono::seconds deadline = std::chrono::seconds(30));

// Publishes (partition, value) pairs and waits for the broker's acks.
void publish(const std::string& bootstrap, const std::string& topic,
             const std::vector<std::pair<std::int32_t, std::string>>& messages);

// Reads a group's committed offsets repeatedly over one connection.
class OffsetQuery {
 public:
  OffsetQuery(const std::string& bootstrap, const std::string& group);
  ~OffsetQuery();
  std::map<std::int32_t, std::int64_t> committed(const std::string& topic, int partitions);

 private:
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
};

// Per partition: the group's committed offset (-1: none) and the high
// watermark.
std::map<std::int32_t, std::int64_t> committed_offsets(const std::string& bootstrap,
                                                       const std::string& group,
                                                       const std::string& topic, int partitions);
std::map<std::int32_t, std::int64_t> high_watermarks(const std::string& bootstrap,
                                                     const std::string& topic, int partitions);
// Waits until the group has committed every partition up to its high
// watermark (the run processed everything). False at the deadline.
bool wait_until_committed(const std::string& bootstrap, const std::string& group,
                          const std::string& topic, int partitions,
                          std::chrono::milliseconds deadline);

// After the run: what the state directory holds.
// The alerts (rolewatch.alert.v1) in a state dir's outbox, activations left out,
// as latest_revisions.
std::vector<nlohmann::json> outbox_alerts(const std::filesystem::path& state_dir);
std::map<std::string, std::string> family_contents(const std::filesystem::path& state_dir,
                                                   rolewatch::state::Family family);
// The windows family with each entry's `restored` mark cleared and the
// burst alerts' revision numbers and wall-clock times zeroed: a window
// rebuilt by a restore or after a crash holds the same removals and alert
// ids as one built in one run.
std::map<std::string, std::string> windows_without_restore_marks(
    const std::filesystem::path& state_dir);
// alert id -> its highest revision without wall-clock times, status or revision.
std::map<std::string, nlohmann::json> comparable_alerts(const std::vector<nlohmann::json>& alerts);
// One document per alert id: its highest revision (the whole burst). The
// same revision twice stays twice, so a repeated alert still shows.
std::vector<nlohmann::json> latest_revisions(const std::vector<nlohmann::json>& alerts);

// --- Event time across partitions (issue 9) ---------------------------------

// A message with its broker timestamp (Event Hubs' enqueued time).
struct TimedMessage {
  std::int32_t partition = 0;
  std::string value{};
  std::int64_t timestamp_ms = 0;  // 0: the producer's clock
};
// Publishes in order and waits for the broker's acks.
void publish_timed(const std::string& bootstrap, const std::string& topic,
                   const std::vector<TimedMessage>& messages);

// Keys a run config gets on top of run_config_yaml's.
struct RunConfigExtras {
  std::string source_yaml{};   // lines under `source:`, e.g. "  max_skew: 1m\n"
  std::string log_level{};     // empty: the default (info)
  int stats_interval_s = 0;    // the run's stats line every N s (0: none)
  std::string http_listen{};   // empty: no HTTP server
  int batch_max_messages = 0;  // 0: run_config_yaml's 200
  std::string twin_window{};   // rules.twin_window; empty: the default (2m)
  std::string state_yaml{};    // lines under `state:`, e.g. "  min_free_mb: 16\n"
};
std::string run_config_yaml(const RunConfigSpec& spec, const RunConfigExtras& extras);
// The same as a Config; throws with the parser's message when it is refused.
rolewatch::stream::Config run_config(const RunConfigSpec& spec, const RunConfigExtras& extras);

// run_until_caught_up with hooks (and options) of the caller's: the options'
// stop_at_end, install_signal_handlers and stop are set here.
int run_until_caught_up(const rolewatch::stream::Config& config,
                        rolewatch::stream::RunOptions options,
                        const rolewatch::stream::RunHooks& hooks,
                        std::chrono::seconds deadline = std::chrono::seconds(30));

}  // namespace support
