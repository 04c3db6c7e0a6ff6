#pragma once
// The `sinks:` list: each entry's type read (the sink registry in
// delivery/sinks checks it when the sinks are built), a unique name assigned,
// and its node kept unexpanded for the sink to read with a ConfigNode (which
// expands ${ENV} once, when a key is read, and reads `<key>_file` secrets).
#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "stream/config/config_node.hpp"

namespace rolewatch::stream {

// One alert sink. Only `type` and `name` are read here; the sink reads its
// own keys with ConfigNode(node, path, context), which expands ${ENV} when a
// key is read (so nothing is expanded twice) and handles `<key>_file`.
struct SinkConfig {
  std::string type;  // stdout | file | webhook | teams | alertmanager
  std::string name;  // unique; defaults to the type (type-2, ... when repeated)
  std::string path;  // "sinks[0]": the prefix of this sink's error messages
  YAML::Node node;   // as written, not expanded
};

std::vector<SinkConfig> read_sinks(const ConfigNode& root);

// Sink names go into RocksDB keys, metric labels and logs.
bool valid_sink_name(std::string_view name);

}  // namespace rolewatch::stream
