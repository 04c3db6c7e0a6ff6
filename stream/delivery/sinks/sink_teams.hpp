#pragma once
// `teams`: an Adaptive Card posted to a Teams Workflows webhook ("When a
// Teams webhook request is received"). The URL carries a SAS signature
// (`sig=`) and is a secret: keep it in the environment or a file; logs and
// metrics only ever show it without its query string.
//
//   - type: teams
//     url: ${TEAMS_WEBHOOK_URL}      # or url_file: /run/secrets/teams-url
#include <memory>
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

 private:
  TeamsSink(std::string name, HttpSinkSettings settings, std::size_t max_bytes);

  std::string name_;
  JsonPoster poster_;
  std::size_t max_bytes_;
};

}  // namespace rolewatch::stream
