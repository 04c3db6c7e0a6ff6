#include "stream/source/kafka/kafka_source.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "state/base/time.hpp"
#include "stream/source/kafka/partition_start.hpp"
#include "stream/source/kafka/restore_planner.hpp"

namespace rolewatch::stream {
namespace {

constexpr int kIdlePollMs = 100;
constexpr auto kIdleTickInterval = std::chrono::seconds(1);
constexpr auto kHoldRetry = std::chrono::seconds(1);
constexpr auto kAlignmentReportEvery = std::chrono::milliseconds(500);
constexpr int kBrokerTimeoutMs = 10'000;

struct OwnedPartitions {
  std::vector<RdKafka::TopicPartition*> list;
  ~OwnedPartitions() { RdKafka::TopicPartition::destroy(list); }
};

std::string describe(const std::vector<RdKafka::TopicPartition*>& partitions) {
  std::string text;
  for (const auto* partition : partitions) {
    if (!text.empty()) text += ",";
    text += std::to_string(partition->partition());
  }
  return "[" + text + "]";
}

const char* kind_name(StartKind kind) {
  switch (kind) {
    case StartKind::resume:
      return "resume";
    case StartKind::restore:
      return "restore";
    case StartKind::fresh:
      break;
  }
  return "fresh";
}

}  // namespace

class KafkaSource::Rebalancer : public RdKafka::RebalanceCb {
 public:
  explicit Rebalancer(KafkaSource& source) : source_(source) {}
  void rebalance_cb(RdKafka::KafkaConsumer*, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    source_.on_rebalance(err, partitions);
  }

 private:
  KafkaSource& source_;
};

KafkaSource::KafkaSource(const SourceConfig& source, const std::string& bootstrap,
                         state::Store& store, SourceOptions options)
    : source_(source),
      store_(store),
      options_(options),
      clients_(source, bootstrap),
      rebalancer_(std::make_unique<Rebalancer>(*this)),
      alignment_{source.max_skew, source.idle_after} {}

KafkaSource::~KafkaSource() {
  close();
}

Expected<std::unique_ptr<KafkaSource>> KafkaSource::open(const SourceConfig& source,
                                                         const std::string& bootstrap,
                                                         state::Store& store,
                                                         SourceOptions options) {
  std::unique_ptr<KafkaSource> kafka(new KafkaSource(source, bootstrap, store, options));
  if (auto status = kafka->start(); !status) return status.error();
  return kafka;
}

Status KafkaSource::start() {
  if (options_.on_stats) events().set_stats_listener(options_.on_stats);
  auto consumer = clients_.consumer({}, rebalancer_.get());
  if (!consumer) return consumer.error();
  consumer_ = std::move(*consumer);
  if (source_.assignment == AssignmentMode::static_all) {
    retry_static_assignment();
    return ok();
  }
  auto err = consumer_->subscribe({source_.topic});
  if (err != RdKafka::ERR_NO_ERROR) {
    return make_error("kafka: cannot subscribe to " + source_.topic + ": " + RdKafka::err2str(err));
  }
  spdlog::info("kafka: joining group {} for topic {}", source_.group, source_.topic);
  return ok();
}

// Static mode with the brokers unreachable (or the topic not there yet) is
// not an exit: the loop asks again with backoff, and /readyz reports no
// partitions assigned meanwhile.
void KafkaSource::retry_static_assignment() {
  auto status = assign_all_partitions();
  if (status) {
    static_attempts_ = 0;
    return;
  }
  auto delay = static_backoff_.delay(++static_attempts_, std::nullopt);
  static_retry_at_ = std::chrono::steady_clock::now() + delay;
  spdlog::warn("{}; trying again in {} ms", status.error().message, delay.count());
}

// Static assignment: every partition of the topic, without a group.
Status KafkaSource::assign_all_partitions() {
  std::string errstr;
  std::unique_ptr<RdKafka::Topic> topic(
      RdKafka::Topic::create(consumer_.get(), source_.topic, nullptr, errstr));
  if (!topic) return make_error("kafka: " + errstr);
  RdKafka::Metadata* raw = nullptr;
  auto err = consumer_->metadata(false, topic.get(), &raw, kBrokerTimeoutMs);
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  if (err != RdKafka::ERR_NO_ERROR || metadata->topics()->empty()) {
    return make_error("kafka: cannot read partitions of " + source_.topic + ": " +
                      RdKafka::err2str(err));
  }
  const auto* topic_metadata = metadata->topics()->front();
  if (topic_metadata->err() != RdKafka::ERR_NO_ERROR) {
    return make_error("kafka: topic " + source_.topic + ": " +
                      RdKafka::err2str(topic_metadata->err()));
  }
  OwnedPartitions partitions;
  for (const auto* partition : *topic_metadata->partitions()) {
    partitions.list.push_back(RdKafka::TopicPartition::create(source_.topic, partition->id()));
  }
  if (auto status = prepare_assignment(partitions.list); !status) return status;
  std::unique_ptr<RdKafka::Error> error(consumer_->incremental_assign(partitions.list));
  if (error) return make_error("kafka: cannot assign partitions: " + error->str());
  commit_resumed_offsets();
  spdlog::info("kafka: reading all {} partitions of {} (static assignment)", partitions.list.size(),
               source_.topic);
  assignment_changed();
  return ok();
}

void KafkaSource::on_rebalance(RdKafka::ErrorCode err, PartitionList& partitions) {
  ++counters_.rebalances;
  bool cooperative = consumer_->rebalance_protocol() == "COOPERATIVE";
  if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
    if (!cooperative) {
      while (!partitions_.empty()) forget_partition(partitions_.begin()->first);
    }
    if (auto status = prepare_assignment(partitions); !status) fail(status.error());
    // Assigned even after a failure, to keep the group protocol moving; the
    // loop stops before consuming anything.
    std::unique_ptr<RdKafka::Error> error(cooperative ? consumer_->incremental_assign(partitions)
                                                      : nullptr);
    if (!cooperative) consumer_->assign(partitions);
    if (error) fail(make_error("kafka: cannot assign partitions: " + error->str()));
    commit_resumed_offsets();
    spdlog::info("kafka: assigned partitions {} of {}", describe(partitions), source_.topic);
  } else if (err == RdKafka::ERR__REVOKE_PARTITIONS) {
    revoke(partitions, cooperative);
  } else {
    spdlog::error("kafka: rebalance failed: {}", RdKafka::err2str(err));
    consumer_->unassign();
    while (!partitions_.empty()) forget_partition(partitions_.begin()->first);
  }
  assignment_changed();
}

