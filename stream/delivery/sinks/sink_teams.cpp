#include "stream/delivery/sinks/sink_teams.hpp"

#include "stream/delivery/sinks/teams_card.hpp"

namespace rolewatch::stream {

std::unique_ptr<Sink> TeamsSink::make(const std::string& name, const ConfigNode& node) {
  node.allow_keys({"type", "name", "url", "url_file", "headers", "timeout", "concurrency",
                   "min_interval", "tls_verify", "ca_file", "max_bytes"});
  // Workflows throttle above four requests a second: one at a time, 250 ms apart.
  auto settings = read_http_settings(node, 1, std::chrono::milliseconds(250));
  auto max_bytes = node.integer("max_bytes", kTeamsMaxMessageBytes, 4096, 28 * 1024);
  return std::unique_ptr<Sink>(
      new TeamsSink(name, std::move(settings), static_cast<std::size_t>(max_bytes)));
}

TeamsSink::TeamsSink(std::string name, HttpSinkSettings settings, std::size_t max_bytes)
    : name_(std::move(name)), poster_(std::move(settings)), max_bytes_(max_bytes) {}

DeliveryOutcome TeamsSink::deliver(const DeliveryRequest& request) {
  // Teams has no idempotency key; the alert id is in the card and sent as a
  // header so a flow can dedupe on it if it wants to.
  return poster_.post(poster_.url(), {{"webhook-id", std::string(request.alert_id)}},
                      teams_message(request.alert, max_bytes_).dump(), request.cancel);
}

}  // namespace rolewatch::stream
