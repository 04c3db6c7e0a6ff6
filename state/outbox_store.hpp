#pragma once
// The outbox sender's view of RocksDB: pending alerts (Family::outbox,
// written by the pipeline in the same batch as the state that raised them),
// per-sink delivery records (Family::deliveries) and dead letters
// (Family::dead_letters). RocksDB is thread-safe; the pipeline writes other
// keys meanwhile.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "state/base/expected.hpp"
#include "state/delivery_record.hpp"
#include "state/store.hpp"

namespace rolewatch::state {

using SystemTime = std::chrono::system_clock::time_point;

struct StoredAlert {
  std::uint64_t sequence = 0;
  std::string body;                     // exact bytes from the outbox
  nlohmann::json doc;                   // parsed; discarded (null) when the body is not JSON
  std::string id;                       // the alert's stable id ("" when unreadable)
  SystemTime detected;                  // detectedAt, or when first loaded
  std::vector<DeliveryRecord> records;  // one per sink, in sink order
};

struct LoadedBatch {
  std::vector<StoredAlert> alerts;
  std::uint64_t next_sequence = 0;  // where the next load starts
  std::size_t not_loaded = 0;       // outbox entries past the limit
};

class OutboxStore {
 public:
  OutboxStore(Store& store, std::vector<std::string> sink_names);

  // Up to `limit` alerts with sequence >= from, with their delivery records.
  Expected<LoadedBatch> load(std::uint64_t from, std::size_t limit) const;
  Status save(std::uint64_t sequence, std::size_t sink, const DeliveryRecord& record);
  // Removes the alert and all its delivery records (also those of sinks no
  // longer configured); a dead one is kept in the dead letters.
  Status finish(std::uint64_t sequence, bool dead, const std::string& body);
  Expected<std::size_t> count_dead_letters() const;

 private:
  Store& store_;
  std::vector<std::string> sink_names_;
};

}  // namespace rolewatch::state
