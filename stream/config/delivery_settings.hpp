#pragma once
// The optional top-level `delivery:` section of the configuration:
//
//   delivery:
//     max_age: 24h            # then an undelivered alert moves to the dead letters
//     retry: {initial: 1s, max: 1m}
//     ready_outbox_threshold: 100   # /readyz fails above this many undelivered alerts
//
// Read with the configuration's ConfigNode, so errors name the key path.
#include <chrono>
#include <cstddef>

#include "state/net/backoff.hpp"
#include "stream/config/config_node.hpp"

namespace rolewatch::stream {

struct DeliverySettings {
  std::chrono::seconds max_age{24 * 3600};  // then dead-lettered
  state::BackoffPolicy backoff;
  std::size_t ready_outbox_threshold = 100;
};

// Throws ConfigError (as every reader under load_config does).
DeliverySettings read_delivery_settings(const ConfigNode& delivery);

}  // namespace rolewatch::stream
