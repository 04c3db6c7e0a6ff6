#include "stream/pipeline/decode_worker.hpp"

#include <utility>

namespace rolewatch::stream {

DecodeWorker::DecodeWorker() : thread_([this] { loop(); }) {}

DecodeWorker::~DecodeWorker() {
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !busy_; });
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void DecodeWorker::start(Job job) {
  {
    std::lock_guard lock(mutex_);
    job_ = std::move(job);
    busy_ = true;
  }
  changed_.notify_all();
}

void DecodeWorker::wait() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return !busy_; });
}

void DecodeWorker::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return busy_ || stopping_; });
    if (stopping_) return;
    lock.unlock();
    job_(decoder_);
    lock.lock();
    busy_ = false;
    job_ = nullptr;
    changed_.notify_all();
  }
}

}  // namespace rolewatch::stream
