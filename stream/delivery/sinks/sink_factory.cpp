#include "stream/delivery/sinks/sink_factory.hpp"

#include <set>

#include "stream/delivery/sinks/sink_alertmanager.hpp"
#include "stream/delivery/sinks/sink_json_lines.hpp"
#include "stream/delivery/sinks/sink_settings.hpp"
#include "stream/delivery/sinks/sink_teams.hpp"
#include "stream/delivery/sinks/sink_webhook.hpp"

namespace rolewatch::stream {
namespace {

using Maker = std::unique_ptr<Sink> (*)(const std::string&, const ConfigNode&);

Maker maker_for(const std::string& type) {
  if (type == "stdout") return &JsonLinesSink::make_stdout;
  if (type == "file") return &JsonLinesSink::make_file;
  if (type == "webhook") return &WebhookSink::make;
  if (type == "teams") return &TeamsSink::make;
  if (type == "alertmanager") return &AlertmanagerSink::make;
  return nullptr;
}

}  // namespace

Expected<std::unique_ptr<Sink>> make_sink(const SinkConfig& config, const ConfigContext& context) {
  auto path = config.path.empty() ? "sinks." + config.name : config.path;
  if (!valid_sink_name(config.name)) {
    return make_error("sinks: name \"" + config.name +
                      "\" must be 1-64 letters, digits, '-', '_' or '.'");
  }
  auto maker = maker_for(config.type);
  if (maker == nullptr) {
    return make_error(path + ".type: unknown sink type \"" + config.type +
                      "\" (expected stdout, file, webhook, teams or alertmanager)");
  }
  try {
    ConfigNode node(config.node, path, context);
    auto activations = node.optional_bool("activations");
    if (activations && *activations && (config.type == "teams" || config.type == "alertmanager")) {
      node.fail("activations", "only stdout, file and webhook sinks take activation events");
    }
    auto sink = maker(config.name, node);
    sink->set_takes_activations(activations.value_or(false));
    return sink;
  } catch (const ConfigError& error) {
    return make_error(error.what());
  } catch (const YAML::Exception& error) {
    return make_error(path + ": " + error.msg);
  }
}

Expected<std::vector<std::unique_ptr<Sink>>> make_sinks(const std::vector<SinkConfig>& configs,
                                                        const ConfigContext& context) {
  std::vector<std::unique_ptr<Sink>> sinks;
  std::set<std::string> names;
  for (const auto& config : configs) {
    if (!names.insert(config.name).second) {
      return make_error("sinks: two sinks are named \"" + config.name + "\"; set name: on one");
    }
    auto sink = make_sink(config, context);
    if (!sink) return sink.error();
    sinks.push_back(std::move(*sink));
  }
  return sinks;
}

}  // namespace rolewatch::stream
