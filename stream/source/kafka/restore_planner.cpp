#include "stream/source/kafka/restore_planner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "state/base/time.hpp"

namespace rolewatch::stream {
namespace {

using PartitionList = std::vector<RdKafka::TopicPartition*>;

std::string time_text(std::int64_t unix_ms) {
  return unix_ms < 0 ? std::string("at an unknown time") : state::format_event_time(unix_ms * 1000);
}

// Owns the TopicPartition objects librdkafka's C++ API hands around raw.
struct OwnedPartitions {
  PartitionList list;
  ~OwnedPartitions() { RdKafka::TopicPartition::destroy(list); }
};

}  // namespace

RestorePlanner::RestorePlanner(KafkaClientFactory& clients, std::string topic,
                               std::chrono::milliseconds lookback,
                               std::chrono::milliseconds timeout)
    : clients_(clients), topic_(std::move(topic)), lookback_(lookback), timeout_(timeout) {}

std::map<std::int32_t, RestoreStart> RestorePlanner::plan(
    RdKafka::KafkaConsumer& consumer, const std::map<std::int32_t, std::int64_t>& checkpoints) {
  std::map<std::int32_t, RestoreStart> starts;
  for (const auto& [partition, time] : checkpoint_times(checkpoints)) {
    RestoreStart start;
    start.checkpoint_time_ms = time;
    if (time >= 0) start.skip_before_ms = time - lookback_.count();
    starts[partition] = start;
  }
  find_start_offsets(consumer, starts);
  for (auto& [partition, start] : starts) {
    if (start.offset >= 0) start.offset = std::min(start.offset, checkpoints.at(partition));
    spdlog::info(
        "restore {}/{}: checkpoint offset {} (enqueued {}); reading from {}{}, alerts muted below "
        "the checkpoint",
        topic_, partition, checkpoints.at(partition), time_text(start.checkpoint_time_ms),
        start.offset == RdKafka::Topic::OFFSET_BEGINNING ? std::string("the earliest offset")
                                                         : "offset " + std::to_string(start.offset),
        start.skip_before_ms > 0
            ? " skipping messages enqueued before " + time_text(start.skip_before_ms)
            : std::string());
  }
  return starts;
}

// Reads the message before each checkpoint with a short-lived consumer that
// joins no group and commits nothing. -1: unknown (no longer retained).
std::map<std::int32_t, std::int64_t> RestorePlanner::checkpoint_times(
    const std::map<std::int32_t, std::int64_t>& checkpoints) {
  std::map<std::int32_t, std::optional<std::int64_t>> found;
  auto probe =
      clients_.consumer({{"enable.auto.commit", "false"}, {"enable.partition.eof", "true"}});
  if (probe) {
    OwnedPartitions assignment;
    for (const auto& [partition, checkpoint] : checkpoints) {
      assignment.list.push_back(RdKafka::TopicPartition::create(topic_, partition, checkpoint - 1));
    }
    (*probe)->assign(assignment.list);
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    while (found.size() < checkpoints.size() && std::chrono::steady_clock::now() < deadline) {
      std::unique_ptr<RdKafka::Message> message((*probe)->consume(100));
      auto partition = message->partition();
      if (!checkpoints.contains(partition) || found.contains(partition)) continue;
      if (message->err() == RdKafka::ERR_NO_ERROR) {
        // Another offset: the checkpoint's message is past retention.
        bool exact = message->offset() == checkpoints.at(partition) - 1;
        found[partition] = exact ? std::optional(message->timestamp().timestamp) : std::nullopt;
      } else if (message->err() == RdKafka::ERR__PARTITION_EOF) {
        found[partition] = std::nullopt;
      }
    }
    (*probe)->close();
  } else {
    spdlog::warn("restore: cannot read checkpoint times: {}", probe.error().message);
  }
  std::map<std::int32_t, std::int64_t> times;
  for (const auto& [partition, checkpoint] : checkpoints) {
    auto it = found.find(partition);
    times[partition] = it != found.end() && it->second ? *it->second : -1;
    if (times[partition] < 0) {
      spdlog::warn(
          "restore {}/{}: the message before the checkpoint is no longer retained; "
          "re-reading everything retained (windows may be incomplete)",
          topic_, partition);
    }
  }
  return times;
}

void RestorePlanner::find_start_offsets(RdKafka::KafkaConsumer& consumer,
                                        std::map<std::int32_t, RestoreStart>& starts) {
  OwnedPartitions query;
  for (const auto& [partition, start] : starts) {
    if (start.checkpoint_time_ms >= 0) {
      query.list.push_back(
          RdKafka::TopicPartition::create(topic_, partition, start.skip_before_ms));
    }
  }
  if (query.list.empty()) return;
  auto err = consumer.offsetsForTimes(query.list, static_cast<int>(timeout_.count()));
  for (auto* result : query.list) {
    auto& start = starts[result->partition()];
    if (err == RdKafka::ERR_NO_ERROR && result->err() == RdKafka::ERR_NO_ERROR &&
        result->offset() >= 0) {
      start.offset = result->offset();  // found: nothing older is read, no skipping needed
      start.skip_before_ms = 0;
    }
    // Otherwise (librdkafka's mock answers -1): from the beginning, skipping.
  }
}

}  // namespace rolewatch::stream
