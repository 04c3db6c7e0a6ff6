#include "support/kafka_harness.hpp"

#include <fcntl.h>
#include <librdkafka/rdkafkacpp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "state/group_window.hpp"
#include "stream/config/rules_loader.hpp"
#include "stream/runtime/runner.hpp"
#include "stream/source/kafka/message_publisher.hpp"
#include "support/command.hpp"

namespace support {
namespace {

using Clock = std::chrono::steady_clock;

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::unique_ptr<RdKafka::KafkaConsumer> query_consumer(const std::string& bootstrap,
                                                       const std::string& group) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  conf->set("bootstrap.servers", bootstrap, err);
  conf->set("group.id", group, err);
  conf->set("enable.auto.commit", "false", err);
  conf->set("log_level", "3", err);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) throw std::runtime_error("query consumer: " + err);
  return consumer;
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           const std::filesystem::path& stderr_file) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    int err = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (err >= 0) ::dup2(err, STDERR_FILENO);
    ::close(pipe_fds[0]);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  stdout_fd_ = pipe_fds[0];
}

ChildProcess::~ChildProcess() {
  if (running()) kill_hard();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

std::optional<std::string> ChildProcess::first_line(std::chrono::milliseconds timeout) {
  std::string line;
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    pollfd fd{stdout_fd_, POLLIN, 0};
    if (::poll(&fd, 1, 50) <= 0) continue;
    char c = 0;
    if (::read(stdout_fd_, &c, 1) != 1) return std::nullopt;
    if (c == '\n') return line;
    line += c;
  }
  return std::nullopt;
}

bool ChildProcess::running() {
  if (exit_code_ || pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    exit_code_ = decode_status(status);
    return false;
  }
  return true;
}

int ChildProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (running() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return exit_code_.value_or(-1);
}

void ChildProcess::kill_hard() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  wait_for_exit(std::chrono::seconds(10));
}

int ChildProcess::terminate(std::chrono::milliseconds timeout) {
  if (running()) ::kill(pid_, SIGTERM);
  return wait_for_exit(timeout);
}

BrokerProcess::BrokerProcess(int partitions, const std::string& topic,
                             const std::filesystem::path& log)
    : process_({rolewatch_binary(), "broker", "--partitions", std::to_string(partitions), "--topic",
                topic},
               log) {
  auto line = process_.first_line(std::chrono::seconds(10));
  if (!line) throw std::runtime_error("rolewatch broker printed no bootstrap address");
  bootstrap_ = *line;
}

RunProcess::RunProcess(const std::filesystem::path& config, const std::filesystem::path& log,
                       const std::vector<std::string>& extra_args)
    : process_(
          [&] {
            std::vector<std::string> argv{rolewatch_binary()};
            argv.insert(argv.end(), extra_args.begin(), extra_args.end());
            argv.insert(argv.end(), {"run", "--config", config.string()});
            return argv;
          }(),
          log) {}

std::string run_config_yaml(const RunConfigSpec& spec) {
  std::ostringstream yaml;
  yaml << "source:\n"
       << "  brokers: " << spec.bootstrap << "\n"
       << "  topic: " << spec.topic << "\n"
       << "  group: " << spec.group << "\n"
       << "  assignment: " << spec.assignment << "\n"
       << "  batch: {max_messages: 200, max_wait_ms: 50}\n"
       << "  properties:\n"
       << "    fetch.wait.max.ms: 10\n"
       << "    auto.commit.interval.ms: " << spec.commit_interval_ms << "\n"
       << "    session.timeout.ms: 4000\n"
       << "    heartbeat.interval.ms: 500\n"
       << "    statistics.interval.ms: 0\n"
       << "state:\n  dir: " << spec.state_dir.string() << "\n"
       << "log: {stats_interval_s: 0}\n";
  if (spec.hold_alerts) {
    // Port 9 (discard): nothing listens, every delivery is retried later.
    yaml << "sinks:\n  - {type: webhook, name: held, url: 'http://127.0.0.1:9/hook', "
         << "secret: whsec_dGVzdC1zZWNyZXQ=}\n";
  }
  yaml << spec.extra_yaml;
  return yaml.str();
}

