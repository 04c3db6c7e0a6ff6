#pragma once
// A second thread for decoding: replay's input is >95% records of other
// categories, and finding and skipping them (simdjson's stage 1 and the
// envelope scan) is most of its work, while each message decodes on its
// own. The pipeline hands the worker one part of a slice of messages,
// decodes the other part itself, and waits; rules and state stay on the
// pipeline's thread, in message order. The worker has its own decoder
// (a simdjson parser is not shared between threads).
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "stream/pipeline/audit_decoder.hpp"

namespace rolewatch::stream {

class DecodeWorker {
 public:
  using Job = std::function<void(AuditDecoder&)>;

  DecodeWorker();
  ~DecodeWorker();  // waits for a job in progress, then stops the thread
  DecodeWorker(const DecodeWorker&) = delete;
  DecodeWorker& operator=(const DecodeWorker&) = delete;

  // Runs `job` on the worker thread; one job at a time: wait() before the next.
  void start(Job job);
  // Returns once the job started last is done.
  void wait();

 private:
  void loop();

  std::mutex mutex_;
  std::condition_variable changed_;
  Job job_;
  bool busy_ = false;
  bool stopping_ = false;
  AuditDecoder decoder_;
  std::thread thread_;  // last: starts once the rest is built
};

}  // namespace rolewatch::stream
