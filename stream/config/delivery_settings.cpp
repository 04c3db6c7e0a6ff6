#include "stream/config/delivery_settings.hpp"

namespace rolewatch::stream {

DeliverySettings read_delivery_settings(const ConfigNode& delivery) {
  DeliverySettings settings;
  if (!delivery.yaml().IsDefined() || delivery.yaml().IsNull()) return settings;
  delivery.allow_keys({"max_age", "retry", "ready_outbox_threshold"});
  using std::chrono::duration_cast;
  auto& sender = settings;
  sender.max_age = duration_cast<std::chrono::seconds>(
      read_duration(delivery, "max_age", duration_cast<std::chrono::milliseconds>(sender.max_age)));
  if (sender.max_age < std::chrono::minutes(1)) delivery.fail("max_age", "must be at least 1m");
  if (delivery.has("retry")) {
    auto retry = delivery.child("retry");
    retry.allow_keys({"initial", "max"});
    sender.backoff.initial = read_duration(retry, "initial", sender.backoff.initial);
    sender.backoff.max = read_duration(retry, "max", sender.backoff.max);
    if (sender.backoff.initial.count() < 1) retry.fail("initial", "must be at least 1ms");
    if (sender.backoff.max < sender.backoff.initial) retry.fail("max", "must be at least initial");
  }
  settings.ready_outbox_threshold =
      static_cast<std::size_t>(delivery.integer("ready_outbox_threshold", 100, 1, 1'000'000));
  return settings;
}

}  // namespace rolewatch::stream
