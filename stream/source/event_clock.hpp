#pragma once
// Event time across partitions (docs/design.md §3, "Event time"): the pipeline's
// clock is a watermark, not the newest time seen anywhere.
//
// Each partition (a Kafka partition, or one replayed file) has its own
// partition time: the newest event time read from it. The watermark is the
// minimum partition time over the partitions that still hold it back: those
// with data left to read. A partition that is caught up and has been quiet
// for `idle_after` stops holding it until it receives data again. The
// watermark never moves backwards. Lateness, pruning, dedup expiry and burst
// closing use it, so a backlog read partition by partition (as librdkafka
// hands it over) makes no record late.
//
// Alignment: partitions more than `max_skew` ahead of the others are paused
// (Kafka Streams' timestamp-synchronised tasks, Flink's watermark alignment),
// so fetches go to the partitions that are behind and state stays bounded.
// Correctness does not depend on pausing: records read ahead are processed
// as they come, and only the watermark decides what is late.
//
// Everything here is pure and single-threaded: the source decides which
// partitions hold the watermark, the pipeline observes record times.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rules/role_event.hpp"

namespace rolewatch::stream {

using rules::EventTime;

inline constexpr EventTime kUnknownTime = 0;  // nothing read from the partition yet

struct AlignmentSettings {
  std::chrono::milliseconds max_skew{std::chrono::minutes(15)};
  std::chrono::milliseconds idle_after{std::chrono::seconds(30)};
};

// What the source knows about one partition when it decides.
struct PartitionActivity {
  bool caught_up = false;  // at the end of the partition, nothing read since
  bool ever_read = false;  // a message was read from it since it was assigned
  std::chrono::steady_clock::duration quiet_for{0};  // since its last message (or assignment)
};

// A partition holds the watermark back while it may still deliver older
// records than the others: unless it is caught up and either quiet for
// `idle_after` or never had anything to read.
bool holds_watermark(const PartitionActivity& activity, EventTime partition_time,
                     const AlignmentSettings& settings);

// One partition as the pause decision sees it.
struct PartitionReading {
  EventTime time = kUnknownTime;
  bool holding = true;     // holds the watermark back
  bool caught_up = false;  // nothing left to read right now
};

// What partitions are paused against: the oldest known time among those
// that hold the watermark and still have data to read. A caught-up partition
// has nothing to catch up with, so pausing others for it would only delay
// them; nullopt when no partition is behind.
std::optional<EventTime> pause_reference(const std::vector<PartitionReading>& partitions);

// Whether a partition with `partition_time` runs more than max_skew ahead of
// `reference`.
bool ahead_of_skew(EventTime partition_time, std::optional<EventTime> reference,
                   const AlignmentSettings& settings);

struct PartitionClock {
  EventTime time = kUnknownTime;
  bool holding = true;
};

// What the source reports after aligning, for metrics and logs.
struct PartitionAlignment {
  std::int32_t partition = 0;
  EventTime time = kUnknownTime;
  bool holding = true;
  bool paused = false;
};
struct AlignmentStatus {
  EventTime watermark = kUnknownTime;
  std::vector<PartitionAlignment> partitions;
};

class EventClock {
 public:
  explicit EventClock(EventTime floor = kUnknownTime) : floor_(floor) {}

  // A partition joins with its persisted time (kUnknownTime when none).
  // A partition already known keeps the newer of the two.
  void assign(const std::string& partition, EventTime restored_time);
  void revoke(const std::string& partition);
  void set_holding(const std::string& partition, bool holding);
  // A record read from `partition`: its time moves the partition's time forward.
  void observe(const std::string& partition, EventTime time);

  // max(previous watermark, min over holding partitions); stays put while a
  // holding partition's time is still unknown.
  EventTime watermark();
  EventTime partition_time(const std::string& partition) const;
  const std::map<std::string, PartitionClock>& partitions() const { return partitions_; }

 private:
  std::map<std::string, PartitionClock> partitions_;
  EventTime floor_ = kUnknownTime;
  bool dirty_ = true;
};

}  // namespace rolewatch::stream
