#pragma once
// librdkafka's events: logs go to spdlog, errors are logged (repeats of one
// error within a minute at debug level) and a fatal one is remembered for
// the consumer loop, statistics JSON goes to a listener (metrics, lag).
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace rolewatch::stream {

class KafkaEventLog : public RdKafka::EventCb {
 public:
  using StatsListener = std::function<void(const std::string& json)>;

  explicit KafkaEventLog(std::string client) : client_(std::move(client)) {}
  void event_cb(RdKafka::Event& event) override;

  void set_stats_listener(StatsListener listener);
  // Logs a non-fatal client error (also those consume() returns), quietly
  // when the same error was logged within the last minute.
  void report(RdKafka::ErrorCode err, const std::string& text);
  bool fatal() const;
  std::string fatal_reason() const;

 private:
  void on_error(RdKafka::Event& event);
  void on_log(RdKafka::Event& event) const;

  std::string client_;
  mutable std::mutex mutex_;
  StatsListener stats_listener_;
  bool fatal_ = false;
  std::string fatal_reason_;
  std::map<int, std::chrono::steady_clock::time_point> last_logged_;
};

}  // namespace rolewatch::stream
