#pragma once
// The per-group sliding-window state of one burst rule, as stored in RocksDB.
// Plain data with a compact binary codec; the rules decide what goes in.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rolewatch::state {

struct WindowEntry {
  std::int64_t time = 0;  // event time, microseconds since the epoch
  std::string audit_id;
  std::string activity;
  std::uint8_t service = 0;  // rules::Service
  std::uint8_t result = 0;   // rules::Outcome
  std::string target_id;
  std::string target_upn;
  std::string target_type;
  std::string role_template_id;
  std::string role_name;
  // Set once the burst this entry belongs to has alerted; entries joining an
  // alerted burst inherit it, which is what makes "one alert per burst" hold
  // across batches and restarts.
  std::string alert_id;
  // Read below a restore checkpoint: the previous owner of the partition
  // processed it already (and raised whatever alert it completed).
  bool restored = false;
};

struct WindowActor {
  std::uint8_t type = 0;  // rules::ActorType
  std::string id;
  std::string user_principal_name;
  std::string display_name;
  std::string ip_address;
};

// Where one alerted burst of the group stands (docs/design.md §3, "Burst
// updates"): the last revision decided, when, and whether removals joined
// since. Its removals are the entries carrying its id.
struct BurstAlert {
  std::string id;
  std::uint32_t revision = 0;   // last revision decided (sent, or muted while restoring)
  std::int64_t fired_at = 0;    // wall clock of revision 1, microseconds: detectedAt
  std::int64_t decided_at = 0;  // wall clock of the last revision
  bool pending = false;         // removals joined since: an update is owed
  bool closed = false;          // the closed revision was decided
};

struct GroupWindow {
  std::vector<WindowEntry> entries;  // sorted by (time, audit_id)
  WindowActor actor;                 // latest known details of the actor
  std::string tenant_id;
  std::vector<BurstAlert> alerts;  // alerted bursts that still have entries

  std::int64_t newest_time() const { return entries.empty() ? 0 : entries.back().time; }
  BurstAlert* find_alert(std::string_view id);  // null when not there
};

std::string encode_group_window(const GroupWindow& window);
std::optional<GroupWindow> decode_group_window(std::string_view bytes);

}  // namespace rolewatch::state
