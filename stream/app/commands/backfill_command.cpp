#include "stream/app/commands/backfill_command.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <iostream>
#include <memory>

#include "state/base/temp_dir.hpp"
#include "state/base/time.hpp"
#include "state/net/http_client.hpp"
#include "stream/app/setup/checked_config.hpp"
#include "stream/app/setup/log_format.hpp"
#include "stream/app/setup/process_setup.hpp"
#include "stream/delivery/outbox_sender.hpp"
#include "stream/pipeline/pipeline.hpp"
#include "stream/runtime/periodic_task.hpp"
#include "stream/runtime/stop_signal.hpp"
#include "stream/source/graph_audit_source.hpp"

namespace rolewatch::stream {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Range {
  EventTime since = 0;
  std::optional<EventTime> until;
  // The checkpoint's key: one per range as given, so a rerun of the same
  // command continues and another range starts afresh.
  std::string topic;
};

Expected<EventTime> parse_flag_time(const std::string& flag, const std::string& text) {
  auto time = state::parse_event_time(text);
  if (!time) {
    return make_error(flag + ": expected an RFC 3339 time such as 2026-10-01T00:00:00Z",
                      ErrorCode::invalid_argument);
  }
  return *time;
}

Expected<Range> parse_range(const BackfillOptions& options) {
  auto since = parse_flag_time("--since", options.since);
  if (!since) return since.error();
  Range range{*since, std::nullopt, "graph-backfill/" + state::format_event_time(*since) + "/"};
  if (options.until) {
    auto until = parse_flag_time("--until", *options.until);
    if (!until) return until.error();
    if (*until <= *since) {
      return make_error("--until must be later than --since", ErrorCode::invalid_argument);
    }
    range.until = *until;
  }
  range.topic += range.until ? state::format_event_time(*range.until) : "open";
  return range;
}

// --dry-run works on a copy: table files are immutable in RocksDB, so they
// are linked when the copy is on the same file system; the rest is copied.
Status copy_state(const fs::path& from, const fs::path& to) {
  std::error_code error;
  if (!fs::exists(from, error)) return ok();  // no state yet: start from nothing
  fs::create_directories(to, error);
  for (const auto& entry : fs::recursive_directory_iterator(from, error)) {
    auto target = to / fs::relative(entry.path(), from, error);
    if (entry.is_directory()) {
      fs::create_directories(target, error);
    } else if (entry.path().extension() != ".sst" ||
               (fs::create_hard_link(entry.path(), target, error), error)) {
      error.clear();
      fs::copy_file(entry.path(), target, fs::copy_options::overwrite_existing, error);
    }
    if (error) return make_error("--dry-run: cannot copy the state: " + error.message());
  }
  if (error) return make_error("--dry-run: cannot read the state: " + error.message());
  return ok();
}

state::HttpClientOptions graph_http_options(const state::GraphConfig& config) {
  state::HttpClientOptions options;
  options.verify_tls = config.verify_tls;
  options.ca_file = config.ca_file;
  options.max_body_bytes = 64u << 20;  // 1000 records of a few KB each
  return options;
}

// What the progress line reports; written by the loop, read by its timer.
struct Progress {
  std::atomic<std::uint64_t> pages{0};
  std::atomic<std::uint64_t> records{0};
  std::atomic<EventTime> reached{0};
  Clock::time_point started = Clock::now();

  double rate() const {
    double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return seconds > 0 ? static_cast<double>(records.load()) / seconds : 0.0;
  }
  std::string line() const {
    auto time = reached.load();
    return fmt::format("pages={} records={} reached={} rate={:.0f} records/s", pages.load(),
                       records.load(), time == 0 ? "-" : state::format_event_time(time), rate());
  }
};

// Graph's answer to an app without the permission, made actionable.
std::string graph_failure(const Error& error) {
  if (error.message.find("HTTP 403") == std::string::npos) return error.message;
  return error.message +
         " (the app needs the Microsoft Graph application permission AuditLog.Read.All, "
         "with admin consent: docs/backfill.md#permission)";
}

class Backfill {
 public:
  Backfill(const BackfillOptions& options, const Config& config, const Range& range,
           state::Store& store, Pipeline& pipeline, std::ostream& out)
      : options_(options),
        config_(config),
        range_(range),
        store_(store),
        pipeline_(pipeline),
        out_(out) {}

