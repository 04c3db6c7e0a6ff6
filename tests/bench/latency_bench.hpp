#pragma once
// The live benchmarks: each starts its own broker and `rolewatch run`, prints
// one line of figures (key=value) on stdout, and asserts nothing.
#include <filesystem>
#include <string>

namespace bench {

// Record on the broker -> alert at a local webhook, at a paced message rate.
struct LatencySpec {
  int rate = 1000;  // messages/s
  int seconds = 20;
  int records_per_message = 1;  // of ~2 KB noise; probes carry 3 removals
  int probe_every_ms = 50;
  int partitions = 4;
};
int latency_bench(const LatencySpec& spec);

// Produce a generated file, then time `rolewatch run` until every offset is
// committed.
struct EndToEndSpec {
  std::filesystem::path file;
  long long records = 0;  // for records/s (the generator knows the count)
  int partitions = 4;
};
int end_to_end_bench(const EndToEndSpec& spec);

// Start `rolewatch run` on a filled state directory and time how soon a burst
// waiting on the broker alerts; then optionally stream more through it.
struct ResumeSpec {
  std::filesystem::path state_dir;
  std::string burst_time;  // activityDateTime of the waiting burst
  std::filesystem::path then_file;
  long long then_records = 0;
  int partitions = 4;
};
int resume_bench(const ResumeSpec& spec);

}  // namespace bench
