#include "stream/sidecar.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "stream/report_command.hpp"
#include "stream/sink_factory.hpp"

namespace rolewatch::stream {

Sidecar::Sidecar(const Config& config) : config_(config) {}

Sidecar::~Sidecar() {
  stop();
}

RunHooks Sidecar::hooks() {
  RunHooks hooks;
  hooks.started = [this](RunContext& context) { return start(context); };
  hooks.batch_committed = [this](const BatchResult& result) { batch_committed(result); };
  hooks.assignment_changed = [this](const auto& partitions) { assignment_changed(partitions); };
  hooks.kafka_stats = [this](const std::string& json) { kafka_stats(json); };
  hooks.stopping = [this] { stop(); };
  return hooks;
}

Status Sidecar::start(RunContext& context) {
  std::vector<std::string> rule_ids;
  for (const auto& rule : config_.rules) rule_ids.push_back(rule.id);
  metrics_.declare_rules(rule_ids);
  auto& store = context.store;
  metrics_.set_state_size_source([&store] { return store.estimated_bytes(); });

  auto sinks = make_sinks(config_.sinks, ConfigContext{config_.env, {}});
  if (!sinks) return sinks.error();
  auto options = config_.delivery.sender;
  options.probe = &metrics_.delivery();
  sender_ = std::make_unique<OutboxSender>(store, std::move(*sinks), options);
  if (auto status = sender_->start(); !status) return status;

  readiness_.set_state_open(true);
  readiness_.set_outbox_threshold(config_.delivery.ready_outbox_threshold);
  readiness_.set_outbox_source([sender = sender_.get()] { return sender->pending(); });

  if (!config_.http.listen.empty()) {
    auto server = HttpServer::bind({.listen = config_.http.listen}, metrics_, readiness_);
    if (!server) return server.error();
    http_ = std::move(*server);
    register_report_routes(*http_, store);
    http_->start();
    spdlog::info("http: serving /metrics /healthz /readyz /v1/reports on {}", http_->address());
  }
  if (config_.graph) {
    refresher_ = std::make_unique<EligibilityRefresher>(store, *config_.graph);
    refresher_->start();
  }
  return ok();
}

void Sidecar::batch_committed(const BatchResult& result) {
  // The loop measures the batch itself; here only what the result carries.
  metrics_.record_batch(result, {}, std::chrono::nanoseconds(0));
  readiness_.set_write_failing(false);
  if (!result.documents.empty() && sender_) sender_->notify();
}

void Sidecar::assignment_changed(const std::vector<std::int32_t>& partitions) {
  readiness_.set_partitions_assigned(!partitions.empty());
}

void Sidecar::kafka_stats(const std::string& json) {
  for (auto [partition, lag] : consumer_lag_from_stats(json)) {
    metrics_.set_consumer_lag(partition, lag);
  }
}

void Sidecar::stop() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  if (refresher_) refresher_->stop();
  if (http_) http_->stop();
  if (sender_) sender_->stop(deadline);
  refresher_.reset();
  http_.reset();
  sender_.reset();
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
