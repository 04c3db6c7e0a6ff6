#include "stream/source/event_clock.hpp"

#include <algorithm>

namespace rolewatch::stream {

bool holds_watermark(const PartitionActivity& activity, EventTime partition_time,
                     const AlignmentSettings& settings) {
  if (!activity.caught_up) return true;
  // Caught up with nothing ever read: it has nothing to say about time.
  if (!activity.ever_read && partition_time == kUnknownTime) return false;
  return activity.quiet_for < settings.idle_after;
}

std::optional<EventTime> pause_reference(const std::vector<PartitionReading>& partitions) {
  std::optional<EventTime> oldest;
  for (const auto& p : partitions) {
    if (!p.holding || p.caught_up || p.time == kUnknownTime) continue;
    oldest = oldest ? std::min(*oldest, p.time) : p.time;
  }
  return oldest;
}

bool ahead_of_skew(EventTime partition_time, std::optional<EventTime> reference,
                   const AlignmentSettings& settings) {
  if (!reference || partition_time == kUnknownTime) return false;
  const EventTime skew =
      std::chrono::duration_cast<std::chrono::microseconds>(settings.max_skew).count();
  return partition_time - *reference > skew;
}

void EventClock::assign(const std::string& partition, EventTime restored_time) {
  auto& clock = partitions_[partition];
  clock.time = std::max(clock.time, restored_time);
  clock.holding = true;
  dirty_ = true;
}

void EventClock::revoke(const std::string& partition) {
  if (partitions_.erase(partition) > 0) dirty_ = true;
}

void EventClock::set_holding(const std::string& partition, bool holding) {
  auto it = partitions_.find(partition);
  if (it == partitions_.end() || it->second.holding == holding) return;
  it->second.holding = holding;
  dirty_ = true;
}

void EventClock::observe(const std::string& partition, EventTime time) {
  auto& clock = partitions_[partition];
  if (time <= clock.time) return;
  clock.time = time;
  // Reading a record means the partition had data: it holds again.
  clock.holding = true;
  dirty_ = true;
}

EventTime EventClock::watermark() {
  if (!dirty_) return floor_;
  dirty_ = false;
  std::optional<EventTime> oldest;
  for (const auto& [name, clock] : partitions_) {
    if (!clock.holding) continue;
    if (clock.time == kUnknownTime) return floor_;  // may still deliver anything
    oldest = oldest ? std::min(*oldest, clock.time) : clock.time;
  }
  if (oldest) floor_ = std::max(floor_, *oldest);
  return floor_;
}

EventTime EventClock::partition_time(const std::string& partition) const {
  auto it = partitions_.find(partition);
  return it == partitions_.end() ? kUnknownTime : it->second.time;
}

}  // namespace rolewatch::stream
