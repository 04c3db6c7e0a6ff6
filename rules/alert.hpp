#pragma once
// The alert a burst raises, and its rolewatch.alert.v1 JSON form.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "rules/role_event.hpp"
#include "state/base/json_writer.hpp"

namespace rolewatch::rules {

struct Removal {
  std::string audit_id;
  EventTime time = 0;
  std::string activity;
  Service service = Service::other;
  Outcome result = Outcome::success;
  Principal target;
  Role role;
};

// Where a burst alert is in its lifecycle (docs/design.md §3, "Burst updates").
enum class AlertStatus { firing, updated, closed };
std::string_view to_string(AlertStatus status);

struct Alert {
  std::string id;  // stable: derived from rule, group and the burst's first record
  // Revision 1 is the first alert (firing); each update or the close is the
  // next revision of the same id. Receivers dedupe on (id, revision).
  AlertStatus status = AlertStatus::firing;
  std::uint32_t revision = 1;
  std::string rule;
  std::string title;
  std::string severity;
  std::string mitre_tactic;
  std::string mitre_technique;
  std::string tenant_id;
  Actor actor;
  std::uint32_t count = 0;  // distinct (target, role) pairs in the burst
  std::uint32_t threshold = 0;
  std::int64_t window_seconds = 0;
  EventTime first_seen = 0;
  EventTime last_seen = 0;
  EventTime detected_at = 0;  // wall clock when revision 1 was raised
  EventTime updated_at = 0;   // wall clock when this revision was decided
  // Sent already by the instance that read these removals before the state
  // was lost: a first revision whose restored removals cross the threshold on
  // their own, or a later one whose removals were all restored. It is rebuilt
  // muted (not part of the JSON).
  bool raised_before = false;
  std::vector<Removal> removals;
};

// The rolewatch.alert.v1 text of an alert, written without building a DOM
// (a burst's update lists every removal again, and replay raises hundreds):
// byte for byte what nlohmann's dump() writes for the same document, keys
// in its sorted order.
std::string to_text(const Alert& alert);

// The objects every rolewatch.alert.v1 document has, whichever rule raised
// it: after out.key("actor") and out.key("mitre").
void write_actor(state::JsonWriter& out, const Actor& actor, std::string_view ip_address);
void write_mitre(state::JsonWriter& out, std::string_view tactic, std::string_view technique);

nlohmann::json to_json(const Alert& alert);  // to_text(), parsed
Alert alert_from_json(const nlohmann::json& document);

}  // namespace rolewatch::rules