void KafkaSource::assignment_changed() {
  counters_.assigned_partitions = static_cast<int>(partitions_.size());
  if (!options_.on_assignment) return;
  std::vector<std::int32_t> assigned;
  for (const auto& [partition, state] : partitions_) assigned.push_back(partition);
  options_.on_assignment(assigned);
}

void KafkaSource::revoke(PartitionList& partitions, bool cooperative) {
  bool lost = consumer_->assignment_lost();
  // What this instance consumed is committed here first, so the next owner
  // starts where this one stopped (a lost partition may already have one).
  flush();
  if (held_) drop_from_batch(partitions, /*all=*/!cooperative);
  for (const auto* partition : partitions) forget_partition(partition->partition());
  if (!cooperative) {
    while (!partitions_.empty()) forget_partition(partitions_.begin()->first);
  }
  if (cooperative) {
    std::unique_ptr<RdKafka::Error> error(consumer_->incremental_unassign(partitions));
    if (error) spdlog::warn("kafka: cannot unassign partitions: {}", error->str());
  } else {
    consumer_->unassign();
  }
  spdlog::info("kafka: {} partitions {} of {}", lost ? "lost" : "revoked", describe(partitions),
               source_.topic);
}

Expected<std::map<std::int32_t, std::int64_t>> KafkaSource::group_committed(
    const PartitionList& partitions) {
  OwnedPartitions query;
  for (const auto* partition : partitions) {
    query.list.push_back(RdKafka::TopicPartition::create(source_.topic, partition->partition()));
  }
  auto err = consumer_->committed(query.list, kBrokerTimeoutMs);
  if (err != RdKafka::ERR_NO_ERROR) {
    return make_error("kafka: cannot read the group's committed offsets: " + RdKafka::err2str(err));
  }
  std::map<std::int32_t, std::int64_t> committed;
  for (const auto* partition : query.list) {
    if (partition->err() == RdKafka::ERR_NO_ERROR && partition->offset() >= 0) {
      committed[partition->partition()] = partition->offset();
    }
  }
  return committed;
}

