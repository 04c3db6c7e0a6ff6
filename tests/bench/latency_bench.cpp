#include "bench/latency_bench.hpp"

#include <cstdio>
#include <thread>
#include <vector>

#include "bench/acked_producer.hpp"
#include "bench/bench_stats.hpp"
#include "bench/live_setup.hpp"
#include "bench/webhook_clock.hpp"

namespace bench {
namespace {

struct Probe {
  Clock::time_point produced;
};

// Sends spec.rate messages/s for spec.seconds; every probe_every_ms one of
// them is a probe burst. Returns when each probe was handed to the producer.
std::vector<Probe> paced_send(const LatencySpec& spec, AckedProducer& producer,
                              double& achieved_rate) {
  auto noise = noise_message(spec.records_per_message);
  std::vector<Probe> probes;
  auto start = Clock::now();
  auto end = start + std::chrono::seconds(spec.seconds);
  auto next_probe = start;
  auto gap = std::chrono::duration<double>(1.0 / spec.rate);
  long long sent = 0;
  for (auto now = start; now < end; now = Clock::now()) {
    auto due = start + std::chrono::duration_cast<Clock::duration>(gap * sent);
    if (now < due) {
      producer.poll();
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      continue;
    }
    auto partition = static_cast<std::int32_t>(sent % spec.partitions);
    if (now >= next_probe) {
      auto n = static_cast<std::int64_t>(probes.size()) + 1;  // probe 0 was the warm-up
      producer.send(kTopic, partition, probe_message(n, event_time_now()), n);
      probes.push_back({Clock::now()});
      next_probe += std::chrono::milliseconds(spec.probe_every_ms);
    } else {
      producer.send(kTopic, partition, noise);
    }
    ++sent;
  }
  achieved_rate = static_cast<double>(sent) / ms_between(start, Clock::now()) * 1000.0;
  return probes;
}

void print_latencies(const char* from, const std::vector<double>& ms) {
  std::printf(" %s_p50_ms=%.1f %s_p99_ms=%.1f %s_max_ms=%.1f", from, percentile(ms, 50), from,
              percentile(ms, 99), from, percentile(ms, 100));
}

}  // namespace

int latency_bench(const LatencySpec& spec) {
  LiveSetup setup(spec.partitions);
  WebhookClock hooks;
  auto config = setup.write_config(setup.work() / "state", webhook_sink_yaml(hooks.url()));
  support::RunProcess run(config, setup.work() / "run.log");
  AckedProducer producer(setup.bootstrap());
  // Warm-up: the run is assigned and the first alert path is hot.
  producer.send(kTopic, 0, probe_message(0, event_time_now()), 0);
  producer.flush();
  if (!hooks.wait_for(0, std::chrono::seconds(60))) {
    std::fprintf(stderr, "latency: no warm-up alert; see %s\n", (setup.work() / "run.log").c_str());
    return 1;
  }
  double rate = 0;
  auto probes = paced_send(spec, producer, rate);
  producer.flush();
  std::vector<double> from_ack, from_send;
  auto deadline = Clock::now() + std::chrono::seconds(15);
  for (std::size_t i = 0; i < probes.size(); ++i) {
    auto n = static_cast<std::int64_t>(i) + 1;
    auto left = std::max(Clock::duration::zero(), deadline - Clock::now());
    auto received = hooks.wait_for(n, std::chrono::duration_cast<std::chrono::milliseconds>(left));
    auto acked = producer.acked_at(n);
    if (!received || !acked) continue;
    from_ack.push_back(ms_between(*acked, *received));
    from_send.push_back(ms_between(probes[i].produced, *received));
  }
  auto pid = find_process(config.string());
  std::printf(
      "latency rate=%d achieved_rate=%.0f seconds=%d records_per_message=%d probes=%zu "
      "alerts=%zu",
      spec.rate, rate, spec.seconds, spec.records_per_message, probes.size(), from_ack.size());
  print_latencies("ack", from_ack);
  print_latencies("send", from_send);
  std::printf(" peak_rss_mb=%.1f\n", peak_rss_mb(pid));
  run.process().terminate();
  return from_ack.size() == probes.size() ? 0 : 1;
}

}  // namespace bench
