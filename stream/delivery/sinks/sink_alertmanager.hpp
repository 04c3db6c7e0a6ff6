#pragma once
// `alertmanager`: posts the alert to Prometheus Alertmanager's v2 API
// (POST /api/v2/alerts). Alertmanager keeps alerts in memory only and
// resolves them at endsAt, so, like Prometheus, the sender re-posts the
// alert every resend_interval until it resolves, active_for after the
// revision was decided. A burst's revisions post the same labels (so
// Alertmanager sees one alert) with updated annotations; the closed revision
// is posted once with endsAt = now, which resolves it. A newer revision
// stops the re-posts of older ones (supersedes_revisions).
//
//   - type: alertmanager
//     url: http://alertmanager:9093
//     resend_interval: 1m
//     active_for: 1h
//     labels: {team: identity}       # static extra labels
#include <map>
#include <memory>
#include <string>

#include "stream/config/config_node.hpp"
#include "stream/delivery/sink.hpp"
#include "stream/delivery/sinks/http_delivery.hpp"

namespace rolewatch::stream {

class AlertmanagerSink : public Sink {
 public:
  static std::unique_ptr<Sink> make(const std::string& name, const ConfigNode& node);

  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "alertmanager"; }
  std::string describe() const override { return poster_.describe(); }
  DeliveryOutcome deliver(const DeliveryRequest& request) override;
  std::size_t concurrency() const override { return poster_.settings().concurrency; }
  std::chrono::milliseconds min_interval() const override {
    return poster_.settings().min_interval;
  }
  std::optional<ResendPolicy> resend_policy() const override { return policy_; }
  // Alertmanager holds one alert per label set: only a burst's newest revision matters.
  bool supersedes_revisions() const override { return true; }

  // The postable alert list for one alert (exposed for tests).
  nlohmann::json payload(const nlohmann::json& alert, SystemTime resolve_at) const;

 private:
  AlertmanagerSink(std::string name, HttpSinkSettings settings);

  std::string name_;
  JsonPoster poster_;
  std::string endpoint_;
  ResendPolicy policy_;
  std::string alertname_;  // empty: derived from the rule id
  std::map<std::string, std::string> static_labels_;
  std::string runbook_url_;
};

// "privileged-role-removal-burst" -> "PrivilegedRoleRemovalBurst".
std::string alertname_for_rule(std::string_view rule_id);

}  // namespace rolewatch::stream
