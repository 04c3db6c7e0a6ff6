#include "stream/runtime/sidecar.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "stream/delivery/sinks/sink_factory.hpp"
#include "stream/ops/report_tables.hpp"

namespace rolewatch::stream {

Sidecar::Sidecar(const Config& config, std::vector<std::unique_ptr<Sink>> sinks)
    : config_(config), sinks_(std::move(sinks)) {}

Sidecar::~Sidecar() {
  stop();
}

RunHooks Sidecar::hooks() {
  RunHooks hooks;
  hooks.started = [this](RunContext& context) { return start(context); };
  hooks.batch_committed = [this](const BatchResult& result) { batch_committed(result); };
  hooks.batch_failed = [this](const Error&) { batch_failed(); };
  hooks.state_condition = [this](const StateCondition& condition) { state_condition(condition); };
  hooks.assignment_changed = [this](const auto& partitions) { assignment_changed(partitions); };
  hooks.kafka_stats = [this](const std::string& json) { kafka_stats(json); };
  hooks.alignment_changed = [this](const AlignmentStatus& status) {
    metrics_.set_alignment(status);
  };
  hooks.stopping = [this] { stop(); };
  return hooks;
}

Status Sidecar::start(RunContext& context) {
  std::vector<std::string> rule_ids;
  for (const auto& rule : config_.rules) rule_ids.push_back(rule.id);
  metrics_.declare_rules(rule_ids);
  auto& store = context.store;
  metrics_.set_state_size_source([&store] { return store.estimated_bytes(); });

  if (sinks_.empty() && !config_.sinks.empty()) {
    auto sinks = make_sinks(config_.sinks, ConfigContext{config_.env, {}});
    if (!sinks) return sinks.error();
    sinks_ = std::move(*sinks);
  }
  SenderOptions options;
  options.max_age = config_.delivery.max_age;
  options.backoff = config_.delivery.backoff;
  options.probe = &metrics_.delivery();
  sender_ = std::make_unique<OutboxSender>(store, std::move(sinks_), options);
  if (auto status = sender_->start(); !status) return status;

  readiness_.set_state_open(true);
  readiness_.set_outbox_threshold(config_.delivery.ready_outbox_threshold);
  readiness_.set_outbox_source([sender = sender_.get()] { return sender->pending(); });

  if (auto status = start_http(store); !status) return status;
  if (config_.graph) {
    refresher_ = std::make_unique<EligibilityRefresher>(store, *config_.graph);
    refresher_->start();
    metrics_.set_eligibility_source([refresher = refresher_.get()] { return refresher->status(); });
  } else {
    metrics_.set_eligibility_source([&store] { return imported_snapshot_status(store); });
  }
  return ok();
}

// /metrics, /healthz, /readyz on http.listen; the reports there too (with
// their token) or on a listener of their own, or nowhere (the default).
Status Sidecar::start_http(const state::Store& store) {
  const auto& http = config_.http;
  if (http.listen.empty()) return ok();
  auto server = HttpServer::bind({.listen = http.listen}, metrics_, readiness_);
  if (!server) return server.error();
  http_ = std::move(*server);
  const auto& reports = http.reports;
  if (reports.enabled && reports.listen.empty()) {
    register_report_routes(*http_, store, {reports.token});
  } else if (reports.enabled) {
    auto own = HttpServer::bind(
        {.listen = reports.listen, .threads = 2, .probes = false, .name = "http.reports"}, metrics_,
        readiness_);
    if (!own) return own.error();
    reports_http_ = std::move(*own);
    register_report_routes(*reports_http_, store, {reports.token});
    reports_http_->start();
  }
  http_->start();
  if (!reports.enabled) {
    spdlog::info("http: reports are off (http.reports is not configured)");
  } else if (reports_http_) {
    spdlog::info("http: reports on {} ({})", reports_http_->address(),
                 reports.token ? "bearer token required" : "loopback, no token");
  } else {
    spdlog::info("http: reports on {} (bearer token required)", http_->address());
  }
  return ok();
}

void Sidecar::batch_committed(const BatchResult& result) {
  metrics_.record_batch(result);
  readiness_.set_write_failing(false);
  if (!result.documents.empty() && sender_) sender_->notify();
}

void Sidecar::batch_failed() {
  metrics_.record_state_write_failure();
  readiness_.set_write_failing(true);
}

void Sidecar::state_condition(const StateCondition& condition) {
  readiness_.set_state_refusal(condition.reason);
  metrics_.set_state_condition(condition.low_disk, !condition.reason.empty());
}

void Sidecar::assignment_changed(const std::vector<std::int32_t>& partitions) {
  readiness_.set_partitions_assigned(!partitions.empty());
  std::lock_guard lock(assigned_mutex_);
  // A revoked partition's lag is another member's to report.
  for (auto partition : assigned_) {
    if (std::find(partitions.begin(), partitions.end(), partition) == partitions.end()) {
      metrics_.remove_consumer_lag(partition);
    }
  }
  assigned_ = partitions;
}

void Sidecar::kafka_stats(const std::string& json) {
  if (auto up = brokers_up_from_stats(json)) readiness_.set_brokers_reachable(*up);
  std::lock_guard lock(assigned_mutex_);
  for (auto [partition, lag] : consumer_lag_from_stats(json)) {
    // Statistics lag behind a rebalance: report only what this member reads.
    if (std::find(assigned_.begin(), assigned_.end(), partition) != assigned_.end()) {
      metrics_.set_consumer_lag(partition, lag);
    }
  }
}

void Sidecar::stop() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  if (refresher_) refresher_->stop();
  if (http_) http_->stop();
  if (reports_http_) reports_http_->stop();
  if (sender_) sender_->stop(deadline);
  // The store closes after this: nothing may reach it through a scrape.
  metrics_.set_eligibility_source(nullptr);
  metrics_.set_state_size_source(nullptr);
  refresher_.reset();
  http_.reset();
  reports_http_.reset();
  sender_.reset();
}

RefreshStatus imported_snapshot_status(const state::Store& store) {
  RefreshStatus status;
  auto info = state::read_snapshot_info(store);
  if (info && info->has_value()) {
    status.snapshot_fetched_at = (*info)->fetched_at;
    status.assignments = (*info)->assignments;
  }
  return status;
}

std::optional<bool> brokers_up_from_stats(const std::string& json) {
  auto stats = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!stats.is_object() || !stats.contains("brokers") || !stats["brokers"].is_object()) {
    return std::nullopt;
  }
  std::optional<bool> up;
  for (const auto& [name, broker] : stats["brokers"].items()) {
    if (!broker.is_object()) continue;
    // Real connections only: not the internal or logical (coordinator) ones.
    const auto source = broker.value("source", std::string());
    if (source != "configured" && source != "learned") continue;
    up = up.value_or(false) || broker.value("state", std::string()) == "UP";
  }
  return up;
}

std::vector<std::pair<std::int32_t, std::int64_t>> consumer_lag_from_stats(
    const std::string& json) {
  std::vector<std::pair<std::int32_t, std::int64_t>> lags;
  auto stats = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!stats.is_object() || !stats.contains("topics")) return lags;
  for (const auto& [topic, value] : stats["topics"].items()) {
    if (!value.contains("partitions")) continue;
    for (const auto& [id, partition] : value["partitions"].items()) {
      auto number = std::atoi(id.c_str());
      auto lag = partition.value("consumer_lag", std::int64_t{-1});
      if (number >= 0 && lag >= 0) lags.emplace_back(number, lag);
    }
  }
  return lags;
}

}  // namespace rolewatch::stream
