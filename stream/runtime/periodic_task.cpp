#include "stream/runtime/periodic_task.hpp"

#include <algorithm>

#include "state/net/backoff.hpp"
#include "stream/ops/background_errors.hpp"

namespace rolewatch::stream {
namespace {

// After a task threw: extra wait on top of the interval, growing with each
// consecutive failure up to a minute, so a task that always throws does not
// flood the log.
const state::BackoffPolicy kErrorBackoff{std::chrono::milliseconds(1'000),
                                         std::chrono::milliseconds(60'000)};

}  // namespace

PeriodicTask::PeriodicTask(std::chrono::milliseconds interval, std::function<void()> task)
    : interval_(interval), task_(std::move(task)), thread_([this] { loop(); }) {}

PeriodicTask::~PeriodicTask() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

// The task runs without the lock; an exception from it is caught, logged
// and counted (ops/background_errors), and the thread carries on.
void PeriodicTask::loop() {
  state::Backoff backoff(kErrorBackoff);
  int errors = 0;
  auto wait = interval_;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, wait, [this] { return stopping_; })) {
    lock.unlock();
    bool ok = run_guarded(BackgroundThread::periodic, task_);
    errors = ok ? 0 : errors + 1;
    wait = ok ? interval_ : interval_ + backoff.delay(errors, std::nullopt);
    lock.lock();
  }
}

}  // namespace rolewatch::stream
