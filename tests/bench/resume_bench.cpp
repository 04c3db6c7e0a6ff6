// Restart with a big state: `rolewatch run` starts on a state directory
// filled beforehand (replay of a fill stream), with one probe burst already
// waiting on the broker. Resume time = process start -> partitions assigned
// (the log line) and -> the probe's alert at the webhook.
#include <cstdio>
#include <fstream>
#include <thread>

#include "bench/acked_producer.hpp"
#include "bench/bench_stats.hpp"
#include "bench/latency_bench.hpp"
#include "bench/live_setup.hpp"
#include "bench/webhook_clock.hpp"
#include "stream/source/kafka/message_publisher.hpp"

namespace bench {
namespace {

std::optional<Clock::time_point> wait_for_line(const std::filesystem::path& log,
                                               const std::string& text,
                                               std::chrono::seconds deadline) {
  auto end = Clock::now() + deadline;
  while (Clock::now() < end) {
    if (support::read_text(log).find(text) != std::string::npos) return Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return std::nullopt;
}

// Streams more records through the resumed run: records/s and peak RSS.
void stream_more(const ResumeSpec& spec, const LiveSetup& setup) {
  auto publisher = rolewatch::stream::MessagePublisher::open(setup.bootstrap());
  if (!publisher) throw std::runtime_error(publisher.error().message);
  auto start = Clock::now();
  std::ifstream lines(spec.then_file);
  auto count = rolewatch::stream::publish_lines(**publisher, kTopic, setup.partitions(), lines);
  if (!count) throw std::runtime_error(count.error().message);
  bool done = support::wait_until_committed(setup.bootstrap(), kGroup, kTopic, setup.partitions(),
                                            std::chrono::minutes(20));
  double seconds = ms_between(start, Clock::now()) / 1000.0;
  std::printf(" then_records=%lld then_done=%d then_records_per_s=%.0f", spec.then_records,
              done ? 1 : 0, static_cast<double>(spec.then_records) / seconds);
}

}  // namespace

int resume_bench(const ResumeSpec& spec) {
  // The follow-up stream is produced while the run consumes; enough
  // partitions that none of it is dropped by the mock's retention meanwhile.
  LiveSetup setup(spec.then_file.empty()
                      ? spec.partitions
                      : std::max(spec.partitions,
                                 partitions_to_hold(std::filesystem::file_size(spec.then_file))));
  {
    AckedProducer producer(setup.bootstrap());
    producer.send(kTopic, 0, probe_message(1, spec.burst_time), 1);
    producer.flush();
  }
  WebhookClock hooks;
  auto config = setup.write_config(spec.state_dir, webhook_sink_yaml(hooks.url()));
  auto log = setup.work() / "run.log";
  auto start = Clock::now();
  support::RunProcess run(config, log);
  auto assigned = wait_for_line(log, "kafka: reading all", std::chrono::seconds(60));
  auto alerted = hooks.wait_for(1, std::chrono::seconds(60));
  auto pid = find_process(config.string());
  if (!assigned || !alerted) {
    std::fprintf(stderr, "resume: no %s; see %s\n", assigned ? "alert" : "assignment", log.c_str());
    return 1;
  }
  std::printf("resume state_mb=%.1f assigned_ms=%.0f first_alert_ms=%.0f rss_after_alert_mb=%.1f",
              static_cast<double>(directory_bytes(spec.state_dir)) / 1e6,
              ms_between(start, *assigned), ms_between(start, *alerted), peak_rss_mb(pid));
  if (!spec.then_file.empty()) stream_more(spec, setup);
  std::printf(" peak_rss_mb=%.1f\n", peak_rss_mb(pid));
  run.process().terminate();
  return 0;
}

}  // namespace bench
