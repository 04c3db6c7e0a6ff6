#pragma once
// Publishes messages to a Kafka topic: the demo's sample file, tests.
// Idempotent producer, so a retried send is never duplicated on the broker.
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

#include "state/base/expected.hpp"

namespace rolewatch::stream {

class MessagePublisher {
 public:
  static Expected<std::unique_ptr<MessagePublisher>> open(const std::string& bootstrap);

  // partition < 0: the producer's partitioner picks one.
  Status send(const std::string& topic, std::int32_t partition, std::string_view value,
              std::int64_t timestamp_ms = 0);
  // Waits until every message is acknowledged by the broker.
  Status flush(std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  class DeliveryReports : public RdKafka::DeliveryReportCb {
   public:
    void dr_cb(RdKafka::Message& message) override;
    std::size_t failed = 0;
    std::string last_error;
  };

  MessagePublisher() = default;
  DeliveryReports reports_;
  std::unique_ptr<RdKafka::Producer> producer_;
};

// Sends each non-blank line of `lines` as one message, partitions in turn
// (so one burst's records land on several partitions), and flushes. Returns
// the number of messages.
Expected<std::size_t> publish_lines(MessagePublisher& publisher, const std::string& topic,
                                    int partitions, std::istream& lines);

}  // namespace rolewatch::stream
