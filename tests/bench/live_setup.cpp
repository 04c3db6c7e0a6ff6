#include "bench/live_setup.hpp"

#include <algorithm>
#include <cstdlib>

#include "bench/webhook_clock.hpp"
#include "support/audit_records.hpp"

namespace bench {

int partitions_to_hold(std::uintmax_t bytes) {
  constexpr std::uintmax_t kKeptPerPartition = 2u << 20;  // well below the mock's 5 MB
  return std::max(4, static_cast<int>(bytes / kKeptPerPartition) + 1);
}

LiveSetup::LiveSetup(int partitions)
    : partitions_(partitions),
      broker_(std::make_unique<support::BrokerProcess>(partitions, kTopic,
                                                       work_.path() / "broker.log")) {}

std::filesystem::path LiveSetup::write_config(const std::filesystem::path& state_dir,
                                              const std::string& sinks_yaml) const {
  support::RunConfigSpec spec;
  spec.bootstrap = bootstrap();
  spec.topic = kTopic;
  spec.group = kGroup;
  spec.state_dir = state_dir;
  spec.assignment = "static";
  spec.hold_alerts = false;
  spec.extra_yaml = sinks_yaml;
  auto path = work_.path() / ("run-" + state_dir.filename().string() + ".yaml");
  // BENCH_SOURCE_YAML: extra lines under `source:` (e.g. "  max_skew: 1h\n"),
  // to compare settings on the same input.
  const char* source_yaml = std::getenv("BENCH_SOURCE_YAML");
  support::write_text(
      path, support::run_config_yaml(spec, {.source_yaml = source_yaml ? source_yaml : ""}));
  return path;
}

std::string webhook_sink_yaml(const std::string& url) {
  return "sinks:\n  - {type: webhook, name: bench, url: '" + url +
         "', secret: whsec_dGVzdC1zZWNyZXQ=}\n";
}

std::string file_sink_yaml(const std::filesystem::path& path) {
  return "sinks:\n  - {type: file, path: '" + path.string() + "'}\n";
}

std::string probe_message(std::int64_t n, const std::string& time) {
  auto id = probe_actor_id(n);
  auto actor = support::user(id, "probe" + std::to_string(n) + "@contoso.com", "Probe");
  std::vector<support::Json> records;
  for (int target = 1; target <= 3; ++target) {
    records.push_back(support::core_directory_removal(
        {.actor = actor, .target = support::admin(target), .time = time}));
  }
  return support::event_hubs_message(records);
}

std::string noise_message(int records) {
  std::vector<support::Json> list;
  for (int i = 0; i < records; ++i) list.push_back(support::non_role_record());
  return support::event_hubs_message(list);
}

}  // namespace bench
