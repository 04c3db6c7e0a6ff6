#pragma once
// The configuration as the commands use it: the file parsed (config/), then
// every sink built from it (each sink reads and checks its own keys), so a bad
// sink key is a configuration error, exit 2, before anything starts; the
// sinks built here are the ones the sidecar delivers through.
#include <filesystem>
#include <memory>
#include <vector>

#include "state/base/expected.hpp"
#include "stream/config/config.hpp"
#include "stream/delivery/sink.hpp"

namespace rolewatch::stream {

struct CheckedConfig {
  Config config;
  std::vector<std::unique_ptr<Sink>> sinks;
};

Expected<CheckedConfig> load_checked_config(const std::filesystem::path& path);

// `rolewatch check-config FILE`: prints the redacted effective configuration
// on stdout; 0 when valid, 2 (message on stderr) when not.
int check_config_command(const std::filesystem::path& path);

}  // namespace rolewatch::stream
