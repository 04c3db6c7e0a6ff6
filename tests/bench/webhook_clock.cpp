#include "bench/webhook_clock.hpp"

#include <cstdio>

namespace bench {
namespace {

constexpr std::string_view kProbePrefix = "eeeeeeee-0000-0000-0000-";

}  // namespace

std::string probe_actor_id(std::int64_t n) {
  char id[48];
  std::snprintf(id, sizeof id, "%s%012lld", kProbePrefix.data(), static_cast<long long>(n));
  return id;
}

WebhookClock::WebhookClock() {
  server_.Post("/hook", [this](const httplib::Request& request, httplib::Response& response) {
    on_request(request.body);
    response.status = 204;
  });
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
}

WebhookClock::~WebhookClock() {
  server_.stop();
  thread_.join();
}

std::string WebhookClock::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/hook";
}

void WebhookClock::on_request(const std::string& body) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  ++requests_;
  // One request carries one alert; its actor id may appear more than once.
  auto at = body.find(kProbePrefix);
  if (at == std::string::npos || at + kProbePrefix.size() + 12 > body.size()) return;
  auto probe = std::stoll(body.substr(at + kProbePrefix.size(), 12));
  first_seen_.emplace(probe, now);
  arrived_.notify_all();
}

std::optional<std::chrono::steady_clock::time_point> WebhookClock::wait_for(
    std::int64_t probe, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!arrived_.wait_for(lock, timeout, [&] { return first_seen_.count(probe) > 0; })) {
    return std::nullopt;
  }
  return first_seen_.at(probe);
}

std::size_t WebhookClock::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

}  // namespace bench
