#pragma once
// Turns the `sinks:` entries of the configuration into Sink objects. Each
// sink parses its own keys; errors name the sink and key, never a value.
#include <memory>
#include <vector>

#include "state/base/expected.hpp"
#include "stream/config/config.hpp"
#include "stream/config/config_node.hpp"
#include "stream/delivery/sink.hpp"

namespace rolewatch::stream {

Expected<std::unique_ptr<Sink>> make_sink(const SinkConfig& config,
                                          const ConfigContext& context = {});

// All of them, refusing duplicate or unusable names (names key the delivery
// records in RocksDB and label metrics).
Expected<std::vector<std::unique_ptr<Sink>>> make_sinks(const std::vector<SinkConfig>& configs,
                                                        const ConfigContext& context = {});

}  // namespace rolewatch::stream
