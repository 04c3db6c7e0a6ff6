#include "stream/delivery/sinks/sink_webhook.hpp"

#include <chrono>

#include "stream/config/insecure_settings.hpp"

namespace rolewatch::stream {

std::unique_ptr<Sink> WebhookSink::make(const std::string& name, const ConfigNode& node) {
  node.allow_keys({"type", "name", "url", "url_file", "headers", "timeout", "concurrency",
                   "min_interval", "tls_verify", "ca_file", "allow_insecure", "secret",
                   "secret_file", "hub_secret", "hub_secret_file", "format", "event_type",
                   "activations", "updates"});
  auto settings = read_http_settings(node, 2, std::chrono::milliseconds(0));
  auto signer = WebhookSigner::make(read_secrets(node, "secret"));
  if (!signer) node.fail("secret", signer.error().message);
  std::unique_ptr<WebhookSink> sink(new WebhookSink(name, std::move(settings), std::move(*signer)));
  if (auto hub = node.secret("hub_secret")) {
    if (hub->empty()) node.fail("hub_secret", "is empty (is its environment variable set?)");
    sink->hub_secret_ = std::move(*hub);
  }
  auto format = node.optional_string("format").value_or("alert");
  if (format != "alert" && format != "envelope") node.fail("format", "expected alert or envelope");
  sink->envelope_ = format == "envelope";
  sink->event_type_ = node.optional_string("event_type").value_or(sink->event_type_);
  // Receivers can tell our alerts from forged ones only by a signature.
  if (sink->signer_.empty() && sink->hub_secret_.empty()) {
    accept_insecure(node, "secret",
                    "missing (the webhook is unsigned: a receiver cannot tell a forged alert)");
  }
  return sink;
}

WebhookSink::WebhookSink(std::string name, HttpSinkSettings settings, WebhookSigner signer)
    : name_(std::move(name)), poster_(std::move(settings)), signer_(std::move(signer)) {}

std::string WebhookSink::body_for(const DeliveryRequest& request) const {
  if (!envelope_) return std::string(request.body);
  bool activation = is_activation_document(request.alert);
  nlohmann::json envelope = {
      {"type", activation ? std::string("rolewatch.activation") : event_type_},
      {"timestamp", request.alert.value(activation ? "time" : "detectedAt", "")},
      {"data", request.alert},
  };
  return envelope.dump();
}

DeliveryOutcome WebhookSink::deliver(const DeliveryRequest& request) {
  auto body = body_for(request);
  // The timestamp is the attempt's, as the spec asks: receivers reject stale ones.
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  // One id per revision ("<id>.<revision>"): a receiver dedupes retries of
  // a revision and still takes the next one.
  auto id = delivery_id(request.alert, request.alert_id);
  std::vector<state::HttpHeader> headers{
      {"webhook-id", id},
      {"webhook-timestamp", std::to_string(now)},
  };
  if (!signer_.empty()) headers.push_back({"webhook-signature", signer_.sign(id, now, body)});
  if (!hub_secret_.empty()) {
    headers.push_back({"X-Hub-Signature-256", hub_signature_256(hub_secret_.reveal(), body)});
  }
  return poster_.post(poster_.url(), std::move(headers), std::move(body), request.cancel);
}

}  // namespace rolewatch::stream
