#include "stream/app/commands/run_command.hpp"

#include <spdlog/spdlog.h>

#include <iostream>

#include "stream/app/setup/checked_config.hpp"
#include "stream/app/setup/log_format.hpp"
#include "stream/app/setup/process_setup.hpp"
#include "stream/runtime/runner.hpp"
#include "stream/runtime/sidecar.hpp"

namespace rolewatch::stream {

int run_command(const std::filesystem::path& config_file) {
  // Before the configuration (and its secrets) is read.
  if (!forbid_core_dumps()) spdlog::warn("cannot disable core dumps: secrets may reach one");
  auto checked = load_checked_config(config_file);
  if (!checked) {
    std::cerr << "rolewatch: invalid configuration: " << checked.error().message << '\n';
    return exit_status(ExitCode::usage);
  }
  const auto& config = checked->config;
  apply_log_config(config.log);  // the command line's --log-level/--log-format win
  Sidecar sidecar(config, std::move(checked->sinks));
  return run(config, {}, sidecar.hooks());
}

}  // namespace rolewatch::stream
