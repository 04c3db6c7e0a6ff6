#pragma once
// Where a restore starts reading (docs/design.md §3). The checkpoint is the group's
// committed offset; its time is the broker timestamp of the message just
// before it. Windows need every record of the last window + grace before
// that time, plus the delivery delay between a record's event time and its
// arrival on the hub, so reading starts at offsets-for-times(checkpoint time
// - lookback). Where the broker answers -1 (librdkafka's mock does), reading
// starts at the earliest retained offset and the source skips messages
// older than that time by their timestamp, without decoding them.
//
// This needs the hub's retention to cover window + grace + the delivery
// allowance + however long the state may be lost before the restart.
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "stream/source/kafka/kafka_client.hpp"

namespace rolewatch::stream {

// Entra delivers AuditLogs to the hub 2-5 minutes after the event (P99 ~5 min,
// then ~5-minute batching); 30 minutes covers that with room to spare.
inline constexpr std::chrono::minutes kDeliveryAllowance{30};

struct RestoreStart {
  std::int64_t offset = RdKafka::Topic::OFFSET_BEGINNING;
  std::int64_t skip_before_ms = 0;       // skip messages with older timestamps (0: none)
  std::int64_t checkpoint_time_ms = -1;  // -1 when unknown (message no longer retained)
};

class RestorePlanner {
 public:
  RestorePlanner(KafkaClientFactory& clients, std::string topic, std::chrono::milliseconds lookback,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // partition -> checkpoint offset, to partition -> where to start. Uses
  // `consumer` (already created) for offsets-for-times.
  std::map<std::int32_t, RestoreStart> plan(
      RdKafka::KafkaConsumer& consumer, const std::map<std::int32_t, std::int64_t>& checkpoints);

 private:
  std::map<std::int32_t, std::int64_t> checkpoint_times(
      const std::map<std::int32_t, std::int64_t>& checkpoints);
  void find_start_offsets(RdKafka::KafkaConsumer& consumer,
                          std::map<std::int32_t, RestoreStart>& starts);

  KafkaClientFactory& clients_;
  std::string topic_;
  std::chrono::milliseconds lookback_;
  std::chrono::milliseconds timeout_;
};

}  // namespace rolewatch::stream
