#pragma once
// Decoding shared by the pipeline's thread and a second thread, ahead of the
// pipeline's processing: replay's input is >95% records of other categories,
// and finding and skipping them (simdjson's stage 1 and the envelope scan)
// is most of its work, while each message decodes on its own.
//
// The messages of a batch are claimed one at a time, in order, by whichever
// thread is free: the second thread decodes from the start of the batch
// onwards while the pipeline's thread reads state and applies the rules to
// the messages already decoded, and the pipeline's thread decodes too
// whenever the message it needs next is not ready yet. So both cores stay
// busy without a fixed split, and the rules and every state change stay on
// the pipeline's thread, in message order (state is only read ahead on
// another, stream/pipeline/pipeline.cpp). Each thread has its own decoder (a
// simdjson parser is not shared between threads).
//
// Without the second thread (`run`, which waits on the broker, not the
// CPU), await() decodes each message on the caller's thread when asked.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "state/base/job_thread.hpp"
#include "stream/pipeline/audit_decoder.hpp"

namespace rolewatch::stream {

class DecodeWorker {
 public:
  // Decodes item `index` with `decoder` (the calling thread's own).
  using DecodeOne = std::function<void(AuditDecoder& decoder, std::size_t index)>;

  explicit DecodeWorker(bool second_thread);
  ~DecodeWorker();  // finish()es first
  DecodeWorker(const DecodeWorker&) = delete;
  DecodeWorker& operator=(const DecodeWorker&) = delete;

  // Ends a round of decoding when it goes out of scope (finish()), also
  // when an exception leaves the round.
  class Round {
   public:
    explicit Round(DecodeWorker& worker) : worker_(worker) {}
    ~Round() { worker_.finish(); }
    Round(const Round&) = delete;
    Round& operator=(const Round&) = delete;

   private:
    DecodeWorker& worker_;
  };

  // Starts decoding items 0 .. count-1: each runs decode() exactly once, on
  // one of the two threads, until the round ends. What decode() reads and
  // writes must outlive the round.
  [[nodiscard]] Round begin(std::size_t count, DecodeOne decode);
  // Returns once item `index` (< count, in a round) is decoded: decodes the next
  // unclaimed items on this thread while the other thread holds it.
  void await(std::size_t index);
  // Returns once item `index` is decoded, decoding nothing itself: for a
  // third thread, while the second thread (which claims every item in turn)
  // and the caller of await() decode. Only with second_thread().
  void wait_for(std::size_t index) const;
  // Stops claiming items and returns once the second thread's last one is
  // done; items not yet claimed are never decoded. Safe to call twice.
  void finish();

  bool second_thread() const { return thread_ != nullptr; }

 private:
  // Claims the next item and decodes it with `decoder`; false when none
  // is left.
  bool decode_next(AuditDecoder& decoder);

  AuditDecoder decoder_;  // this (the pipeline's) thread's
  AuditDecoder theirs_;   // the second thread's
  DecodeOne decode_;
  std::size_t count_ = 0;
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> stopping_{false};
  // One flag per item, set once decoded (4 bytes: a futex-sized wait).
  std::unique_ptr<std::atomic<std::uint32_t>[]> done_;
  std::size_t done_capacity_ = 0;
  std::unique_ptr<JobThread> thread_;  // last: gone (its job finished) before the rest
};

}  // namespace rolewatch::stream
