#pragma once
// What the outbox sender remembers about one alert on one sink, stored in
// Family::deliveries under be64(sequence) + sink name. No record means
// "not delivered yet": a crash between a send and its record only causes a
// second delivery with the same alert id, never a lost one.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rolewatch::state {

enum class DeliveryState {
  pending,    // not delivered yet (possibly after failed attempts)
  delivered,  // the sink took it; nothing more to do
  resending,  // delivered, re-posted periodically until resolve_at (Alertmanager)
  failed,     // rejected for good, or still undelivered at max_age
};

struct DeliveryRecord {
  DeliveryState state = DeliveryState::pending;
  int attempts = 0;                  // failed attempts since the last success
  std::int64_t delivered_at_ms = 0;  // first success, Unix milliseconds
  std::int64_t resolve_at_ms = 0;    // resending: when the alert resolves
  std::int64_t next_resend_ms = 0;   // resending: when to post again
  long last_status = 0;              // last HTTP status, 0 if none
  std::string last_error;            // scrubbed of secrets

  bool operator==(const DeliveryRecord&) const = default;
};

std::string encode_delivery_record(const DeliveryRecord& record);
std::optional<DeliveryRecord> decode_delivery_record(std::string_view bytes);

std::string delivery_key(std::uint64_t sequence, std::string_view sink);

}  // namespace rolewatch::state
