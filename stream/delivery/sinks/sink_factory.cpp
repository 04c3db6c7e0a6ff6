#include "stream/delivery/sinks/sink_factory.hpp"

#include <set>

#include "stream/delivery/sinks/sink_alertmanager.hpp"
#include "stream/delivery/sinks/sink_json_lines.hpp"
#include "stream/delivery/sinks/sink_log_analytics.hpp"
#include "stream/delivery/sinks/sink_settings.hpp"
#include "stream/delivery/sinks/sink_teams.hpp"
#include "stream/delivery/sinks/sink_webhook.hpp"

namespace rolewatch::stream {
namespace {

using Maker = std::unique_ptr<Sink> (*)(const std::string&, const ConfigNode&);

// The sink registry: every sink type, how to make it, and whether it can
// take labelled activations as well as alerts. The one list of sink types.
struct SinkType {
  std::string_view name;
  Maker make;
  bool takes_activations;
};

constexpr SinkType kSinkTypes[] = {
    {"stdout", &JsonLinesSink::make_stdout, true},
    {"file", &JsonLinesSink::make_file, true},
    {"webhook", &WebhookSink::make, true},
    {"teams", &TeamsSink::make, false},
    {"alertmanager", &AlertmanagerSink::make, false},
    {"log-analytics", &LogAnalyticsSink::make, false},
};

const SinkType* find_type(std::string_view name) {
  for (const auto& type : kSinkTypes) {
    if (type.name == name) return &type;
  }
  return nullptr;
}

// "stdout, file, webhook, teams or alertmanager"; only_activations: the
// types that take activations ("stdout, file and webhook").
std::string type_names(bool only_activations, std::string_view last = " or ") {
  std::vector<std::string_view> names;
  for (const auto& type : kSinkTypes) {
    if (!only_activations || type.takes_activations) names.push_back(type.name);
  }
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? last : ", ";
    text += names[i];
  }
  return text;
}

}  // namespace

Expected<std::unique_ptr<Sink>> make_sink(const SinkConfig& config, const ConfigContext& context) {
  auto path = config.path.empty() ? "sinks." + config.name : config.path;
  if (!valid_sink_name(config.name)) {
    return make_error("sinks: name \"" + config.name +
                      "\" must be 1-64 letters, digits, '-', '_' or '.'");
  }
  const auto* type = find_type(config.type);
  if (type == nullptr) {
    return make_error(path + ".type: unknown sink type \"" + config.type + "\" (expected " +
                      type_names(false) + ")");
  }
  try {
    ConfigNode node(config.node, path, context);
    auto activations = node.optional_bool("activations");
    if (activations && *activations && !type->takes_activations) {
      node.fail("activations",
                "only " + type_names(true, " and ") + " sinks take activation events");
    }
    auto updates = node.optional_bool("updates");
    auto sink = type->make(config.name, node);
    sink->set_takes_activations(activations.value_or(false));
    sink->set_takes_updates(updates.value_or(true));
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
