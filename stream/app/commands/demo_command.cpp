#include "stream/app/commands/demo_command.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "state/base/temp_dir.hpp"
#include "stream/app/commands/demo_sample_text.hpp"
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

// Every outbox document in order, printed on stdout as read.
Expected<std::vector<std::string>> print_outbox(const std::filesystem::path& state) {
  auto store = state::Store::open(state);
  if (!store) return make_error("cannot reopen the state: " + store.error().message);
  std::vector<std::string> documents;
  auto status = (*store)->scan(state::Family::outbox, "", "", [&](auto, auto value) {
    std::cout << value << '\n';
    documents.emplace_back(value);
    return true;
  });
  std::cout.flush();
  if (!status) return make_error("cannot read the outbox: " + status.error().message);
  return documents;
}

Expected<std::size_t> publish_sample(const std::string& bootstrap, std::istream& sample) {
  auto publisher = MessagePublisher::open(bootstrap);
  if (!publisher) return publisher.error();
  return publish_lines(**publisher, kTopic, kPartitions, sample);
}

// The named file, or the sample compiled into the binary.
std::unique_ptr<std::istream> open_sample(const std::optional<std::filesystem::path>& sample) {
  if (!sample) return std::make_unique<std::istringstream>(kBundledDemoSample);
  if (!std::filesystem::is_regular_file(*sample)) return nullptr;
  auto in = std::make_unique<std::ifstream>(*sample);
  if (!*in) return nullptr;
  return in;
}

// Ends by itself: at the end of the topic, or at the deadline.
bool run_until_drained(const Config& config) {
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
  return run(config, options) == 0;
}

}  // namespace

DemoCounts count_outbox_documents(const std::vector<std::string>& documents) {
  DemoCounts counts;
  std::set<std::string> alert_ids;
  for (const auto& text : documents) {
    auto document = nlohmann::json::parse(text, nullptr, false);
    if (!document.is_object()) continue;
    const auto schema = document.value("schema", "");
    if (schema == "rolewatch.activation.v1") ++counts.activations;
    if (schema != "rolewatch.alert.v1") continue;
    ++counts.alert_revisions;
    alert_ids.insert(document.value("id", ""));
  }
  counts.alerts = alert_ids.size();
  return counts;
}

std::string demo_summary(const DemoCounts& counts) {
  return "demo: " + std::to_string(counts.alerts) + " alert(s) in " +
         std::to_string(counts.alert_revisions) + " revision(s), " +
         std::to_string(counts.activations) + " labelled PIM activation(s)";
}

int demo_command(const std::optional<std::filesystem::path>& sample) {
  const std::string sample_name = sample ? sample->string() : "the bundled sample";
  auto lines = open_sample(sample);
  if (!lines) {
    spdlog::error("demo: cannot read {}", sample_name);
    return exit_status(ExitCode::usage);
  }
  auto broker = EmbeddedBroker::start(kTopic, kPartitions);
  if (!broker) {
    spdlog::error("demo: {}", broker.error().message);
    return exit_status(ExitCode::failure);
  }
  auto published = publish_sample((*broker)->bootstrap(), *lines);
  if (!published) {
    spdlog::error("demo: {}", published.error().message);
    return exit_status(ExitCode::failure);
  }
  spdlog::info(
      "demo: embedded broker {}: published {} Event Hubs messages from {} to {} ({} partitions)",
      (*broker)->bootstrap(), *published, sample_name, kTopic, kPartitions);
  state::TempDir state("rolewatch-demo");
  auto config = demo_config((*broker)->bootstrap(), state.path());
  if (!config) {
    spdlog::error("demo: {}", config.error().message);
    return exit_status(ExitCode::failure);
  }
  if (!run_until_drained(*config)) return exit_status(ExitCode::failure);
  auto documents = print_outbox(state.path());
  if (!documents) {
    spdlog::error("demo: {}", documents.error().message);
    return exit_status(ExitCode::failure);
  }
  auto counts = count_outbox_documents(*documents);
  spdlog::info("{}", demo_summary(counts));
  if (counts.alerts == 0) spdlog::error("demo: no alert was raised");
  return exit_status(counts.alerts > 0 ? ExitCode::ok : ExitCode::failure);
}

}  // namespace rolewatch::stream
