#pragma once
// `rolewatch test-alert --config FILE [--sink NAME]`: proves the configured
// sinks end to end before a real attack does. Sends one synthetic alert
// (stream/app/commands/test_alert.hpp) straight through each sink, once,
// without the state or its outbox (state.dir is not touched), and prints one
// line per sink: "NAME (TYPE, WHERE): delivered" or "...: failed: REASON".
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

namespace rolewatch::stream {

struct TestAlertOptions {
  std::filesystem::path config_file;
  std::optional<std::string> sink;  // only this one (by name); default: every sink
};

// Exit codes: 0 every selected sink took the alert; 1 at least one did not;
// 2 invalid configuration, no sinks configured, or an unknown --sink name.
int test_alert_command(const TestAlertOptions& options, std::ostream& out);

}  // namespace rolewatch::stream
