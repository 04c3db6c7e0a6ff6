#pragma once
// A local HTTP receiver for sink tests: records every request and answers
// with scripted replies (then a default), on 127.0.0.1 and a free port. It
// can go down (connections refused) and come back on the same port.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/httplib_include.hpp"

namespace support {

struct Received {
  std::string method;
  std::string path;
  std::string body;
  httplib::Headers headers;  // case-insensitive lookup
  std::chrono::steady_clock::time_point at;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct Reply {
  Reply(int status_ = 200, std::string body_ = {}, httplib::Headers headers_ = {},
        std::chrono::milliseconds delay_ = {})
      : status(status_), body(std::move(body_)), headers(std::move(headers_)), delay(delay_) {}
  int status;
  std::string body;
  httplib::Headers headers;
  std::chrono::milliseconds delay;  // before answering
};

class HttpReceiver {
 public:
  HttpReceiver() { up(0); }
  ~HttpReceiver() { down(); }
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  // Replies for the next requests, in order; afterwards `fallback`.
  void script(std::vector<Reply> replies) {
    std::lock_guard lock(mutex_);
    for (auto& reply : replies) script_.push_back(std::move(reply));
  }
  void set_fallback(Reply reply) {
    std::lock_guard lock(mutex_);
    fallback_ = std::move(reply);
  }

  std::vector<Received> requests() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  // Most requests that were being answered at the same time.
  int max_concurrent() const { return max_concurrent_; }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return received_.size();
  }
  // Waits until at least `n` requests arrived (true) or the timeout passed.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return received_.size() >= n; });
  }

  // Stops listening: clients get "connection refused" until up().
  void down() {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }
  // Listens again on the same port (or a free one the first time).
  void up(int port) {
    server_ = std::make_unique<httplib::Server>();
    server_->new_task_queue = [] { return new httplib::ThreadPool(4); };
    auto handler = [this](const httplib::Request& request, httplib::Response& response) {
      handle(request, response);
    };
    server_->Post(".*", handler);
    server_->Get(".*", handler);
    if (port == 0) {
      port_ = server_->bind_to_any_port("127.0.0.1");
    } else {
      for (int i = 0; i < 100 && !server_->bind_to_port("127.0.0.1", port); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void up() { up(port_); }

 private:
  void handle(const httplib::Request& request, httplib::Response& response) {
    Reply reply;
    {
      std::lock_guard lock(mutex_);
      received_.push_back({request.method, request.path, request.body, request.headers,
                           std::chrono::steady_clock::now()});
      if (script_.empty()) {
        reply = fallback_;
      } else {
        reply = std::move(script_.front());
        script_.pop_front();
      }
    }
    int now = ++concurrent_;
    for (int seen = max_concurrent_;
         now > seen && !max_concurrent_.compare_exchange_weak(seen, now);) {
    }
    if (reply.delay.count() > 0) std::this_thread::sleep_for(reply.delay);
    --concurrent_;
    arrived_.notify_all();
    response.status = reply.status;
    for (const auto& [name, value] : reply.headers) response.set_header(name.c_str(), value);
    response.set_content(reply.body, "application/json");
  }

  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<Received> received_;
  std::deque<Reply> script_;
  Reply fallback_{};
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> concurrent_{0};
  std::atomic<int> max_concurrent_{0};
};

}  // namespace support
