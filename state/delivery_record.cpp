#include "state/delivery_record.hpp"

#include <array>
#include <nlohmann/json.hpp>

#include "state/store.hpp"

namespace rolewatch::state {
namespace {

constexpr std::array<std::string_view, 4> kStateNames = {"pending", "delivered", "resending",
                                                         "failed"};

std::optional<DeliveryState> state_from(std::string_view name) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == name) return static_cast<DeliveryState>(i);
  }
  return std::nullopt;
}

}  // namespace

// JSON: a few bytes more than a packed struct, but readable with `ldb` when
// an operator wonders why an alert is still in the outbox.
std::string encode_delivery_record(const DeliveryRecord& record) {
  nlohmann::json doc = {
      {"state", kStateNames[static_cast<std::size_t>(record.state)]},
      {"attempts", record.attempts},
  };
  if (record.delivered_at_ms != 0) doc["deliveredAt"] = record.delivered_at_ms;
  if (record.resolve_at_ms != 0) doc["resolveAt"] = record.resolve_at_ms;
  if (record.next_resend_ms != 0) doc["nextResend"] = record.next_resend_ms;
  if (record.last_status != 0) doc["lastStatus"] = record.last_status;
  if (!record.last_error.empty()) doc["lastError"] = record.last_error;
  return doc.dump();
}

std::optional<DeliveryRecord> decode_delivery_record(std::string_view bytes) {
  auto doc = nlohmann::json::parse(bytes, nullptr, false);
  if (!doc.is_object() || !doc.contains("state") || !doc["state"].is_string()) return std::nullopt;
  auto state = state_from(doc["state"].get<std::string>());
  if (!state) return std::nullopt;
  DeliveryRecord record;
  record.state = *state;
  record.attempts = doc.value("attempts", 0);
  record.delivered_at_ms = doc.value("deliveredAt", std::int64_t{0});
  record.resolve_at_ms = doc.value("resolveAt", std::int64_t{0});
  record.next_resend_ms = doc.value("nextResend", std::int64_t{0});
  record.last_status = doc.value("lastStatus", 0L);
  record.last_error = doc.value("lastError", "");
  return record;
}

std::string delivery_key(std::uint64_t sequence, std::string_view sink) {
  auto key = encode_be64(sequence);
  key.append(sink);
  return key;
}

}  // namespace rolewatch::state
