#pragma once
// A producer that notes when the broker acknowledged each tagged message:
// the moment a record is "available on the broker" for the latency figures.
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace bench {

class AckedProducer {
 public:
  explicit AckedProducer(const std::string& bootstrap);
  // tag 0: untagged (noise). Serves delivery reports without blocking.
  void send(const std::string& topic, std::int32_t partition, std::string_view body,
            std::int64_t tag = 0);
  void poll() { producer_->poll(0); }
  void flush();
  std::optional<std::chrono::steady_clock::time_point> acked_at(std::int64_t tag) const;
  std::uint64_t failed() const { return reports_.failed; }

 private:
  class Reports : public RdKafka::DeliveryReportCb {
   public:
    void dr_cb(RdKafka::Message& message) override;
    mutable std::mutex mutex;
    std::map<std::int64_t, std::chrono::steady_clock::time_point> acked;
    std::uint64_t failed = 0;
  };

  Reports reports_;
  std::unique_ptr<RdKafka::Producer> producer_;
};

}  // namespace bench
