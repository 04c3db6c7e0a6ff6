#include "stream/config/config_sinks.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace rolewatch::stream {
namespace {

SinkConfig read_sink(const ConfigNode& entry) {
  entry.require_map();
  SinkConfig sink;
  sink.type = entry.string("type");
  if (sink.type.empty()) entry.fail("type", "must not be empty");
  sink.name = entry.optional_string("name").value_or("");
  sink.path = entry.path();
  sink.node = entry.yaml();
  return sink;
}

// Names key the per-sink delivery records, so they must be unique and stable.
void assign_names(const ConfigNode& list, std::vector<SinkConfig>& sinks) {
  std::map<std::string, int> per_type;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < sinks.size(); ++i) {
    auto& sink = sinks[i];
    if (sink.name.empty()) {
      int n = ++per_type[sink.type];
      sink.name = n == 1 ? sink.type : sink.type + "-" + std::to_string(n);
    }
    if (!valid_sink_name(sink.name)) {
      list.element(i).fail("name", "expected letters, digits, '-', '_' or '.'");
    }
    if (!seen.insert(sink.name).second) {
      list.element(i).fail("name", "duplicate sink name " + sink.name + " (set a unique name)");
    }
  }
}

}  // namespace

std::vector<SinkConfig> read_sinks(const ConfigNode& root) {
  std::vector<SinkConfig> sinks;
  if (!root.has("sinks")) return sinks;
  auto list = root.child("sinks");
  if (!list.yaml().IsSequence()) list.fail("expected a list of sinks");
  for (std::size_t i = 0; i < list.yaml().size(); ++i) sinks.push_back(read_sink(list.element(i)));
  assign_names(list, sinks);
  return sinks;
}

bool valid_sink_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace rolewatch::stream
