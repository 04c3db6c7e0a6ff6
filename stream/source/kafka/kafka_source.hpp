#pragma once
// The live source: one librdkafka KafkaConsumer on Event Hubs' Kafka
// endpoint (or the embedded broker), feeding batches to a handler on the
// caller's thread. The handler (the pipeline) commits state, offsets and
// alerts in one RocksDB write; only then are the batch's offsets stored for
// the group's advisory commit.
//
// - Offsets come from RocksDB when partitions are assigned (partition_start);
//   a partition without one is restored from the group's checkpoint
//   (restore_planner), muted below it.
// - Batches: consume() per message (the batch API is unsafe with rebalances
//   in librdkafka 2.0.x); a batch closes at max_messages, after max_wait_ms,
//   or as soon as no further message is waiting, so a quiet stream is not
//   delayed and a busy one gets large batches (one fsync each).
// - Revocation first commits the pending batch, so the next owner starts
//   exactly where this one stopped.
//
// - Event time (docs/design.md §3): each partition's time lives in the pipeline's
//   EventClock, restored from RocksDB on assignment. After every batch the
//   source says which partitions hold the watermark (caught up and quiet for
//   idle_after: no longer) and pauses those more than max_skew ahead, so a
//   backlog is read in event-time order across partitions (event_clock.hpp).
//
// Supported topology: per-actor windows need all of an actor's records, and
// the diagnostic export spreads them over partitions, so ONE active consumer
// per group and state directory. A second member in the same group takes
// partitions over (rebuilding their windows from the checkpoint, muted), but
// while two members split the partitions a burst spanning both may go
// undetected: run it as a standby for failover and rolling updates, not to
// scale out. `assignment: static` reads every partition without joining the
// group (no rebalance wait on restart).
#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "state/net/backoff.hpp"
#include "state/store.hpp"
#include "stream/config/config.hpp"
#include "stream/source/event_clock.hpp"
#include "stream/source/kafka/kafka_client.hpp"
#include "stream/source/source_message.hpp"

namespace rolewatch::stream {

struct SourceOptions {
  // Return from run() once every assigned partition is caught up (demo, tests).
  bool stop_at_end = false;
  // Window + grace of the longest rule plus the delivery allowance: how far
  // before the checkpoint a restore starts.
  std::chrono::milliseconds restore_lookback{std::chrono::hours(4)};
  // Called on the consumer thread with the partitions now assigned.
  std::function<void(const std::vector<std::int32_t>&)> on_assignment;
  // librdkafka statistics JSON, every statistics.interval.ms.
  std::function<void(const std::string&)> on_stats;
  // The pipeline's clock; null: no alignment (every partition read freely).
  EventClock* clock = nullptr;
  // On the consumer thread after alignment changed, at most every 500 ms.
  std::function<void(const AlignmentStatus&)> on_alignment;
};

struct SourceCounters {
  std::atomic<std::uint64_t> messages{0};  // handed to the pipeline
  std::atomic<std::uint64_t> batches{0};
  std::atomic<std::uint64_t> muted_messages{0};  // below a restore checkpoint
  std::atomic<std::uint64_t> skipped_old{0};     // older than a restore's start, not decoded
  std::atomic<std::uint64_t> rebalances{0};
  std::atomic<std::uint64_t> restored_partitions{0};
  std::atomic<std::uint64_t> pauses{0};  // partitions paused ahead of the watermark
  std::atomic<std::uint64_t> holds{0};   // times consumption paused for the state (disk full)
  std::atomic<int> assigned_partitions{0};
  std::atomic<int> paused_partitions{0};
};

class KafkaSource {
 public:
  // Commits the batch (state + offsets + alerts) or fails; a failure stops
  // the source.
  // Called with each batch; with an empty one when idle (about once a second).
  using BatchHandler = std::function<Status(std::span<const SourceMessage>)>;