  int run(std::vector<std::unique_ptr<Sink>> sinks) {
    auto from = resume_point();
    if (!from) return fail(from.error().message);
    state::HttpClient http(graph_http_options(*config_.graph));
    state::GraphClient graph(*config_.graph, http,
                             [](std::chrono::milliseconds delay) { return !wait_for_stop(delay); });
    GraphAuditSource source(graph, directory_audits_path(*from, range_.until, options_.page_size));
    if (auto status = start_sender(std::move(sinks)); !status) return fail(status.error().message);
    Status status = ok();
    {
      PeriodicTask progress_line(options_.progress_interval,
                                 [this] { spdlog::info("backfill: {}", progress_.line()); });
      status = read_pages(source);
    }
    if (status) status = commit(pipeline_.flush(FlushScope::updates));
    finish_delivery();
    summary(source);
    if (!status) return fail(graph_failure(status.error()));
    if (interrupted_) {
      return fail("interrupted; the same command continues from page " +
                  std::to_string(page_index_));
    }
    return exit_status(ExitCode::ok);
  }

 private:
  // Where the range stands: its start, or the newest event time a committed
  // page reached (records at that very time are read again and dropped as
  // duplicates by audit id, so nothing is missed and nothing counted twice).
  Expected<EventTime> resume_point() {
    auto position = store_.partition_position(range_.topic, 0);
    if (!position) return position.error();
    EventTime from = range_.since, reached = kUnknownTime;
    if (*position) {
      page_index_ = (*position)->next_offset;
      reached = (*position)->time;
      from = std::max(from, reached);
      spdlog::info("backfill: resuming {} from page {} at {}", range_.topic, page_index_,
                   state::format_event_time(from));
    }
    // The range's own event time, not the stored watermark: old records are
    // not late for it (docs/backfill.md, "Event time").
    pipeline_.clock() = EventClock();
    pipeline_.clock().assign(state::Store::offset_key(range_.topic, 0), reached);
    progress_.reached = reached;
    return from;
  }

  Status start_sender(std::vector<std::unique_ptr<Sink>> sinks) {
    if (options_.dry_run || sinks.empty()) return ok();
    SenderOptions sender_options;
    sender_options.max_age = config_.delivery.max_age;
    sender_options.backoff = config_.delivery.backoff;
    sender_ = std::make_unique<OutboxSender>(store_, std::move(sinks), sender_options);
    return sender_->start();
  }

  Status read_pages(GraphAuditSource& source) {
    while (!stop_requested()) {
      auto page = source.next();
      if (!page) return page.error();
      if (!*page) return ok();
      if ((*page)->bad) continue;
      if (auto status = process_page(**page); !status) return status;
    }
    interrupted_ = true;
    return ok();
  }

  // One page, one pipeline batch: its state, its alerts in the outbox and
  // the checkpoint (page count and time reached) in one write.
  Status process_page(const AuditPage& page) {
    SourceMessage message{range_.topic, 0, page_index_, 0, page.payload, false};
    if (auto status = commit(pipeline_.process({&message, 1})); !status) return status;
    ++page_index_;
    ++progress_.pages;
    progress_.records += page.records;
    progress_.reached = pipeline_.clock().partition_time(state::Store::offset_key(range_.topic, 0));
    return ok();
  }

  Status commit(Expected<BatchResult> result) {
    if (!result) return result.error();
    totals_ += result->counters;
    if (options_.dry_run) {
      for (const auto& document : result->documents) out_ << document << '\n';
      out_.flush();
      if (!out_) return make_error("cannot write alerts to standard output (closed pipe?)");
    }
    for (const auto& alert : result->alerts) {
      spdlog::warn("ALERT {} {}: actor {} removed {} privileged role assignments from {}", alert.id,
                   alert.title, alert.actor.id, alert.count,
                   state::format_event_time(alert.first_seen));
    }
    if (sender_) sender_->notify();
    return ok();
  }

