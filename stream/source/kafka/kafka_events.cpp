#include "stream/source/kafka/kafka_events.hpp"

#include <spdlog/spdlog.h>

namespace rolewatch::stream {
namespace {

constexpr auto kRepeatQuiet = std::chrono::seconds(60);

spdlog::level::level_enum syslog_level(int severity) {
  if (severity <= RdKafka::Event::EVENT_SEVERITY_ERROR) return spdlog::level::err;
  if (severity == RdKafka::Event::EVENT_SEVERITY_WARNING) return spdlog::level::warn;
  if (severity <= RdKafka::Event::EVENT_SEVERITY_NOTICE) return spdlog::level::info;
  return spdlog::level::debug;
}

}  // namespace

void KafkaEventLog::event_cb(RdKafka::Event& event) {
  switch (event.type()) {
    case RdKafka::Event::EVENT_ERROR:
      on_error(event);
      break;
    case RdKafka::Event::EVENT_LOG:
      on_log(event);
      break;
    case RdKafka::Event::EVENT_STATS: {
      StatsListener listener;
      {
        std::lock_guard lock(mutex_);
        listener = stats_listener_;
      }
      if (listener) listener(event.str());
      break;
    }
    case RdKafka::Event::EVENT_THROTTLE:
      // Event Hubs delays requests instead of refusing them.
      spdlog::debug("{}: broker {} throttled a request by {} ms", client_, event.broker_name(),
                    event.throttle_time());
      break;
    default:
      break;
  }
}

void KafkaEventLog::on_error(RdKafka::Event& event) {
  if (event.fatal()) {
    std::lock_guard lock(mutex_);
    fatal_ = true;
    fatal_reason_ = RdKafka::err2str(event.err()) + ": " + event.str();
    spdlog::error("{}: fatal error: {}", client_, fatal_reason_);
    return;
  }
  report(event.err(), event.str());
}

void KafkaEventLog::report(RdKafka::ErrorCode err, const std::string& text) {
  // Broker-down and transport errors repeat at every reconnect attempt.
  auto now = std::chrono::steady_clock::now();
  auto level = spdlog::level::debug;
  {
    std::lock_guard lock(mutex_);
    auto& last = last_logged_[static_cast<int>(err)];
    if (last == std::chrono::steady_clock::time_point{} || now - last >= kRepeatQuiet) {
      level = spdlog::level::warn;
      last = now;
    }
  }
  spdlog::log(level, "{}: {}: {}", client_, RdKafka::err2str(err), text);
}

void KafkaEventLog::on_log(RdKafka::Event& event) const {
  spdlog::log(syslog_level(event.severity()), "{}: librdkafka {}: {}", client_, event.fac(),
              event.str());
}

void KafkaEventLog::set_stats_listener(StatsListener listener) {
  std::lock_guard lock(mutex_);
  stats_listener_ = std::move(listener);
}

bool KafkaEventLog::fatal() const {
  std::lock_guard lock(mutex_);
  return fatal_;
}

std::string KafkaEventLog::fatal_reason() const {
  std::lock_guard lock(mutex_);
  return fatal_reason_;
}

}  // namespace rolewatch::stream