  static Expected<std::unique_ptr<KafkaSource>> open(const SourceConfig& source,
                                                     const std::string& bootstrap,
                                                     state::Store& store, SourceOptions options);
  ~KafkaSource();

  // Consumes until `stop` is set, a fatal error, or (stop_at_end) the end.
  // The last batch is always handed over before returning.
  Status run(const BatchHandler& handler, const std::atomic<bool>& stop);
  // Leaves the group (committing the stored offsets) and closes the client.
  void close();

  const SourceCounters& counters() const { return counters_; }
  KafkaEventLog& events() { return clients_.events(); }

 private:
  struct PartitionState {
    std::int64_t mute_until = 0;
    std::int64_t skip_before_ms = 0;
    bool caught_up = false;
    bool ever_read = false;  // since this assignment
    bool paused = false;     // ahead of the watermark
    bool held = false;       // paused while the state refuses the batch (disk full)
    std::chrono::steady_clock::time_point last_activity;  // message or assignment
    std::string clock_key;                                // its name in the EventClock
    // Resumed ahead of the group's committed offset (a kill before the
    // advisory commit): committed at once, not only after the next message.
    std::int64_t commit_on_start = -1;
  };
  class Rebalancer;
  using PartitionList = std::vector<RdKafka::TopicPartition*>;

  KafkaSource(const SourceConfig& source, const std::string& bootstrap, state::Store& store,
              SourceOptions options);
  Status start();
  Status assign_all_partitions();
  void retry_static_assignment();

  void on_rebalance(RdKafka::ErrorCode err, PartitionList& partitions);
  Status prepare_assignment(PartitionList& partitions);
  Expected<std::map<std::int32_t, std::int64_t>> group_committed(const PartitionList& partitions);
  void revoke(PartitionList& partitions, bool cooperative);

  bool on_message(std::unique_ptr<RdKafka::Message> message);
  void add_to_batch(std::unique_ptr<RdKafka::Message> message, PartitionState& partition);
  bool batch_due(bool queue_empty) const;
  void flush();
  void hold();
  void hold_step();
  void pause_for_hold();
  void release();
  void drop_from_batch(const PartitionList& partitions, bool all);
  void idle_tick();  // an empty batch to the handler, at most once a second
  void store_offsets();
  bool caught_up() const;
  void align();
  void apply_pauses(const std::vector<std::int32_t>& pause,
                    const std::vector<std::int32_t>& resume);
  void report_alignment(bool changed);
  void forget_partition(std::int32_t partition);
  void commit_resumed_offsets();
  void fail(Error error);
  void assignment_changed();

  SourceConfig source_;
  state::Store& store_;
  SourceOptions options_;
  KafkaClientFactory clients_;
  std::unique_ptr<Rebalancer> rebalancer_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::map<std::int32_t, PartitionState> partitions_;

  std::vector<std::unique_ptr<RdKafka::Message>> batch_messages_;
  std::vector<SourceMessage> batch_;
  std::chrono::steady_clock::time_point batch_started_;
  std::size_t batch_bytes_ = 0;  // payload bytes held by the open batch
  AlignmentSettings alignment_;
  std::chrono::steady_clock::time_point last_report_;
  const BatchHandler* handler_ = nullptr;  // set while run() is active
  std::chrono::steady_clock::time_point last_tick_{};
  std::optional<Error> failure_;
  // The batch the handler refused as `unavailable` (state volume full,
  // failing writes) stays in batch_; every partition is paused and the batch
  // is offered again each kHoldRetry until it commits.
  bool held_ = false;
  // Static mode before its partitions are known: failed attempts and the next.
  int static_attempts_ = 0;
  std::chrono::steady_clock::time_point static_retry_at_{};
  state::Backoff static_backoff_{{std::chrono::seconds(1), std::chrono::seconds(30)}};
  std::chrono::steady_clock::time_point hold_retry_at_{};
  SourceCounters counters_;
};

}  // namespace rolewatch::stream
