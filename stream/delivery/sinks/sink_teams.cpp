#include "stream/delivery/sinks/sink_teams.hpp"

#include "stream/delivery/sinks/sink_settings.hpp"
#include "stream/delivery/sinks/teams_card.hpp"

namespace rolewatch::stream {
namespace {

// A burst quiet this long is over or forgotten: its entry is dropped.
constexpr auto kForgetAfter = std::chrono::hours(24);

std::set<std::string> audit_ids_of(const nlohmann::json& alert) {
  std::set<std::string> ids;
  auto removals = alert.find("removals");
  if (removals == alert.end() || !removals->is_array()) return ids;
  for (const auto& removal : *removals) {
    auto id = removal.find("auditId");
    if (id != removal.end() && id->is_string()) ids.insert(id->get<std::string>());
  }
  return ids;
}

}  // namespace

std::unique_ptr<Sink> TeamsSink::make(const std::string& name, const ConfigNode& node) {
  node.allow_keys({"type", "name", "url", "url_file", "headers", "timeout", "concurrency",
                   "min_interval", "tls_verify", "ca_file", "allow_insecure", "max_bytes",
                   "update_interval", "updates"});
  // Workflows throttle above four requests a second: one at a time, 250 ms apart.
  auto settings = read_http_settings(node, 1, std::chrono::milliseconds(250));
  auto max_bytes = node.integer("max_bytes", kTeamsMaxMessageBytes, 4096, 28 * 1024);
  std::unique_ptr<TeamsSink> sink(
      new TeamsSink(name, std::move(settings), static_cast<std::size_t>(max_bytes)));
  sink->update_interval_ = read_duration(node, "update_interval", sink->update_interval_);
  return sink;
}

TeamsSink::TeamsSink(std::string name, HttpSinkSettings settings, std::size_t max_bytes)
    : name_(std::move(name)), poster_(std::move(settings)), max_bytes_(max_bytes) {}

std::optional<nlohmann::json> TeamsSink::message_for(const DeliveryRequest& request,
                                                     Steady::time_point now) {
  switch (revision_of(request.alert).status) {
    case RevisionStatus::firing:
      return teams_message(request.alert, max_bytes_);
    case RevisionStatus::closed:
      return teams_closed_message(request.alert);
    case RevisionStatus::updated:
      break;
  }
  std::lock_guard lock(mutex_);
  auto it = shown_.find(request.alert_id);
  if (it == shown_.end()) return teams_update_message(request.alert, {}, max_bytes_);
  if (now - it->second.at < update_interval_) return std::nullopt;
  return teams_update_message(request.alert, it->second.audit_ids, max_bytes_);
}

void TeamsSink::remember(const DeliveryRequest& request, Steady::time_point now) {
  auto revision = revision_of(request.alert);
  std::lock_guard lock(mutex_);
  std::erase_if(shown_, [&](const auto& entry) { return now - entry.second.at > kForgetAfter; });
  if (revision.status == RevisionStatus::closed) {
    shown_.erase(std::string(request.alert_id));
  } else if (request.alert.contains("revision")) {  // a burst: updates may follow
    shown_[std::string(request.alert_id)] = {now, audit_ids_of(request.alert)};
  }
}

DeliveryOutcome TeamsSink::deliver(const DeliveryRequest& request) {
  auto now = Steady::now();
  auto message = message_for(request, now);
  if (!message) return DeliveryOutcome::skip("an update within update_interval of the last card");
  // Teams has no idempotency key; the revision's id is in the card and sent
  // as a header so a flow can dedupe on it if it wants to.
  auto outcome =
      poster_.post(poster_.url(), {{"webhook-id", delivery_id(request.alert, request.alert_id)}},
                   message->dump(), request.cancel);
  if (outcome.kind == DeliveryOutcome::Kind::delivered) remember(request, now);
  return outcome;
}

}  // namespace rolewatch::stream
