// rolewatch_bench_live: the benchmarks that need a broker and `rolewatch run`
// (latency, end-to-end, resume). scripts/bench.sh runs them; each prints one
// line of key=value figures.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "bench/latency_bench.hpp"

int main(int argc, char** argv) {
  CLI::App app{"rolewatch live benchmarks (scripts/bench.sh runs them)"};
  app.require_subcommand(1);
  bench::LatencySpec latency;
  auto* l = app.add_subcommand("latency", "Record on the broker -> alert at a webhook");
  l->add_option("--rate", latency.rate, "Messages/s");
  l->add_option("--seconds", latency.seconds, "Duration");
  l->add_option("--records-per-message", latency.records_per_message, "Noise records per message");
  l->add_option("--probe-every-ms", latency.probe_every_ms, "Interval between probe bursts");
  bench::EndToEndSpec e2e;
  auto* e = app.add_subcommand("e2e", "Produce a file, then time run to committed state");
  e->add_option("file", e2e.file)->required();
  e->add_option("--records", e2e.records, "Records in the file")->required();
  bench::ResumeSpec resume;
  auto* r = app.add_subcommand("resume", "Restart on a filled state directory");
  r->add_option("--state-dir", resume.state_dir)->required();
  r->add_option("--burst-time", resume.burst_time, "activityDateTime of the waiting burst")
      ->required();
  r->add_option("--then", resume.then_file, "A file to stream through afterwards");
  r->add_option("--then-records", resume.then_records, "Records in that file");
  CLI11_PARSE(app, argc, argv);
  try {
    if (l->parsed()) return bench::latency_bench(latency);
    if (e->parsed()) return bench::end_to_end_bench(e2e);
    return bench::resume_bench(resume);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "rolewatch_bench_live: %s\n", error.what());
    return 1;
  }
}
