#pragma once
// Builds the librdkafka clients of one source with the same properties,
// authentication (one shared token refresher) and event log: the group
// consumer, the restore probe, and producers for the embedded broker.
#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <string>
#include <vector>

#include "stream/config/config.hpp"
#include "stream/source/kafka/event_hubs_auth.hpp"
#include "stream/source/kafka/kafka_events.hpp"

namespace rolewatch::stream {

class KafkaClientFactory {
 public:
  KafkaClientFactory(const SourceConfig& source, const std::string& bootstrap);

  // `overrides` are applied after the configured properties.
  Expected<std::unique_ptr<RdKafka::KafkaConsumer>> consumer(
      const std::vector<Property>& overrides = {}, RdKafka::RebalanceCb* rebalance = nullptr);

  const std::vector<Property>& properties() const { return properties_; }
  KafkaEventLog& events() { return events_; }

 private:
  std::vector<Property> properties_;
  std::unique_ptr<EventHubsTokenRefresher> refresher_;
  KafkaEventLog events_{"kafka"};
};

// A producer for the given bootstrap servers (embedded broker: demo, tests).
Expected<std::unique_ptr<RdKafka::Producer>> make_producer(
    const std::string& bootstrap, RdKafka::DeliveryReportCb* delivery_reports = nullptr);

}  // namespace rolewatch::stream
