#include "stream/ops/readiness.hpp"

namespace rolewatch::stream {

void Readiness::set_outbox_source(std::function<std::size_t()> source) {
  std::lock_guard lock(mutex_);
  outbox_source_ = std::move(source);
}

void Readiness::set_state_refusal(std::string reason) {
  std::lock_guard lock(mutex_);
  state_refusal_ = std::move(reason);
}

Readiness::Report Readiness::check() const {
  Report report;
  auto fail = [&report](std::string reason) {
    report.ready = false;
    report.reasons.push_back(std::move(reason));
  };
  if (!state_open_) fail("state is not open");
  if (!partitions_assigned_) fail("no partitions assigned");
  if (write_failing_) fail("state writes are failing");
  if (!brokers_reachable_) fail("no Kafka broker is reachable");
  std::size_t pending = 0;
  {
    std::lock_guard lock(mutex_);
    if (!state_refusal_.empty()) fail(state_refusal_);
    if (outbox_source_) pending = outbox_source_();
  }
  if (pending > outbox_threshold_) {
    fail("outbox holds " + std::to_string(pending) + " undelivered alerts (threshold " +
         std::to_string(outbox_threshold_.load()) + ")");
  }
  return report;
}

}  // namespace rolewatch::stream
