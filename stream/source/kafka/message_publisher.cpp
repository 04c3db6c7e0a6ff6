#include "stream/source/kafka/message_publisher.hpp"

#include "stream/source/kafka/kafka_client.hpp"

namespace rolewatch::stream {

void MessagePublisher::DeliveryReports::dr_cb(RdKafka::Message& message) {
  if (message.err() == RdKafka::ERR_NO_ERROR) return;
  ++failed;
  last_error = message.errstr();
}

Expected<std::unique_ptr<MessagePublisher>> MessagePublisher::open(const std::string& bootstrap) {
  std::unique_ptr<MessagePublisher> publisher(new MessagePublisher());
  auto producer = make_producer(bootstrap, &publisher->reports_);
  if (!producer) return producer.error();
  publisher->producer_ = std::move(*producer);
  return publisher;
}

Status MessagePublisher::send(const std::string& topic, std::int32_t partition,
                              std::string_view value, std::int64_t timestamp_ms) {
  auto target = partition < 0 ? RdKafka::Topic::PARTITION_UA : partition;
  for (;;) {
    auto err = producer_->produce(topic, target, RdKafka::Producer::RK_MSG_COPY,
                                  const_cast<char*>(value.data()), value.size(), nullptr, 0,
                                  timestamp_ms, nullptr);
    if (err == RdKafka::ERR_NO_ERROR) break;
    if (err != RdKafka::ERR__QUEUE_FULL) {
      return make_error("kafka: cannot publish to " + topic + ": " + RdKafka::err2str(err));
    }
    producer_->poll(100);  // local queue full: wait for deliveries
  }
  producer_->poll(0);
  return ok();
}

Status MessagePublisher::flush(std::chrono::milliseconds timeout) {
  auto err = producer_->flush(static_cast<int>(timeout.count()));
  if (err != RdKafka::ERR_NO_ERROR || producer_->outq_len() > 0) {
    return make_error("kafka: messages not acknowledged: " + RdKafka::err2str(err));
  }
  if (reports_.failed > 0) {
    return make_error("kafka: " + std::to_string(reports_.failed) +
                      " messages not delivered: " + reports_.last_error);
  }
  return ok();
}

Expected<std::size_t> publish_lines(MessagePublisher& publisher, const std::string& topic,
                                    int partitions, std::istream& lines) {
  std::size_t count = 0;
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto partition = static_cast<std::int32_t>(count % static_cast<std::size_t>(partitions));
    if (auto status = publisher.send(topic, partition, line); !status) return status.error();
    ++count;
  }
  if (auto status = publisher.flush(); !status) return status.error();
  return count;
}

}  // namespace rolewatch::stream
