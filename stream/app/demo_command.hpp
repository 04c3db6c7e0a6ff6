#pragma once
// `rolewatch demo [SAMPLE]`: the whole live path on one machine, ending by
// itself. Starts the embedded broker, publishes the sample (one message per
// line, partitions in turn, so one burst's records arrive out of order),
// runs the consumer and pipeline until the topic is drained, then prints
// every alert of the outbox as a JSON line on stdout (logs on stderr).
#include <filesystem>

namespace rolewatch::stream {

inline constexpr const char* kDemoSample = "deploy/demo/sample-attack.jsonl";

// Exit codes: 0 alerts printed; 1 the demo failed or raised no alert;
// 2 unreadable sample.
int demo_command(const std::filesystem::path& sample);

}  // namespace rolewatch::stream
