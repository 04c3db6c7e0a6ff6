#pragma once
// The optional top-level `delivery:` section of the configuration:
//
//   delivery:
//     max_age: 24h            # then an undelivered alert moves to the dead letters
//     retry: {initial: 1s, max: 1m}
//     ready_outbox_threshold: 100   # /readyz fails above this many undelivered alerts
//
// Read with the configuration's ConfigNode, so errors name the key path.
#include <cstddef>

#include "stream/config_node.hpp"
#include "stream/outbox_sender.hpp"

namespace rolewatch::stream {

struct DeliverySettings {
  SenderOptions sender;
  std::size_t ready_outbox_threshold = 100;
};

// Throws ConfigError (as every reader under load_config does).
DeliverySettings read_delivery_settings(const ConfigNode& delivery);

}  // namespace rolewatch::stream
