#include "bench/acked_producer.hpp"

#include <stdexcept>

#include "stream/source/kafka/kafka_client.hpp"

namespace bench {

void AckedProducer::Reports::dr_cb(RdKafka::Message& message) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex);
  if (message.err() != RdKafka::ERR_NO_ERROR) {
    ++failed;
    return;
  }
  auto tag = reinterpret_cast<std::intptr_t>(message.msg_opaque());
  if (tag != 0) acked.emplace(tag, now);
}

AckedProducer::AckedProducer(const std::string& bootstrap) {
  auto producer = rolewatch::stream::make_producer(bootstrap, &reports_);
  if (!producer) throw std::runtime_error(producer.error().message);
  producer_ = std::move(*producer);
}

void AckedProducer::send(const std::string& topic, std::int32_t partition, std::string_view body,
                         std::int64_t tag) {
  auto* opaque = reinterpret_cast<void*>(static_cast<std::intptr_t>(tag));
  for (;;) {
    auto err =
        producer_->produce(topic, partition, RdKafka::Producer::RK_MSG_COPY,
                           const_cast<char*>(body.data()), body.size(), nullptr, 0, 0, opaque);
    if (err == RdKafka::ERR_NO_ERROR) break;
    if (err != RdKafka::ERR__QUEUE_FULL) throw std::runtime_error(RdKafka::err2str(err));
    producer_->poll(10);  // local queue full: let deliveries drain
  }
  producer_->poll(0);
}

void AckedProducer::flush() {
  producer_->flush(30000);
}

std::optional<std::chrono::steady_clock::time_point> AckedProducer::acked_at(
    std::int64_t tag) const {
  std::lock_guard lock(reports_.mutex);
  auto it = reports_.acked.find(tag);
  if (it == reports_.acked.end()) return std::nullopt;
  return it->second;
}

}  // namespace bench
