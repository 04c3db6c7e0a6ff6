#include "stream/source/kafka/embedded_broker.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <spdlog/spdlog.h>

#include <cstdio>

namespace rolewatch::stream {
namespace {

// The mock's host handle is a producer without bootstrap servers; its
// "no bootstrap.servers" warning and connection chatter are noise here.
void log_to_debug(const rd_kafka_t*, int level, const char* facility, const char* message) {
  if (level <= 3) {
    spdlog::warn("embedded broker: {}: {}", facility, message);
  } else {
    spdlog::debug("embedded broker: {}: {}", facility, message);
  }
}

}  // namespace

Expected<std::unique_ptr<EmbeddedBroker>> EmbeddedBroker::start(const std::string& topic,
                                                                int partitions) {
  std::unique_ptr<EmbeddedBroker> broker(new EmbeddedBroker());
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, log_to_debug);
  broker->handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (broker->handle_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return make_error(std::string("embedded broker: ") + errstr);
  }
  broker->cluster_ = rd_kafka_mock_cluster_new(broker->handle_, 1);
  if (broker->cluster_ == nullptr) return make_error("embedded broker: cannot start mock cluster");
  broker->bootstrap_ = rd_kafka_mock_cluster_bootstraps(broker->cluster_);
  if (auto status = broker->create_topic(topic, partitions); !status) return status.error();
  return broker;
}

EmbeddedBroker::~EmbeddedBroker() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
  if (handle_ != nullptr) rd_kafka_destroy(handle_);
}

std::string embedded_retention_text() {
  return "it keeps the newest " + std::to_string(kEmbeddedRetentionBytes >> 20) +
         " MiB of record batches per partition and deletes older messages (librdkafka's "
         "mock cluster, not configurable)";
}

Status EmbeddedBroker::create_topic(const std::string& topic, int partitions) {
  auto err = rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return make_error("embedded broker: cannot create topic " + topic + ": " +
                      rd_kafka_err2str(err));
  }
  return ok();
}

}  // namespace rolewatch::stream