// Decides each partition's start offset (RocksDB, restore, or the group's
// committed offset) and writes it into `partitions` before they are assigned.
Status KafkaSource::prepare_assignment(PartitionList& partitions) {
  auto committed = group_committed(partitions);
  if (!committed) {
    // Without the checkpoint a restore cannot be muted; resuming from RocksDB
    // would still be right, but refuse rather than guess.
    return committed.error();
  }
  std::map<std::int32_t, StartPlan> plans;
  std::map<std::int32_t, std::int64_t> checkpoints;
  for (const auto* partition : partitions) {
    auto id = partition->partition();
    auto stored = store_.next_offset(source_.topic, id);
    if (!stored) return stored.error();
    auto muted = load_mute_mark(store_, source_.topic, id);
    if (!muted) return muted.error();
    PartitionFacts facts{*stored, std::nullopt, *muted};
    if (committed->contains(id)) facts.group_committed = committed->at(id);
    plans[id] = plan_partition_start(facts);
    if (plans[id].mute_until > *muted) {
      if (auto status = save_mute_mark(store_, source_.topic, id, plans[id].mute_until); !status) {
        return status;
      }
    }
    if (plans[id].kind == StartKind::restore) checkpoints[id] = plans[id].checkpoint;
  }
  std::map<std::int32_t, RestoreStart> restores;
  if (!checkpoints.empty()) {
    RestorePlanner planner(clients_, source_.topic, options_.restore_lookback);
    restores = planner.plan(*consumer_, checkpoints);
    counters_.restored_partitions += checkpoints.size();
  }
  for (auto* partition : partitions) {
    auto id = partition->partition();
    const auto& plan = plans[id];
    PartitionState state{plan.mute_until, 0, false};
    state.last_activity = std::chrono::steady_clock::now();
    state.clock_key = state::Store::offset_key(source_.topic, id);
    // A resumed partition continues from its persisted time; a restored or
    // fresh one has none until it delivers a record.
    EventTime restored_time = kUnknownTime;
    if (plan.kind == StartKind::resume) {
      auto position = store_.partition_position(source_.topic, id);
      if (!position) return position.error();
      if (position->has_value()) restored_time = (*position)->time;
    }
    if (options_.clock) options_.clock->assign(state.clock_key, restored_time);
    if (plan.kind == StartKind::resume) {
      partition->set_offset(plan.offset);
      if (!committed->contains(id) || committed->at(id) < plan.offset) {
        state.commit_on_start = plan.offset;
      }
    }
    if (plan.kind == StartKind::fresh) partition->set_offset(RdKafka::Topic::OFFSET_INVALID);
    if (plan.kind == StartKind::restore) {
      partition->set_offset(restores[id].offset);
      state.skip_before_ms = restores[id].skip_before_ms;
    }
    partitions_[id] = state;
    spdlog::debug("kafka: partition {}: {} at offset {}, alerts muted below {}", id,
                  kind_name(plan.kind), partition->offset(), plan.mute_until);
  }
  return ok();
}

Status KafkaSource::run(const BatchHandler& handler, const std::atomic<bool>& stop) {
  handler_ = &handler;
  while (!stop.load() && !failure_ && !events().fatal()) {
    if (static_attempts_ > 0 && std::chrono::steady_clock::now() >= static_retry_at_) {
      retry_static_assignment();
    }
    if (held_) {
      hold_step();
      continue;
    }
    int timeout = batch_.empty() ? kIdlePollMs : 0;
    std::unique_ptr<RdKafka::Message> message(consumer_->consume(timeout));
    bool queue_empty = on_message(std::move(message));
    if (batch_due(queue_empty)) {
      flush();
      align();
    } else if (queue_empty) {
      align();  // idle: a quiet partition may stop holding the watermark
      idle_tick();
    }
    if (options_.stop_at_end && caught_up()) break;
  }
  flush();
  handler_ = nullptr;
  if (failure_) return *failure_;
  if (events().fatal()) return make_error("kafka: " + events().fatal_reason());
  if (held_) {
    return make_error("stopped with " + std::to_string(batch_.size()) +
                          " messages not committed (the state did not take them); they are "
                          "read again at the next start",
                      ErrorCode::unavailable);
  }
  return ok();
}

