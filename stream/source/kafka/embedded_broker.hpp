#pragma once
// The embedded broker: librdkafka's mock cluster, in this process. A real
// Kafka-protocol peer on 127.0.0.1 (random port) that other clients, kcat
// included, can use. No SASL, offsets-for-times answers -1, and a fixed
// retention (below); for the demo, tests and trying rolewatch out, not
// production.
#include <cstddef>
#include <memory>
#include <string>

#include "state/base/expected.hpp"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace rolewatch::stream {

class EmbeddedBroker {
 public:
  static Expected<std::unique_ptr<EmbeddedBroker>> start(const std::string& topic, int partitions);
  ~EmbeddedBroker();
  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  // "127.0.0.1:PORT"
  const std::string& bootstrap() const { return bootstrap_; }
  Status create_topic(const std::string& topic, int partitions);

 private:
  EmbeddedBroker() = default;
  rd_kafka_s* handle_ = nullptr;  // the mock cluster runs on this handle's threads
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  std::string bootstrap_;
};

// What the mock keeps: librdkafka 2.0.2 fixes each partition's log at 5 MiB
// of record batches, deleting the oldest batches as new ones arrive, the
// newest one always kept (rdkafka_mock.c, rd_kafka_mock_partition_init; the
// public mock API has no setting for it). Its other bound, 100,000 batches,
// is never reached first: a record batch's header alone is 61 bytes, and
// 100,000 of them exceed 5 MiB.
inline constexpr std::size_t kEmbeddedRetentionBytes = 5u * 1024 * 1024;
// One sentence for the logs and `rolewatch broker`'s start.
std::string embedded_retention_text();

// Client settings for talking to the embedded broker: the mock answers a
// waiting fetch only when fetch.wait.max.ms expires (unlike Kafka and Event
// Hubs), and its group joins wait for session.timeout.ms - 1000.
inline constexpr const char* kEmbeddedFetchWaitMaxMs = "10";
inline constexpr const char* kEmbeddedSessionTimeoutMs = "6000";

}  // namespace rolewatch::stream
