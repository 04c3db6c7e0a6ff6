#include "stream/source/kafka/kafka_client.hpp"

#include "stream/source/kafka/kafka_properties.hpp"

namespace rolewatch::stream {

KafkaClientFactory::KafkaClientFactory(const SourceConfig& source, const std::string& bootstrap)
    : properties_(consumer_properties(source, bootstrap)),
      refresher_(make_token_refresher(source.auth, bootstrap)) {}

Expected<std::unique_ptr<RdKafka::KafkaConsumer>> KafkaClientFactory::consumer(
    const std::vector<Property>& overrides, RdKafka::RebalanceCb* rebalance) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  if (auto status = apply_properties(*conf, properties_); !status) return status.error();
  if (auto status = apply_properties(*conf, overrides); !status) return status.error();
  std::string errstr;
  if (conf->set("event_cb", static_cast<RdKafka::EventCb*>(&events_), errstr) !=
      RdKafka::Conf::CONF_OK) {
    return make_error("kafka: " + errstr);
  }
  if (rebalance != nullptr &&
      conf->set("rebalance_cb", rebalance, errstr) != RdKafka::Conf::CONF_OK) {
    return make_error("kafka: " + errstr);
  }
  if (refresher_) {
    if (auto status = attach_token_refresher(*conf, refresher_.get()); !status) {
      return status.error();
    }
  }
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf.get(), errstr));
  if (!consumer) return make_error("kafka: cannot create consumer: " + errstr);
  if (refresher_) {
    if (auto status = enable_background_token_refresh(*consumer); !status) return status.error();
  }
  return consumer;
}

Expected<std::unique_ptr<RdKafka::Producer>> make_producer(
    const std::string& bootstrap, RdKafka::DeliveryReportCb* delivery_reports) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  if (auto status = apply_properties(*conf, producer_properties(bootstrap)); !status) {
    return status.error();
  }
  std::string errstr;
  if (delivery_reports != nullptr &&
      conf->set("dr_cb", delivery_reports, errstr) != RdKafka::Conf::CONF_OK) {
    return make_error("kafka: " + errstr);
  }
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), errstr));
  if (!producer) return make_error("kafka: cannot create producer: " + errstr);
  return producer;
}

}  // namespace rolewatch::stream
