#include "state/outbox_store.hpp"

#include "state/base/time.hpp"
#include "state/keys.hpp"

namespace rolewatch::state {
namespace {

SystemTime detection_time(const nlohmann::json& doc) {
  if (doc.is_object() && doc.contains("detectedAt") && doc["detectedAt"].is_string()) {
    if (auto micros = state::parse_event_time(doc["detectedAt"].get<std::string>())) {
      return SystemTime(std::chrono::microseconds(*micros));
    }
  }
  return std::chrono::system_clock::now();
}

}  // namespace

OutboxStore::OutboxStore(Store& store, std::vector<std::string> sink_names)
    : store_(store), sink_names_(std::move(sink_names)) {}

Expected<LoadedBatch> OutboxStore::load(std::uint64_t from, std::size_t limit) const {
  LoadedBatch batch;
  batch.next_sequence = from;
  auto status = store_.scan(Family::outbox, keys::outbox_key(from), "", [&](auto key, auto value) {
    if (key.size() != 8) return true;  // not ours
    if (batch.alerts.size() >= limit) {
      ++batch.not_loaded;
      return true;
    }
    StoredAlert alert;
    alert.sequence = decode_be64(key);
    alert.body = std::string(value);
    alert.doc = nlohmann::json::parse(alert.body, nullptr, false);
    if (alert.doc.is_discarded()) alert.doc = nullptr;
    // An activation event's stable id is its audit id.
    if (alert.doc.is_object()) alert.id = alert.doc.value("id", alert.doc.value("auditId", ""));
    alert.detected = detection_time(alert.doc);
    batch.next_sequence = alert.sequence + 1;
    batch.alerts.push_back(std::move(alert));
    return true;
  });
  if (!status) return status.error();
  for (auto& alert : batch.alerts) {
    for (const auto& sink : sink_names_) {
      auto stored = store_.get(Family::deliveries, delivery_key(alert.sequence, sink));
      if (!stored) return stored.error();
      DeliveryRecord record;
      if (stored->has_value()) record = decode_delivery_record(**stored).value_or(DeliveryRecord{});
      alert.records.push_back(std::move(record));
    }
  }
  return batch;
}

Status OutboxStore::save(std::uint64_t sequence, std::size_t sink, const DeliveryRecord& record) {
  auto batch = store_.make_batch();
  batch.put(Family::deliveries, delivery_key(sequence, sink_names_[sink]),
            encode_delivery_record(record));
  return store_.write(batch);
}

Status OutboxStore::finish(std::uint64_t sequence, bool dead, const std::string& body) {
  auto batch = store_.make_batch();
  auto prefix = encode_be64(sequence);
  auto status =
      store_.scan(Family::deliveries, prefix, encode_be64(sequence + 1), [&](auto key, auto) {
        batch.erase(Family::deliveries, key);
        return true;
      });
  if (!status) return status;
  batch.erase(Family::outbox, prefix);
  if (dead) batch.put(Family::dead_letters, prefix, body);
  return store_.write(batch);
}

Expected<std::size_t> OutboxStore::count_dead_letters() const {
  std::size_t count = 0;
  auto status = store_.scan(Family::dead_letters, "", "", [&](auto, auto) {
    ++count;
    return true;
  });
  if (!status) return status.error();
  return count;
}

}  // namespace rolewatch::state
