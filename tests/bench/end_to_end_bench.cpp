// End-to-end through the embedded broker: the generated file is produced
// first (timed separately), then `rolewatch run` consumes it to committed
// state; done when the group's committed offsets reach the high watermarks.
#include <cstdio>
#include <fstream>
#include <thread>

#include "bench/bench_stats.hpp"
#include "bench/latency_bench.hpp"
#include "bench/live_setup.hpp"
#include "stream/source/kafka/message_publisher.hpp"
#include "support/command.hpp"

namespace bench {
namespace {

long long total(const std::map<std::int32_t, std::int64_t>& offsets) {
  long long sum = 0;
  for (const auto& [partition, offset] : offsets) sum += std::max<std::int64_t>(offset, 0);
  return sum;
}

std::size_t produce_file(const LiveSetup& setup, const std::filesystem::path& file) {
  auto publisher = rolewatch::stream::MessagePublisher::open(setup.bootstrap());
  if (!publisher) throw std::runtime_error(publisher.error().message);
  std::ifstream lines(file);
  auto count = rolewatch::stream::publish_lines(**publisher, kTopic, setup.partitions(), lines);
  if (!count) throw std::runtime_error(count.error().message);
  return *count;
}

}  // namespace

int end_to_end_bench(const EndToEndSpec& spec) {
  LiveSetup setup(
      std::max(spec.partitions, partitions_to_hold(std::filesystem::file_size(spec.file))));
  auto produce_start = Clock::now();
  auto messages = produce_file(setup, spec.file);
  double produce_s = ms_between(produce_start, Clock::now()) / 1000.0;
  auto high = support::high_watermarks(setup.bootstrap(), kTopic, setup.partitions());

  auto state = setup.work() / "state";
  auto config = setup.write_config(state, file_sink_yaml(setup.work() / "alerts.jsonl"));
  support::OffsetQuery query(setup.bootstrap(), kGroup);
  auto start = Clock::now();
  support::RunProcess run(config, setup.work() / "run.log");
  std::optional<Clock::time_point> first_commit;
  for (;;) {
    auto committed = query.committed(kTopic, setup.partitions());
    auto now = Clock::now();
    if (!first_commit && total(committed) > 0) first_commit = now;
    if (committed == high) break;
    if (!run.process().running() || now - start > std::chrono::minutes(30)) {
      std::fprintf(stderr, "e2e: run stopped or timed out; see %s\n",
                   (setup.work() / "run.log").c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  double run_s = ms_between(start, Clock::now()) / 1000.0;
  double steady_s = ms_between(*first_commit, Clock::now()) / 1000.0;
  auto pid = find_process(config.string());
  std::printf(
      "e2e records=%lld messages=%zu partitions=%d bytes=%llu produce_s=%.2f run_s=%.2f "
      "records_per_s=%.0f after_first_commit_s=%.2f peak_rss_mb=%.1f state_mb=%.1f\n",
      spec.records, messages, setup.partitions(),
      static_cast<unsigned long long>(std::filesystem::file_size(spec.file)), produce_s, run_s,
      static_cast<double>(spec.records) / run_s, steady_s, peak_rss_mb(pid),
      static_cast<double>(directory_bytes(state)) / 1e6);
  run.process().terminate();
  // The run's own counters (pauses of partitions ahead of the watermark, late records).
  auto log = support::read_text(setup.work() / "run.log");
  auto stats = log.rfind("run stats:");
  if (stats != std::string::npos) {
    std::printf("e2e_stats %s\n", log.substr(stats, log.find('\n', stats) - stats).c_str());
  }
  // The broker's own read limit on this box: kcat reading the same topic.
  auto kcat_start = Clock::now();
  auto kcat = support::run_shell("kcat -b " + setup.bootstrap() + " -t " + kTopic +
                                 " -C -e -q -o beginning -f '%o\\n' | wc -l");
  std::printf("e2e_kcat read_s=%.2f messages=%s", ms_between(kcat_start, Clock::now()) / 1000.0,
              kcat.out.c_str());
  std::printf("e2e_check alerts=%zu\n",  // compare with replay's count on the same file
              support::lines_of(support::read_text(setup.work() / "alerts.jsonl")).size());
  return 0;
}

}  // namespace bench
