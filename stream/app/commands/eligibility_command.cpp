#include "stream/app/commands/eligibility_command.hpp"

#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <iostream>

#include "state/base/time.hpp"
#include "state/directory/csv_import.hpp"
#include "state/store.hpp"
#include "stream/app/setup/process_setup.hpp"
#include "stream/config/graph_config.hpp"
#include "stream/runtime/eligibility_refresher.hpp"

namespace rolewatch::stream {
namespace {

state::Micros wall_clock() {
  return state::wall_clock_now();
}

// The parts of the configuration file this command needs: graph: and state.dir.
struct RefreshSettings {
  state::GraphConfig graph;
  std::filesystem::path state_dir;
};

Expected<RefreshSettings> read_settings(const EligibilityRefreshOptions& options) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(options.config_file.string());
  } catch (const YAML::Exception& e) {
    return make_error(options.config_file.string() + ": " + e.what());
  }
  ConfigContext context;
  try {
    ConfigNode top(root, "", context);
    if (!top.has("graph")) return make_error("graph: required section is missing");
    RefreshSettings settings{read_graph_config(top.child("graph")), {}};
    if (options.state_dir) {
      settings.state_dir = *options.state_dir;
    } else if (top.has("state")) {
      settings.state_dir = top.child("state").resolve_path(top.child("state").string("dir"));
    } else {
      return make_error("state.dir: required (or pass --state-dir)");
    }
    return settings;
  } catch (const ConfigError& e) {
    return make_error(e.what());
  }
}

}  // namespace

int eligibility_import_command(const EligibilityImportOptions& options) {
  state::Micros as_of = wall_clock();
  if (options.as_of) {
    auto parsed = state::parse_event_time(*options.as_of);
    if (!parsed) {
      spdlog::error("--as-of: expected an RFC 3339 time such as 2025-03-04T08:00:00Z");
      return exit_status(ExitCode::usage);
    }
    as_of = *parsed;
  }
  auto store = state::Store::open(options.state_dir);
  if (!store) {
    spdlog::error("cannot open state {}: {}", options.state_dir.string(), store.error().message);
    return exit_status(ExitCode::failure);
  }
  auto info = state::import_eligibility_csv(**store, options.file, as_of);
  if (!info) {
    spdlog::error("eligibility import failed, state unchanged: {}", info.error().message);
    return exit_status(ExitCode::usage);
  }
  std::cout << "imported " << info->assignments << " assignments from "
            << options.file.filename().string() << " (snapshot generation " << info->generation
            << ", as of " << state::format_event_time(info->fetched_at) << ")\n";
  return exit_status(ExitCode::ok);
}

int eligibility_refresh_command(const EligibilityRefreshOptions& options) {
  // It reads the Graph client secret.
  if (!forbid_core_dumps()) spdlog::warn("cannot disable core dumps: secrets may reach one");
  auto settings = read_settings(options);
  if (!settings) {
    spdlog::error("invalid configuration: {}", settings.error().message);
    return exit_status(ExitCode::usage);
  }
  auto store = state::Store::open(settings->state_dir);
  if (!store) {
    spdlog::error("cannot open state {}: {}", settings->state_dir.string(), store.error().message);
    return exit_status(ExitCode::failure);
  }
  EligibilityRefresher refresher(**store, settings->graph);
  auto outcome = refresher.refresh_once();
  if (!outcome)
    return exit_status(ExitCode::failure);  // logged by the refresher; the old snapshot is kept
  std::cout << "refreshed " << outcome->info.assignments << " assignments from Graph (snapshot "
            << "generation " << outcome->info.generation << ") in " << outcome->duration.count()
            << " ms\n";
  return exit_status(ExitCode::ok);
}

}  // namespace rolewatch::stream
