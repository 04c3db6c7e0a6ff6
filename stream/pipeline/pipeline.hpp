#pragma once
// The processing pipeline shared by `replay` and `run`: decode a batch of
// messages, apply every rule, and commit state + offsets + new alerts in one
// RocksDB write. Sources only feed it batches.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "rules/activation_rules.hpp"
#include "rules/alert.hpp"
#include "rules/role_event.hpp"
#include "rules/rule_definition.hpp"
#include "rules/twin_pairing.hpp"
#include "state/base/expected.hpp"
#include "state/store.hpp"
#include "stream/pipeline/audit_decoder.hpp"
#include "stream/source/event_clock.hpp"
#include "stream/source/source_message.hpp"

namespace rolewatch::stream {

inline constexpr std::size_t kRoleEventKinds = static_cast<std::size_t>(rules::Kind::other) + 1;
using RoleEventKindCounts = std::array<std::uint64_t, kRoleEventKinds>;

struct BatchCounters {
  DecodeCounters decode;
  std::uint64_t role_events = 0;
  RoleEventKindCounts role_events_by_kind{};  // indexed by rules::Kind
  std::uint64_t duplicates = 0;               // audit id already processed
  // Dropped as late: older than watermark - window - grace, of the longest
  // rule (retention: dedup ids are gone) or of the one rule (rule_window).
  std::uint64_t late_retention = 0;
  std::uint64_t late_rule_window = 0;
  // Skipped as future: stamped more than kMaxFutureSkew after the message's
  // broker timestamp (live) or the host clock (replay: no broker timestamp).
  std::uint64_t future_broker_time = 0;
  std::uint64_t future_host_clock = 0;
  std::uint64_t alerts = 0;
  std::uint64_t muted_alerts = 0;   // raised while restoring; not sent again
  std::uint64_t alert_updates = 0;  // later revisions of a burst alert (status updated)
  std::uint64_t alert_closes = 0;   // final revisions (status closed)
  // MS-PIM twin candidates (docs/design.md §3, "Dedup and twins"): paired with
  // a PIM record (not counted), held for a decision, and released unpaired
  // (counted with their real initiator).
  std::uint64_t twins_paired = 0;
  std::uint64_t twins_held = 0;
  std::uint64_t twins_unpaired = 0;
  std::uint64_t activations = 0;  // PIM activations labelled

  std::uint64_t late() const { return late_retention + late_rule_window; }
  std::uint64_t future() const { return future_broker_time + future_host_clock; }
  BatchCounters& operator+=(const BatchCounters& other);
};

// How far after its reference (broker timestamp, else host clock) a record
// may be stamped before it is skipped as future.
inline constexpr EventTime kMaxFutureSkew = 3600LL * 1'000'000;

// The host clock in microseconds since the epoch; injectable for tests.
using WallClock = std::function<EventTime()>;
EventTime system_wall_clock();

struct PipelineOptions {
  WallClock now;  // null: system_wall_clock
  // How far apart in event time an MS-PIM Core Directory record and its PIM
  // record may be and still pair as twins.
  rules::EventTime twin_window = rules::kDefaultTwinWindow;
  // Which activation rules judge labelled activations, with what settings.
  rules::ActivationRulesConfig activation_rules = rules::default_activation_rules();
  // Decode on a second thread too (stream/pipeline/decode_worker.hpp):
  // replay's throughput on 2 cores; output and state are the same.
  bool decode_worker = false;
  // Keep output documents in the outbox for the sinks. Off only where the
  // state is deleted at exit with no sink to read it (replay without
  // --state-dir): BatchResult::documents still has every one.
  bool outbox = true;
};

// What a flush decides early (see Pipeline::flush).
enum class FlushScope {
  updates,       // owed burst updates go now, whatever the rules' intervals
  end_of_input,  // and held twin candidates are decided: no PIM record will come
};

struct BatchResult {
  std::vector<rules::Alert> alerts;     // new, unmuted burst alerts (already in the outbox)
  std::vector<rules::Alert> revisions;  // unmuted updates and closes of burst alerts
  // Every output document in the order produced, as the JSON text that went
  // to the outbox: alerts of all rules (rolewatch.alert.v1) and labelled
  // activations (rolewatch.activation.v1).
  std::vector<std::string> documents;
  BatchCounters counters;
  rules::EventTime watermark = 0;            // after the batch
  std::uint64_t bytes = 0;                   // message payload bytes
  std::int64_t newest_broker_ms = 0;         // newest broker timestamp in the batch, 0 if none
  std::chrono::nanoseconds process_time{0};  // decode, rules and the write
  std::chrono::nanoseconds write_time{0};    // the RocksDB write alone
};

class Pipeline {
 public:
  static Expected<std::unique_ptr<Pipeline>> make(state::Store& store,
                                                  std::vector<rules::RuleDefinition> rules,
                                                  PipelineOptions options = {});
  ~Pipeline();

  // Processes the messages in order, then whatever fell due (burst updates
  // and closes, twin decisions), and commits everything in one write. On
  // error nothing of the batch is committed.
  Expected<BatchResult> process(std::span<const SourceMessage> messages);
  // What fell due without input (wall-clock update intervals); writes only
  // if something did. Sources call it when idle.
  Expected<BatchResult> tick();
  // Decides early what would otherwise wait: at the end of a replay
  // (end_of_input) and when `run` stops (updates).
  Expected<BatchResult> flush(FlushScope scope);

  const std::vector<rules::RuleDefinition>& rules() const;
  // The event-time clock: sources assign partitions and say which hold the
  // watermark; process() observes record times and persists partition times
  // with their offsets.
  EventClock& clock();

 private:
  struct Impl;
  explicit Pipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rolewatch::stream
