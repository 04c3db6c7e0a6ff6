#pragma once
// `rolewatch run --config FILE`: the sidecar. Checks the configuration
// (building the sinks once), then runs the loop (runtime/runner) with the
// Sidecar (sender, HTTP, refresher) on its hooks.
#include <filesystem>

namespace rolewatch::stream {

// 0 stopped on request; 1 runtime failure; 2 invalid configuration.
int run_command(const std::filesystem::path& config_file);

}  // namespace rolewatch::stream
