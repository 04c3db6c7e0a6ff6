#pragma once
// A local webhook receiver that notes when each probe's alert arrived. A
// probe is a burst by actor probe_actor_id(n); its alert names that id, so
// the body is searched for the id rather than parsed (any sink format works).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "support/httplib_include.hpp"

namespace bench {

// eeeeeeee-0000-0000-0000-<n, 12 digits>: never used by the generator.
std::string probe_actor_id(std::int64_t n);

class WebhookClock {
 public:
  WebhookClock();  // listens on 127.0.0.1, a free port
  ~WebhookClock();
  WebhookClock(const WebhookClock&) = delete;
  WebhookClock& operator=(const WebhookClock&) = delete;

  std::string url() const;
  // When probe n's alert first arrived, waiting up to `timeout`.
  std::optional<std::chrono::steady_clock::time_point> wait_for(std::int64_t probe,
                                                                std::chrono::milliseconds timeout);
  std::size_t requests() const;

 private:
  void on_request(const std::string& body);

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::map<std::int64_t, std::chrono::steady_clock::time_point> first_seen_;
  std::size_t requests_ = 0;
};

}  // namespace bench