// Consumption stays paused; rebalances still run (inside consume), and the
// held batch is offered again now and then.
void KafkaSource::hold_step() {
  std::unique_ptr<RdKafka::Message> message(consumer_->consume(kIdlePollMs));
  on_message(std::move(message));
  pause_for_hold();  // a partition assigned meanwhile is paused too
  if (std::chrono::steady_clock::now() >= hold_retry_at_) flush();
}

void KafkaSource::hold() {
  if (!held_) {
    held_ = true;
    ++counters_.holds;
    spdlog::warn("kafka: consumption paused: {} messages held until the state takes them",
                 batch_.size());
  }
  hold_retry_at_ = std::chrono::steady_clock::now() + kHoldRetry;
  pause_for_hold();
}

void KafkaSource::pause_for_hold() {
  OwnedPartitions list;
  for (auto& [id, state] : partitions_) {
    if (state.held || state.paused) continue;
    state.held = true;
    list.list.push_back(RdKafka::TopicPartition::create(source_.topic, id));
  }
  if (!list.list.empty()) consumer_->pause(list.list);
}

void KafkaSource::release() {
  held_ = false;
  OwnedPartitions list;
  for (auto& [id, state] : partitions_) {
    if (!state.held) continue;
    state.held = false;
    list.list.push_back(RdKafka::TopicPartition::create(source_.topic, id));
  }
  if (!list.list.empty()) consumer_->resume(list.list);
  spdlog::warn("kafka: consumption resumed");
}

// Messages of partitions no longer ours leave the held batch uncommitted:
// the next owner reads them from the offsets the state holds.
void KafkaSource::drop_from_batch(const PartitionList& partitions, bool all) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < batch_.size(); ++i) {
    bool revoked =
        all || std::any_of(partitions.begin(), partitions.end(), [&](const auto* partition) {
          return partition->partition() == batch_[i].partition;
        });
    if (revoked) continue;
    batch_[kept] = batch_[i];
    batch_messages_[kept] = std::move(batch_messages_[i]);
    ++kept;
  }
  batch_.resize(kept);
  batch_messages_.resize(kept);
  if (batch_.empty() && held_) release();
}

// Without messages the handler still hears from the source now and then
// (an empty batch), so wall-clock timers downstream run.
void KafkaSource::idle_tick() {
  auto now = std::chrono::steady_clock::now();
  if (!batch_.empty() || failure_ || now - last_tick_ < kIdleTickInterval) return;
  last_tick_ = now;
  auto status = (*handler_)(std::span<const SourceMessage>());
  // Timers wait while the state refuses batches; the next batch is held.
  if (!status && status.error().code != ErrorCode::unavailable) fail(status.error());
}

// Returns true when nothing more is waiting locally.
bool KafkaSource::on_message(std::unique_ptr<RdKafka::Message> message) {
  auto err = message->err();
  if (err == RdKafka::ERR__TIMED_OUT) return true;
  auto it = partitions_.find(message->partition());
  if (err == RdKafka::ERR__PARTITION_EOF) {
    if (it != partitions_.end()) it->second.caught_up = true;
    return true;
  }
  if (err != RdKafka::ERR_NO_ERROR) {
    if (err == RdKafka::ERR__FATAL) {
      std::string reason;
      consumer_->fatal_error(reason);
      fail(make_error("kafka: fatal error: " + reason));
    } else {
      events().report(err, message->errstr());
    }
    return false;
  }
  // A message of a partition revoked meanwhile is not ours to process.
  if (it == partitions_.end()) return false;
  it->second.caught_up = false;
  it->second.ever_read = true;
  it->second.last_activity = std::chrono::steady_clock::now();
  add_to_batch(std::move(message), it->second);
  return false;
}

