#pragma once
// `webhook`: the alert as JSON to a SOAR endpoint, signed per Standard
// Webhooks v1 (webhook-id = "<alert id>.<revision>", stable per revision, so
// retries and replays dedupe at the receiver and each burst update arrives), optionally also
// GitHub-style X-Hub-Signature-256, with optional secret headers (bearer or API tokens).
//
//   - type: webhook
//     url: https://soar.example.com/hooks/rolewatch
//     secret: ${WEBHOOK_SECRET}        # whsec_...; a list signs with each key
//     format: alert                    # or envelope: {type, timestamp, data}
//     hub_secret: ${HUB_SECRET}        # optional X-Hub-Signature-256
//     headers: {Authorization: "Bearer ${SOAR_TOKEN}"}
#include <memory>
#include <string>

#include "state/base/expected.hpp"
#include "stream/config/config_node.hpp"
#include "stream/delivery/sink.hpp"
#include "stream/delivery/sinks/http_delivery.hpp"
#include "stream/delivery/sinks/standard_webhooks.hpp"

namespace rolewatch::stream {

class WebhookSink : public Sink {
 public:
  static std::unique_ptr<Sink> make(const std::string& name, const ConfigNode& node);

  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "webhook"; }
  std::string describe() const override { return poster_.describe(); }
  DeliveryOutcome deliver(const DeliveryRequest& request) override;
  std::size_t concurrency() const override { return poster_.settings().concurrency; }
  std::chrono::milliseconds min_interval() const override {
    return poster_.settings().min_interval;
  }

  // The body sent for an alert: its stored bytes, or the envelope.
  std::string body_for(const DeliveryRequest& request) const;

 private:
  WebhookSink(std::string name, HttpSinkSettings settings, WebhookSigner signer);

  std::string name_;
  JsonPoster poster_;
  WebhookSigner signer_;
  Secret hub_secret_;
  bool envelope_ = false;
  std::string event_type_ = "rolewatch.alert";
};

}  // namespace rolewatch::stream
