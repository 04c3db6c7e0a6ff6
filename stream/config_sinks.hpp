#pragma once
// The `sinks:` list: each entry's type is checked, a unique name assigned,
// and its node kept unexpanded for the sink to read with a ConfigNode (which
// expands ${ENV} once, when a key is read, and reads `<key>_file` secrets).
#include <vector>

#include "stream/config.hpp"
#include "stream/config_node.hpp"

namespace rolewatch::stream {

inline constexpr std::string_view kSinkTypes[] = {"stdout", "file", "webhook", "teams",
                                                  "alertmanager"};

std::vector<SinkConfig> read_sinks(const ConfigNode& root);

}  // namespace rolewatch::stream
