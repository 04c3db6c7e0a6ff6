#include "stream/pipeline/decode_worker.hpp"

#include <utility>

namespace rolewatch::stream {

DecodeWorker::DecodeWorker(bool second_thread) {
  if (second_thread) thread_ = std::make_unique<JobThread>();
}

DecodeWorker::~DecodeWorker() {
  finish();
}

DecodeWorker::Round DecodeWorker::begin(std::size_t count, DecodeOne decode) {
  finish();
  if (count > done_capacity_) {
    done_.reset(new std::atomic<std::uint32_t>[count]);
    done_capacity_ = count;
  }
  for (std::size_t i = 0; i < count; ++i) done_[i].store(0, std::memory_order_relaxed);
  decode_ = std::move(decode);
  count_ = count;
  next_.store(0, std::memory_order_relaxed);
  stopping_.store(false, std::memory_order_relaxed);
  if (thread_ && count > 1) {
    thread_->start([this] {
      while (decode_next(theirs_)) {
      }
    });
  }
  return Round(*this);
}

bool DecodeWorker::decode_next(AuditDecoder& decoder) {
  if (stopping_.load(std::memory_order_relaxed)) return false;
  const std::size_t index = next_.fetch_add(1, std::memory_order_relaxed);
  if (index >= count_) return false;
  decode_(decoder, index);
  done_[index].store(1, std::memory_order_release);
  done_[index].notify_all();  // both others may wait (await, wait_for); no system call if none does
  return true;
}

void DecodeWorker::await(std::size_t index) {
  while (done_[index].load(std::memory_order_acquire) == 0) {
    // Nothing left to claim: the other thread holds this item.
    if (!decode_next(decoder_)) done_[index].wait(0, std::memory_order_acquire);
  }
}

void DecodeWorker::wait_for(std::size_t index) const {
  while (done_[index].load(std::memory_order_acquire) == 0) {
    done_[index].wait(0, std::memory_order_acquire);
  }
}

void DecodeWorker::finish() {
  stopping_.store(true, std::memory_order_relaxed);
  if (thread_) thread_->wait();
  count_ = 0;
}

}  // namespace rolewatch::stream