void KafkaSource::add_to_batch(std::unique_ptr<RdKafka::Message> message,
                               PartitionState& partition) {
  auto timestamp = message->timestamp().timestamp;
  if (partition.skip_before_ms > 0 && timestamp >= 0 && timestamp < partition.skip_before_ms) {
    ++counters_.skipped_old;  // before the restore's start: not needed for any window
    return;
  }
  if (batch_.empty()) {
    batch_started_ = std::chrono::steady_clock::now();
    batch_bytes_ = 0;
  }
  batch_bytes_ += message->len();
  SourceMessage view;
  view.topic = source_.topic;
  view.partition = message->partition();
  view.offset = message->offset();
  view.timestamp_ms = std::max<std::int64_t>(timestamp, 0);
  view.payload = std::string_view(static_cast<const char*>(message->payload()), message->len());
  view.mute_alerts = view.offset < partition.mute_until;
  if (view.mute_alerts) ++counters_.muted_messages;
  batch_.push_back(view);
  batch_messages_.push_back(std::move(message));
}

bool KafkaSource::batch_due(bool queue_empty) const {
  if (batch_.empty()) return false;
  if (queue_empty || batch_.size() >= source_.batch.max_messages) return true;
  if (batch_bytes_ >= source_.batch.max_bytes) return true;
  return std::chrono::steady_clock::now() - batch_started_ >=
         std::chrono::milliseconds(source_.batch.max_wait_ms);
}

void KafkaSource::flush() {
  if (batch_.empty() || failure_) return;
  if (handler_ == nullptr) {
    fail(make_error("kafka: a batch is pending outside the consumer loop"));
    return;
  }
  auto status = (*handler_)(std::span<const SourceMessage>(batch_));
  if (!status) {
    status.error().code == ErrorCode::unavailable ? hold() : fail(status.error());
    return;
  }
  if (held_) release();
  counters_.messages += batch_.size();
  ++counters_.batches;
  store_offsets();
  batch_.clear();
  batch_messages_.clear();
}

// Advisory: the group's committed offsets feed lag dashboards and are the
// restore checkpoint. Never moved below a mute mark (restore in progress).
void KafkaSource::store_offsets() {
  std::map<std::int32_t, std::int64_t> next;
  for (const auto& message : batch_) {
    next[message.partition] = std::max(next[message.partition], message.offset + 1);
  }
  OwnedPartitions offsets;
  for (const auto& [partition, offset] : next) {
    auto it = partitions_.find(partition);
    if (it == partitions_.end() || offset < it->second.mute_until) continue;
    offsets.list.push_back(RdKafka::TopicPartition::create(source_.topic, partition, offset));
  }
  if (offsets.list.empty()) return;
  auto err = consumer_->offsets_store(offsets.list);
  if (err != RdKafka::ERR_NO_ERROR) {
    spdlog::debug("kafka: cannot store offsets for commit: {}", RdKafka::err2str(err));
  }
}

bool KafkaSource::caught_up() const {
  return !partitions_.empty() && batch_.empty() &&
         std::all_of(partitions_.begin(), partitions_.end(),
                     [](const auto& entry) { return entry.second.caught_up; });
}

// Tells the clock which partitions hold the watermark, then pauses those too
// far ahead of the oldest holding one and resumes those back within reach
// (event_clock.hpp). A partition is paused only after it delivered a
// message: librdkafka resumes a paused partition from the last message the
// application consumed.
void KafkaSource::align() {
  if (!options_.clock) return;
  auto& clock = *options_.clock;
  const auto now = std::chrono::steady_clock::now();
  for (auto& [id, state] : partitions_) {
    PartitionActivity activity{state.caught_up, state.ever_read, now - state.last_activity};
    clock.set_holding(state.clock_key,
                      holds_watermark(activity, clock.partition_time(state.clock_key), alignment_));
  }
  clock.watermark();  // moves forward now, so metrics and the next batch agree
  std::vector<PartitionReading> readings;
  for (const auto& [id, state] : partitions_) {
    auto it = clock.partitions().find(state.clock_key);
    if (it == clock.partitions().end()) continue;
    readings.push_back({it->second.time, it->second.holding, state.caught_up});
  }
  const auto reference = pause_reference(readings);
  std::vector<std::int32_t> pause;
  std::vector<std::int32_t> resume;
  for (auto& [id, state] : partitions_) {
    bool ahead = state.ever_read &&
                 ahead_of_skew(clock.partition_time(state.clock_key), reference, alignment_);
    if (ahead == state.paused) continue;
    (ahead ? pause : resume).push_back(id);
    state.paused = ahead;
  }
  apply_pauses(pause, resume);
  report_alignment(!pause.empty() || !resume.empty());
}

