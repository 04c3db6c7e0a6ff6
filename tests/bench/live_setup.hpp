#pragma once
// What every live benchmark starts: a scratch directory, `rolewatch broker`
// as a child, and `rolewatch run` configs pointed at it (static assignment,
// so no group rebalance wait; fetch.wait.max.ms 10 from the test harness,
// because librdkafka 2.0.2's mock cluster does not answer a waiting fetch
// early when data arrives).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "support/kafka_harness.hpp"
#include "support/temp_dir.hpp"

namespace bench {

inline constexpr const char* kTopic = "insights-logs-auditlogs";
inline constexpr const char* kGroup = "rolewatch-bench";

// librdkafka 2.0.2's mock cluster keeps only the newest ~5 MB of each
// partition (older message sets are deleted, the log start moves on). A
// backlog produced before the run starts needs this many partitions to
// survive whole.
int partitions_to_hold(std::uintmax_t bytes);

class LiveSetup {
 public:
  explicit LiveSetup(int partitions);
  const std::string& bootstrap() const { return broker_->bootstrap(); }
  int partitions() const { return partitions_; }
  std::filesystem::path work() const { return work_.path(); }

  // Writes a run config with the given state dir and sinks YAML; returns its path.
  std::filesystem::path write_config(const std::filesystem::path& state_dir,
                                     const std::string& sinks_yaml) const;

 private:
  support::TempDir work_;
  int partitions_;
  std::unique_ptr<support::BrokerProcess> broker_;
};

std::string webhook_sink_yaml(const std::string& url);
std::string file_sink_yaml(const std::filesystem::path& path);

// {"records":[3 Global Administrator removals by probe actor n at `time`]}:
// exactly one alert with the default rule.
std::string probe_message(std::int64_t n, const std::string& time);
// {"records":[`records` ~2 KB UserManagement records]}: skipped by the decoder.
std::string noise_message(int records);

}  // namespace bench