  // The sinks get a while to take what the backfill raised; what they have
  // not taken stays in the outbox, which `run` drains.
  void finish_delivery() {
    if (!sender_) return;
    if (auto left = sender_->wait_delivered(Clock::now() + options_.delivery_wait); left > 0) {
      spdlog::warn("backfill: {} alerts not yet delivered stay in the outbox; `run` delivers them",
                   left);
    }
    sender_->stop(Clock::now() + std::chrono::seconds(5));
  }

  void summary(const GraphAuditSource& source) const {
    const auto& c = totals_;
    spdlog::info(
        "backfill {}: {} role_events={} duplicates={} late={} future={} malformed_records={} "
        "bad_pages={} activations={} alerts={} alert_updates={} alert_closes={}{}",
        range_.topic, progress_.line(), c.role_events, c.duplicates, c.late(), c.future(),
        c.decode.malformed_records + c.decode.malformed_messages, source.bad_pages(), c.activations,
        c.alerts, c.alert_updates, c.alert_closes,
        options_.dry_run ? " (dry run: nothing delivered, state unchanged)" : "");
  }

  int fail(const std::string& message) const {
    spdlog::error("backfill: {}", message);
    return exit_status(ExitCode::failure);
  }

  const BackfillOptions& options_;
  const Config& config_;
  const Range& range_;
  state::Store& store_;
  Pipeline& pipeline_;
  std::ostream& out_;
  std::unique_ptr<OutboxSender> sender_;
  Progress progress_;
  BatchCounters totals_;
  std::int64_t page_index_ = 0;
  bool interrupted_ = false;
};

Expected<std::unique_ptr<state::Store>> open_state(const BackfillOptions& options,
                                                   const fs::path& dir,
                                                   std::optional<state::TempDir>& copy) {
  if (!options.dry_run) {
    auto store = state::Store::open(dir);
    if (!store) {
      return make_error("cannot open state in " + dir.string() + ": " + store.error().message +
                        " (is `rolewatch run` using it? stop it first)");
    }
    return store;
  }
  copy.emplace("rolewatch-backfill-dry-run");
  if (copy->path().empty()) return make_error("--dry-run: cannot create a temporary directory");
  if (auto status = copy_state(dir, copy->path() / "state"); !status) return status.error();
  return state::Store::open(copy->path() / "state", {.sync_writes = false});
}

}  // namespace

int backfill_command(const BackfillOptions& options, std::ostream& out) {
  if (!forbid_core_dumps()) spdlog::warn("cannot disable core dumps: secrets may reach one");
  auto range = parse_range(options);
  if (!range) {
    spdlog::error("{}", range.error().message);
    return exit_status(ExitCode::usage);
  }
  auto checked = load_checked_config(options.config_file);
  if (!checked) {
    spdlog::error("invalid configuration: {}", checked.error().message);
    return exit_status(ExitCode::usage);
  }
  const auto& config = checked->config;
  apply_log_config(config.log);
  if (!config.graph) {
    spdlog::error("invalid configuration: backfill reads Microsoft Graph: add a graph: section");
    return exit_status(ExitCode::usage);
  }
  std::optional<state::TempDir> copy;
  auto store = open_state(options, config.state_dir, copy);
  if (!store) {
    spdlog::error("backfill: {}", store.error().message);
    return exit_status(ExitCode::failure);
  }
  const auto twin_window =
      std::chrono::duration_cast<std::chrono::microseconds>(config.twin_window).count();
  auto pipeline =
      Pipeline::make(**store, config.rules, {nullptr, twin_window, config.activation_rules});
  if (!pipeline) {
    spdlog::error("backfill: {}", pipeline.error().message);
    return exit_status(ExitCode::failure);
  }
  install_stop_signal_handlers();
  Backfill backfill(options, config, *range, **store, **pipeline, out);
  return backfill.run(std::move(checked->sinks));
}

}  // namespace rolewatch::stream