void KafkaSource::apply_pauses(const std::vector<std::int32_t>& pause,
                               const std::vector<std::int32_t>& resume) {
  auto call = [this](const std::vector<std::int32_t>& ids, bool pausing) {
    if (ids.empty()) return;
    OwnedPartitions list;
    for (auto id : ids) list.list.push_back(RdKafka::TopicPartition::create(source_.topic, id));
    auto err = pausing ? consumer_->pause(list.list) : consumer_->resume(list.list);
    if (err != RdKafka::ERR_NO_ERROR) {
      spdlog::warn("kafka: cannot {} partitions {}: {}", pausing ? "pause" : "resume",
                   describe(list.list), RdKafka::err2str(err));
    }
    spdlog::debug("kafka: {} partitions {} ({} ahead of the watermark {})",
                  pausing ? "paused" : "resumed", describe(list.list),
                  pausing ? "more than max_skew" : "no longer",
                  state::format_event_time(options_.clock->watermark()));
  };
  call(pause, true);
  call(resume, false);
  counters_.pauses += pause.size();
  int paused = 0;
  for (const auto& [id, state] : partitions_) paused += state.paused ? 1 : 0;
  counters_.paused_partitions = paused;
}

void KafkaSource::report_alignment(bool changed) {
  if (!options_.on_alignment) return;
  const auto now = std::chrono::steady_clock::now();
  if (!changed && now - last_report_ < kAlignmentReportEvery) return;
  last_report_ = now;
  AlignmentStatus status;
  status.watermark = options_.clock->watermark();
  for (const auto& [id, state] : partitions_) {
    const auto& clocks = options_.clock->partitions();
    auto it = clocks.find(state.clock_key);
    bool holding = it != clocks.end() && it->second.holding;
    status.partitions.push_back(
        {id, options_.clock->partition_time(state.clock_key), holding, state.paused});
  }
  options_.on_alignment(status);
}

// Lag dashboards and the restore checkpoint read the group's offsets; a run
// killed after its RocksDB write but before the advisory commit left them
// behind, and a quiet partition would keep them there.
void KafkaSource::commit_resumed_offsets() {
  OwnedPartitions offsets;
  for (auto& [id, state] : partitions_) {
    if (state.commit_on_start < 0 || state.commit_on_start < state.mute_until) continue;
    offsets.list.push_back(
        RdKafka::TopicPartition::create(source_.topic, id, state.commit_on_start));
    state.commit_on_start = -1;
  }
  if (offsets.list.empty()) return;
  auto err = consumer_->commitAsync(offsets.list);
  if (err != RdKafka::ERR_NO_ERROR) {
    spdlog::warn("kafka: cannot commit resumed offsets: {}", RdKafka::err2str(err));
  }
}

// A revoked partition leaves the clock: it no longer holds the watermark.
// librdkafka keeps a partition paused across a re-assignment, so it is
// resumed here: a later owner (or this one again) starts it unpaused.
void KafkaSource::forget_partition(std::int32_t partition) {
  auto it = partitions_.find(partition);
  if (it == partitions_.end()) return;
  if ((it->second.paused || it->second.held) && consumer_) {
    OwnedPartitions list;
    list.list.push_back(RdKafka::TopicPartition::create(source_.topic, partition));
    consumer_->resume(list.list);
    if (it->second.paused) --counters_.paused_partitions;
  }
  if (options_.clock) options_.clock->revoke(it->second.clock_key);
  partitions_.erase(it);
}

void KafkaSource::fail(Error error) {
  if (!failure_) {
    spdlog::error("{}", error.message);
    failure_ = std::move(error);
  }
}

void KafkaSource::close() {
  if (!consumer_) return;
  // Leaves the group; with auto commit on, librdkafka commits the stored
  // offsets of the revoked partitions first.
  auto err = consumer_->close();
  if (err != RdKafka::ERR_NO_ERROR) {
    spdlog::warn("kafka: closing the consumer: {}", RdKafka::err2str(err));
  }
  consumer_.reset();
  while (!partitions_.empty()) forget_partition(partitions_.begin()->first);
  counters_.assigned_partitions = 0;
  counters_.paused_partitions = 0;
}

}  // namespace rolewatch::stream
