#pragma once
// `teams`: an Adaptive Card posted to a Teams Workflows webhook ("When a
// Teams webhook request is received"). The URL carries a SAS signature
// (`sig=`) and is a secret: keep it in the environment or a file; logs and
// metrics only ever show it without its query string.
//
// A burst's first revision gets the full card; its updates a short "burst
// grew to N" card listing the removals not on an earlier card, at most one
// card per alert per update_interval (an update inside it is done without a
// request); the closed revision always gets a short "burst closed" card.
// What was shown lives in memory: after a restart the next update is sent.
//
//   - type: teams
//     url: ${TEAMS_WEBHOOK_URL}      # or url_file: /run/secrets/teams-url
//     update_interval: 5m
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "stream/config/config_node.hpp"
#include "stream/delivery/sink.hpp"
#include "stream/delivery/sinks/http_delivery.hpp"

namespace rolewatch::stream {

class TeamsSink : public Sink {
 public:
  static std::unique_ptr<Sink> make(const std::string& name, const ConfigNode& node);

  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "teams"; }
  std::string describe() const override { return poster_.describe(); }
  DeliveryOutcome deliver(const DeliveryRequest& request) override;
  std::size_t concurrency() const override { return poster_.settings().concurrency; }
  std::chrono::milliseconds min_interval() const override {
    return poster_.settings().min_interval;
  }
  std::chrono::milliseconds update_interval() const { return update_interval_; }

 private:
  using Steady = std::chrono::steady_clock;
  // The last card posted for one burst.
  struct Shown {
    Steady::time_point at;
    std::set<std::string> audit_ids;  // the removals it listed or counted
  };

  TeamsSink(std::string name, HttpSinkSettings settings, std::size_t max_bytes);
  // The message for this revision, or nothing when an update is rate-limited.
  std::optional<nlohmann::json> message_for(const DeliveryRequest& request, Steady::time_point now);
  void remember(const DeliveryRequest& request, Steady::time_point now);

  std::string name_;
  JsonPoster poster_;
  std::size_t max_bytes_;
  std::chrono::milliseconds update_interval_{std::chrono::minutes(5)};
  std::mutex mutex_;
  std::map<std::string, Shown, std::less<>> shown_;  // by alert id
};

}  // namespace rolewatch::stream
