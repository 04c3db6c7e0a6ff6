#pragma once
// A long stretch of realistic AuditLogs traffic as Event Hubs would hold it
// after an outage: hours of mostly non-RoleManagement records (1-2 KB each,
// several close-in-time records per {"records":[...]} message), a few
// legitimate role changes, and removal bursts (distinct actors, each removing
// GA/PRA from `removals_per_burst` admins) whose removals sit in DIFFERENT
// messages on DIFFERENT partitions. Messages go to partitions evenly or with
// a given share on partition 0; each partition's messages are in time order,
// as Event Hubs appends them. Deterministic for a given spec.
//
//   auto backlog = support::backlog_stream({.partitions = 4, .share_on_first = 0.55});
//   support::publish_timed(bootstrap, topic, support::timed_messages(backlog));
//   support::write_time_ordered_jsonl(backlog, dir / "backlog.jsonl");  // for `replay`
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "support/audit_records.hpp"
#include "support/kafka_harness.hpp"

namespace support {

struct BacklogSpec {
  int partitions = 4;
  // Share of the messages on partition 0; 0 (or anything <= 1/partitions):
  // every partition equally likely.
  double share_on_first = 0;
  int minutes = 12 * 60;  // stretch of event time
  int bursts = 24;
  int first_burst_minute = 15;
  int burst_every_minutes = 30;
  int removals_per_burst = 3;  // the default rule's threshold
  // 0: every burst by its own actor; n: burst b by actor b % n (an actor
  // bursting again after its window is a new alert).
  int actors = 0;
  // Every other burst is slow: its removals ~10 min apart instead of ~1 min.
  bool slow_bursts = true;
  int noise_records_per_hour = 300;
  std::size_t noise_min_bytes = 800;
  std::size_t noise_max_bytes = 2000;
  // Event Hubs' enqueued time = newest record of the message + this delay
  // (Entra's delivery delay), random in [min, max] seconds.
  int delivery_delay_min_s = 20;
  int delivery_delay_max_s = 120;
  std::string start = std::string(kBaseTime);  // event time of minute 0
  unsigned seed = 1;
  // Prefix of actor and audit ids, so two backlogs in one topic do not collide.
  std::string tag = "bl";
};

struct BacklogMessage {
  std::int32_t partition = 0;
  std::int64_t enqueued_ms = 0;      // broker timestamp (ms since the epoch)
  std::int64_t newest_event_us = 0;  // newest activityDateTime in it
  std::string body{};                // {"records":[...]}
};

struct BacklogBurst {
  std::string actor_id{};  // the alert's actor.id
  std::int64_t first_event_us = 0;
  // Indexes into Backlog::messages of the messages holding its removals
  // (one removal each, all on different partitions), in time order.
  std::vector<std::size_t> removal_messages;
};

struct Backlog {
  std::vector<BacklogMessage> messages;  // every message, ordered by enqueued time
  std::vector<BacklogBurst> bursts;
  int partitions = 0;
  std::vector<std::uint64_t> bytes_per_partition;
  std::vector<std::size_t> messages_per_partition;
  std::size_t records = 0;

  double share_on(int partition) const;  // of the messages
  std::uint64_t largest_partition_bytes() const;
  std::vector<TimedMessage> timed() const;  // all messages, for publish_timed
  // Only the messages with enqueued_ms <= / > `split_ms`.
  std::vector<TimedMessage> timed_until(std::int64_t split_ms) const;
  std::vector<TimedMessage> timed_after(std::int64_t split_ms) const;
};

Backlog backlog_stream(const BacklogSpec& spec);

// Every message of the backlog, one per line, in event-time (enqueued) order:
// the input of a `rolewatch replay` that sees the stream in time order.
void write_time_ordered_jsonl(const Backlog& backlog, const std::filesystem::path& path);

// The id of actor `n` of backlogs tagged `tag` (burst n's, unless spec.actors).
std::string backlog_actor_id(const std::string& tag, int n);

}  // namespace support