bool wait_for_log(const std::filesystem::path& log, const std::string& text,
                  std::chrono::milliseconds deadline) {
  auto end = Clock::now() + deadline;
  while (Clock::now() < end) {
    if (read_text(log).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

rolewatch::stream::Config run_config(const RunConfigSpec& spec) {
  auto config = rolewatch::stream::parse_config(run_config_yaml(spec));
  if (!config) throw std::runtime_error(config.error().message);
  return *config;
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int run_until_caught_up(const rolewatch::stream::Config& config, std::chrono::seconds deadline) {
  std::atomic<bool> stop{false};
  std::thread timer([&] {
    auto end = Clock::now() + deadline;
    while (!stop && Clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    stop = true;
  });
  rolewatch::stream::RunOptions options;
  options.stop_at_end = true;
  options.install_signal_handlers = false;
  options.stop = &stop;
  int code = rolewatch::stream::run(config, options);
  stop = true;
  timer.join();
  return code;
}

void publish(const std::string& bootstrap, const std::string& topic,
             const std::vector<std::pair<std::int32_t, std::string>>& messages) {
  auto publisher = rolewatch::stream::MessagePublisher::open(bootstrap);
  if (!publisher) throw std::runtime_error(publisher.error().message);
  for (const auto& [partition, value] : messages) {
    auto status = (*publisher)->send(topic, partition, value);
    if (!status) throw std::runtime_error(status.error().message);
  }
  auto status = (*publisher)->flush();
  if (!status) throw std::runtime_error(status.error().message);
}

OffsetQuery::OffsetQuery(const std::string& bootstrap, const std::string& group)
    : consumer_(query_consumer(bootstrap, group)) {}

OffsetQuery::~OffsetQuery() {
  consumer_->close();
}

std::map<std::int32_t, std::int64_t> OffsetQuery::committed(const std::string& topic,
                                                            int partitions) {
  std::vector<RdKafka::TopicPartition*> list;
  for (int p = 0; p < partitions; ++p) list.push_back(RdKafka::TopicPartition::create(topic, p));
  std::map<std::int32_t, std::int64_t> offsets;
  if (consumer_->committed(list, 5000) == RdKafka::ERR_NO_ERROR) {
    for (auto* tp : list) offsets[tp->partition()] = tp->offset() >= 0 ? tp->offset() : -1;
  }
  RdKafka::TopicPartition::destroy(list);
  return offsets;
}

std::map<std::int32_t, std::int64_t> committed_offsets(const std::string& bootstrap,
                                                       const std::string& group,
                                                       const std::string& topic, int partitions) {
  return OffsetQuery(bootstrap, group).committed(topic, partitions);
}

std::map<std::int32_t, std::int64_t> high_watermarks(const std::string& bootstrap,
                                                     const std::string& topic, int partitions) {
  auto consumer = query_consumer(bootstrap, "rolewatch-test-watermarks");
  std::map<std::int32_t, std::int64_t> offsets;
  for (int p = 0; p < partitions; ++p) {
    std::int64_t low = 0, high = 0;
    if (consumer->query_watermark_offsets(topic, p, &low, &high, 5000) == RdKafka::ERR_NO_ERROR) {
      offsets[p] = high;
    }
  }
  consumer->close();
  return offsets;
}

bool wait_until_committed(const std::string& bootstrap, const std::string& group,
                          const std::string& topic, int partitions,
                          std::chrono::milliseconds deadline) {
  auto high = high_watermarks(bootstrap, topic, partitions);
  OffsetQuery query(bootstrap, group);
  auto end = Clock::now() + deadline;
  while (Clock::now() < end) {
    if (query.committed(topic, partitions) == high) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::vector<nlohmann::json> outbox_alerts(const std::filesystem::path& state_dir) {
  std::vector<nlohmann::json> alerts;
  for (const auto& [key, value] : family_contents(state_dir, rolewatch::state::Family::outbox)) {
    auto document = nlohmann::json::parse(value);
    // Labelled activations share the outbox; they are events, not alerts.
    if (document.value("schema", "") == "rolewatch.alert.v1") alerts.push_back(std::move(document));
  }
  return latest_revisions(alerts);
}

std::vector<nlohmann::json> latest_revisions(const std::vector<nlohmann::json>& alerts) {
  std::vector<nlohmann::json> out;
  for (const auto& alert : alerts) {
    auto same = std::find_if(out.begin(), out.end(), [&](const nlohmann::json& kept) {
      return kept["id"] == alert["id"] && kept.value("revision", 1) != alert.value("revision", 1);
    });
    if (same == out.end()) {
      out.push_back(alert);  // a new id, or the same revision again: kept, so it shows
    } else if (same->value("revision", 1) < alert.value("revision", 1)) {
      *same = alert;
    }
  }
  return out;
}

std::map<std::string, std::string> family_contents(const std::filesystem::path& state_dir,
                                                   rolewatch::state::Family family) {
  auto store = rolewatch::state::Store::open(state_dir);
  if (!store) throw std::runtime_error(store.error().message);
  std::map<std::string, std::string> contents;
  auto status = (*store)->scan(family, "", "", [&](auto key, auto value) {
    contents.emplace(std::string(key), std::string(value));
    return true;
  });
  if (!status) throw std::runtime_error(status.error().message);
  return contents;
}

std::map<std::string, nlohmann::json> comparable_alerts(const std::vector<nlohmann::json>& alerts) {
  std::map<std::string, nlohmann::json> by_id;
  for (auto alert : alerts) {
    auto& kept = by_id[alert.at("id").get<std::string>()];
    if (!kept.is_null() && kept.value("revision", 1) > alert.value("revision", 1)) continue;
    // Wall clock, and how far the burst's lifecycle got when the run ended
    // (the watermark decides whether it closed): not part of its scope.
    for (const auto* key : {"detectedAt", "updatedAt", "status", "revision"}) alert.erase(key);
    kept = alert;
  }
  return by_id;
}

void publish_timed(const std::string& bootstrap, const std::string& topic,
                   const std::vector<TimedMessage>& messages) {
  auto publisher = rolewatch::stream::MessagePublisher::open(bootstrap);
  if (!publisher) throw std::runtime_error(publisher.error().message);
  for (const auto& message : messages) {
    auto status = (*publisher)->send(topic, message.partition, message.value, message.timestamp_ms);
    if (!status) throw std::runtime_error(status.error().message);
  }
  auto status = (*publisher)->flush();
  if (!status) throw std::runtime_error(status.error().message);
}

std::string run_config_yaml(const RunConfigSpec& spec, const RunConfigExtras& extras) {
  auto yaml = run_config_yaml(spec);
  if (!extras.source_yaml.empty()) {
    const std::string source = "source:\n";
    auto at = yaml.find(source);
    if (at == std::string::npos) throw std::logic_error("run_config_yaml: no source section");
    yaml.insert(at + source.size(), extras.source_yaml);
  }
  if (!extras.log_level.empty() || extras.stats_interval_s > 0) {
    const std::string log = "log: {stats_interval_s: 0}";
    auto at = yaml.find(log);
    if (at == std::string::npos) throw std::logic_error("run_config_yaml: no log section");
    std::string level = extras.log_level.empty() ? "" : ", level: " + extras.log_level;
    yaml.replace(
        at, log.size(),
        "log: {stats_interval_s: " + std::to_string(extras.stats_interval_s) + level + "}");
  }
  if (extras.batch_max_messages > 0) {
    const std::string batch = "batch: {max_messages: 200,";
    auto at = yaml.find(batch);
    if (at == std::string::npos) throw std::logic_error("run_config_yaml: no batch settings");
    yaml.replace(at, batch.size(),
                 "batch: {max_messages: " + std::to_string(extras.batch_max_messages) + ",");
  }
  if (!extras.state_yaml.empty()) {
    auto at = yaml.find("state:\n  dir: ");
    if (at == std::string::npos) throw std::logic_error("run_config_yaml: no state section");
    yaml.insert(yaml.find('\n', yaml.find("dir: ", at)) + 1, extras.state_yaml);
  }
  if (!extras.http_listen.empty()) yaml += "http: {listen: '" + extras.http_listen + "'}\n";
  if (!extras.twin_window.empty()) yaml += "rules: {twin_window: " + extras.twin_window + "}\n";
  return yaml;
}

rolewatch::stream::Config run_config(const RunConfigSpec& spec, const RunConfigExtras& extras) {
  auto config = rolewatch::stream::parse_config(run_config_yaml(spec, extras));
  if (!config) throw std::runtime_error(config.error().message);
  return *config;
}

int run_until_caught_up(const rolewatch::stream::Config& config,
                        rolewatch::stream::RunOptions options,
                        const rolewatch::stream::RunHooks& hooks, std::chrono::seconds deadline) {
  std::atomic<bool> stop{false};
  std::thread timer([&] {
    auto end = Clock::now() + deadline;
    while (!stop && Clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    stop = true;
  });
  options.stop_at_end = true;
  options.install_signal_handlers = false;
  options.stop = &stop;
  int code = rolewatch::stream::run(config, options, hooks);
  stop = true;
  timer.join();
  return code;
}

}  // namespace support

namespace support {

std::map<std::string, std::string> windows_without_restore_marks(
    const std::filesystem::path& state_dir) {
  auto windows = family_contents(state_dir, rolewatch::state::Family::windows);
  for (auto& [key, value] : windows) {
    auto window = rolewatch::state::decode_group_window(value);
    if (!window) continue;  // left as stored: the comparison shows it
    for (auto& entry : window->entries) entry.restored = false;
    // Which alerts the window holds is state; their revision numbers (a
    // rebuilt burst numbers past the old owner's) and wall-clock times
    // are not comparable between runs.
    for (auto& alert : window->alerts) alert = {alert.id, 0, 0, 0, false, alert.closed};
    value = rolewatch::state::encode_group_window(*window);
  }
  return windows;
}

}  // namespace support
