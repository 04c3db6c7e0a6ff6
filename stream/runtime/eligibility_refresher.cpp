#include "stream/runtime/eligibility_refresher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "state/base/time.hpp"
#include "state/net/backoff.hpp"
#include "stream/ops/background_errors.hpp"

namespace rolewatch::stream {
namespace {

state::Micros wall_clock() {
  return state::wall_clock_now();
}

// After an unexpected error: the first retry within a minute, never sooner
// than a second.
constexpr std::chrono::milliseconds kErrorBackoff{60'000};
constexpr std::chrono::milliseconds kMinErrorDelay{1'000};

state::HttpClientOptions http_options(const state::GraphConfig& config) {
  state::HttpClientOptions options;
  options.verify_tls = config.verify_tls;
  options.ca_file = config.ca_file;
  options.max_body_bytes = 64u << 20;  // a Graph page with $expand can be several MB
  return options;
}

}  // namespace

EligibilityRefresher::EligibilityRefresher(state::Store& store, state::GraphConfig config)
    : store_(store), config_(std::move(config)), http_(http_options(config_)) {
  graph_ = std::make_unique<state::GraphClient>(
      config_, http_,
      [this](std::chrono::milliseconds delay) { return sleep_unless_stopped(delay); });
  status_.refresh_interval_seconds =
      std::chrono::duration<double>(config_.refresh_interval).count();
  // The age metric is meaningful from the start: the stored snapshot's time.
  if (auto info = state::read_snapshot_info(store_); info && *info) {
    status_.snapshot_fetched_at = (*info)->fetched_at;
    status_.assignments = (*info)->assignments;
  }
}

EligibilityRefresher::~EligibilityRefresher() {
  stop();
}

Expected<state::RefreshOutcome> EligibilityRefresher::refresh_once() {
  const auto started = wall_clock();
  {
    std::lock_guard lock(mutex_);
    status_.last_attempt = started;
  }
  auto outcome = state::refresh_eligibility(store_, *graph_, started);
  std::lock_guard lock(mutex_);
  status_.graph_requests = graph_->counters().requests;
  status_.graph_throttled = graph_->counters().throttled;
  if (!outcome) {
    ++status_.failures;
    status_.last_failure = wall_clock();
    status_.last_error = outcome.error().message;
    spdlog::error("eligibility refresh failed, keeping the snapshot from {}: {}",
                  status_.snapshot_fetched_at != 0
                      ? state::format_event_time(status_.snapshot_fetched_at)
                      : std::string("(none)"),
                  outcome.error().message);
    return outcome;
  }
  ++status_.successes;
  status_.last_success = wall_clock();
  status_.last_error.clear();
  status_.assignments = outcome->info.assignments;
  status_.snapshot_fetched_at = outcome->info.fetched_at;
  status_.last_duration_seconds = static_cast<double>(outcome->duration.count()) / 1000.0;
  spdlog::info(
      "eligibility refreshed from Graph: {} rows ({} eligibility, {} assignment "
      "schedules, {} groups, {} users) in {:.1f} s",
      outcome->counts.rows, outcome->counts.eligibility_schedules,
      outcome->counts.assignment_schedules, outcome->counts.groups, outcome->counts.users,
      status_.last_duration_seconds);
  return outcome;
}

void EligibilityRefresher::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void EligibilityRefresher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

// A failed refresh is retried at the next interval, not sooner: Graph's own
// retries already covered transient errors, and a tight loop would only add
// throttling. An exception (a bug, or an answer no check foresaw) is caught,
// logged, counted (rolewatch_background_errors_total{thread=
// "eligibility_refresher"} and a failed refresh), the old snapshot stays, and
// the next try comes after an exponential backoff (at least 1 s, at most the
// interval): the thread never dies, and a bad answer at start is no crash loop.
void EligibilityRefresher::loop() {
  auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(config_.refresh_interval);
  state::Backoff backoff(state::BackoffPolicy{std::min(interval, kErrorBackoff), interval});
  int errors = 0;
  do {
    if (run_guarded(BackgroundThread::refresher, [this] { (void)refresh_once(); })) {
      errors = 0;
      continue;
    }
    record_unexpected_failure();
    ++errors;
  } while (sleep_unless_stopped(
      errors == 0 ? interval : std::max(kMinErrorDelay, backoff.delay(errors, std::nullopt))));
}

void EligibilityRefresher::record_unexpected_failure() {
  std::lock_guard lock(mutex_);
  ++status_.failures;
  status_.last_failure = wall_clock();
  status_.last_error = "unexpected error (see the log)";
}

bool EligibilityRefresher::sleep_unless_stopped(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, delay, [this] { return stopping_; });
}

RefreshStatus EligibilityRefresher::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

}  // namespace rolewatch::stream
