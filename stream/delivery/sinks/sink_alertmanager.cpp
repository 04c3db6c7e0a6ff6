#include "stream/delivery/sinks/sink_alertmanager.hpp"

#include <cctype>

#include "state/base/time.hpp"
#include "stream/delivery/sinks/plain_text.hpp"
#include "stream/delivery/sinks/sink_settings.hpp"
#include "stream/delivery/sinks/teams_card.hpp"

namespace rolewatch::stream {
namespace {

using nlohmann::json;

bool valid_label_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return !name.starts_with("__");
}

std::string api_endpoint(std::string url) {
  if (url.ends_with("/api/v2/alerts")) return url;
  while (url.ends_with('/')) url.pop_back();
  return url + "/api/v2/alerts";
}

std::string text_of(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string actor_name(const json& actor) {
  for (const char* key : {"userPrincipalName", "displayName", "id"}) {
    if (auto value = text_of(actor, key); !value.empty()) return value;
  }
  return "unknown";
}

// A burst says how many removals in which window; an activation alert says
// why. Annotations end up in Markdown or HTML templates: every string from
// the alert is plain text (stream/delivery/sinks/plain_text).
std::string description(const json& alert) {
  auto actor = plain_text(actor_name(alert.value("actor", json::object())));
  auto first = plain_text(text_of(alert, "firstSeen"));
  if (!alert.contains("removals")) {
    auto reason = text_of(alert, "reason");
    return plain_text(reason.empty() ? text_of(alert, "title") : reason) + " (" + actor + ", " +
           first + ")";
  }
  auto text = std::to_string(alert.value("count", 0)) + " privileged role removals (threshold " +
              std::to_string(alert.value("threshold", 0)) + " within " +
              plain_text(text_of(alert, "window")) + ") by " + actor + " between " + first +
              " and " + plain_text(text_of(alert, "lastSeen"));
  if (revision_of(alert).status == RevisionStatus::closed) text += "; the burst is over";
  return text;
}

std::string rfc3339(SystemTime time) {
  return state::format_event_time(
      std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count());
}

}  // namespace

std::string alertname_for_rule(std::string_view rule_id) {
  std::string name;
  bool upper = true;
  for (char c : rule_id) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      upper = true;
      continue;
    }
    name.push_back(upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    upper = false;
  }
  return name.empty() ? "RolewatchAlert" : name;
}

std::unique_ptr<Sink> AlertmanagerSink::make(const std::string& name, const ConfigNode& node) {
  node.allow_keys({"type", "name", "url", "url_file", "headers", "timeout", "concurrency",
                   "min_interval", "tls_verify", "ca_file", "allow_insecure", "resend_interval",
                   "active_for", "alertname", "labels", "runbook_url", "updates"});
  std::unique_ptr<AlertmanagerSink> sink(
      new AlertmanagerSink(name, read_http_settings(node, 1, std::chrono::milliseconds(0))));
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  sink->policy_.interval =
      duration_cast<seconds>(read_duration(node, "resend_interval", seconds(60)));
  sink->policy_.active_for =
      duration_cast<seconds>(read_duration(node, "active_for", seconds(3600)));
  if (sink->policy_.interval < seconds(1)) node.fail("resend_interval", "must be at least 1s");
  if (sink->policy_.active_for < sink->policy_.interval) {
    node.fail("active_for", "must be at least resend_interval");
  }
  sink->alertname_ = node.optional_string("alertname").value_or("");
  sink->runbook_url_ = node.optional_string("runbook_url").value_or("");
  if (node.has("labels")) {
    auto labels = node.child("labels");
    labels.require_map();
    for (const auto& entry : labels.yaml()) {
      auto label = entry.first.as<std::string>();
      if (!valid_label_name(label)) labels.fail(label, "is not a valid Prometheus label name");
      sink->static_labels_[label] = labels.string(label);
    }
  }
  return sink;
}

AlertmanagerSink::AlertmanagerSink(std::string name, HttpSinkSettings settings)
    : name_(std::move(name)), poster_(std::move(settings)) {
  endpoint_ = api_endpoint(poster_.url());
}

json AlertmanagerSink::payload(const json& alert, SystemTime resolve_at) const {
  const auto& actor = alert.value("actor", json::object());
  const auto& mitre = alert.value("mitre", json::object());
  auto rule = text_of(alert, "rule");
  json labels = {
      {"alertname", alertname_.empty() ? alertname_for_rule(rule) : alertname_},
      {"rule", rule},
      {"severity", text_of(alert, "severity")},
      {"actor", actor_name(actor)},
      {"technique", text_of(mitre, "technique")},
  };
  if (auto tenant = text_of(alert, "tenantId"); !tenant.empty()) labels["tenant"] = tenant;
  for (const auto& [label, value] : static_labels_) labels[label] = value;
  auto revision = revision_of(alert);
  json annotations = {
      {"summary", plain_text(text_of(alert, "title")) + " by " + plain_text(actor_name(actor))},
      {"description", description(alert)},
      {"alert_id", text_of(alert, "id")},
      {"revision", std::to_string(revision.number)},
      {"status", std::string(to_string(revision.status))},
  };
  if (!runbook_url_.empty()) annotations["runbook_url"] = runbook_url_;
  json posted = {{"labels", std::move(labels)},
                 {"annotations", std::move(annotations)},
                 {"endsAt", rfc3339(resolve_at)}};
  // The burst started with its first removal; without one Alertmanager uses "now".
  if (auto starts = text_of(alert, "firstSeen"); !starts.empty()) posted["startsAt"] = starts;
  if (auto url = entra_actor_url(actor); !url.empty()) posted["generatorURL"] = url;
  return json::array({std::move(posted)});
}

DeliveryOutcome AlertmanagerSink::deliver(const DeliveryRequest& request) {
  // The sender fixes resolve_at (now for a closed burst); a caller without it
  // gets the same rule.
  auto now = std::chrono::system_clock::now();
  auto closed = revision_of(request.alert).status == RevisionStatus::closed;
  auto resolve_at = request.resolve_at.value_or(closed ? now : now + policy_.active_for);
  return poster_.post(endpoint_, {}, payload(request.alert, resolve_at).dump(), request.cancel);
}

}  // namespace rolewatch::stream
