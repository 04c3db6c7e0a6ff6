#include "stream/app/demo_command.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>

#include "state/base/temp_dir.hpp"
#include "stream/config/rules_loader.hpp"
#include "stream/runtime/periodic_task.hpp"
#include "stream/runtime/runner.hpp"
#include "stream/runtime/stop_signal.hpp"
#include "stream/source/kafka/embedded_broker.hpp"
#include "stream/source/kafka/message_publisher.hpp"

namespace rolewatch::stream {
namespace {

constexpr const char* kTopic = "insights-logs-auditlogs";
constexpr int kPartitions = 4;
constexpr auto kDeadline = std::chrono::seconds(60);

Expected<Config> demo_config(const std::string& bootstrap, const std::filesystem::path& state) {
  Config config;
  config.source.brokers = bootstrap;
  config.source.topic = kTopic;
  config.source.group = "rolewatch-demo";
  // No group join to wait for; the mock answers fetches only when
  // fetch.wait.max.ms expires.
  config.source.assignment = AssignmentMode::static_all;
  config.source.properties = {{"fetch.wait.max.ms", kEmbeddedFetchWaitMaxMs, false},
                              {"statistics.interval.ms", "0", false}};
  config.state_dir = state;
  config.log.stats_interval_s = 0;
  auto rules = load_rules({});
  if (!rules) return rules.error();
  config.rules = std::move(*rules);
  return config;
}

std::size_t print_outbox(const std::filesystem::path& state) {
  auto store = state::Store::open(state);
  if (!store) {
    spdlog::error("demo: cannot reopen the state: {}", store.error().message);
    return exit_status(ExitCode::ok);
  }
  std::size_t alerts = 0;
  auto status = (*store)->scan(state::Family::outbox, "", "", [&](auto, auto value) {
    std::cout << value << '\n';
    ++alerts;
    return true;
  });
  if (!status) spdlog::error("demo: cannot read the outbox: {}", status.error().message);
  std::cout.flush();
  return alerts;
}

Expected<std::size_t> publish_sample(const std::string& bootstrap,
                                     const std::filesystem::path& sample) {
  std::ifstream in(sample);
  if (!in) return make_error("cannot read " + sample.string());
  auto publisher = MessagePublisher::open(bootstrap);
  if (!publisher) return publisher.error();
  return publish_lines(**publisher, kTopic, kPartitions, in);
}

}  // namespace

int demo_command(const std::filesystem::path& sample) {
  if (!std::filesystem::is_regular_file(sample)) {
    spdlog::error("demo: cannot read {}", sample.string());
    return exit_status(ExitCode::usage);
  }
  auto broker = EmbeddedBroker::start(kTopic, kPartitions);
  if (!broker) {
    spdlog::error("demo: {}", broker.error().message);
    return exit_status(ExitCode::failure);
  }
  auto published = publish_sample((*broker)->bootstrap(), sample);
  if (!published) {
    spdlog::error("demo: {}", published.error().message);
    return exit_status(ExitCode::failure);
  }
  spdlog::info(
      "demo: embedded broker {}: published {} Event Hubs messages from {} to {} ({} partitions)",
      (*broker)->bootstrap(), *published, sample.string(), kTopic, kPartitions);
  state::TempDir state("rolewatch-demo");
  auto config = demo_config((*broker)->bootstrap(), state.path());
  if (!config) {
    spdlog::error("demo: {}", config.error().message);
    return exit_status(ExitCode::failure);
  }
  // Ends by itself: at the end of the topic, or at the deadline.
  std::atomic<bool> stop{false};
  install_stop_signal_handlers();
  auto started = std::chrono::steady_clock::now();
  PeriodicTask deadline(std::chrono::milliseconds(100), [&] {
    if (stop_requested() || std::chrono::steady_clock::now() - started > kDeadline) stop = true;
  });
  RunOptions options;
  options.stop_at_end = true;
  options.install_signal_handlers = false;
  options.stop = &stop;
  if (run(*config, options) != 0) return exit_status(ExitCode::failure);
  auto alerts = print_outbox(state.path());
  spdlog::info("demo: {} alert(s)", alerts);
  return alerts > 0 ? 0 : 1;
}

}  // namespace rolewatch::stream
