#include "stream/app/setup/checked_config.hpp"

#include <iostream>

#include "stream/delivery/sinks/sink_factory.hpp"

namespace rolewatch::stream {

Expected<CheckedConfig> load_checked_config(const std::filesystem::path& path) {
  auto config = load_config(path);
  if (!config) return config.error();
  auto sinks = make_sinks(config->sinks, ConfigContext{config->env, {}});
  if (!sinks) return make_error(path.string() + ": " + sinks.error().message);
  return CheckedConfig{std::move(*config), std::move(*sinks)};
}

int check_config_command(const std::filesystem::path& path) {
  auto checked = load_checked_config(path);
  if (!checked) {
    std::cerr << "rolewatch: invalid configuration: " << checked.error().message << '\n';
    return exit_status(ExitCode::usage);
  }
  const auto& config = checked->config;
  std::cout << redacted_dump(config);
  std::cerr << "rolewatch: " << path.string() << ": configuration is valid (" << config.rules.size()
            << " rules, " << config.sinks.size() << " sinks)\n";
  return exit_status(ExitCode::ok);
}

}  // namespace rolewatch::stream
