#pragma once
// `rolewatch demo [SAMPLE]`: the whole live path on one machine, ending by
// itself. Starts the embedded broker, publishes the sample (one message per
// line, partitions in turn, so one burst's records arrive out of order),
// runs the consumer and pipeline until the topic is drained, then prints
// every document of the outbox as a JSON line on stdout (alerts, each burst
// revision, and labelled activations; logs on stderr). Without SAMPLE it
// publishes deploy/demo/sample-attack.jsonl, compiled into the binary.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace rolewatch::stream {

// What the outbox held at the end, by kind: burst alerts and activation
// rules' alerts (rolewatch.alert.v1, counted once per id however many
// revisions), their documents, and labelled activations (rolewatch.activation.v1).
struct DemoCounts {
  std::size_t alerts = 0;
  std::size_t alert_revisions = 0;
  std::size_t activations = 0;
};
DemoCounts count_outbox_documents(const std::vector<std::string>& documents);
std::string demo_summary(const DemoCounts& counts);

// Exit codes: 0 at least one alert; 1 the demo failed or raised no alert;
// 2 unreadable sample.
int demo_command(const std::optional<std::filesystem::path>& sample);

}  // namespace rolewatch::stream
