#pragma once
// A second thread for decoding: replay's input is >95% records of other
// categories, and finding and skipping them (simdjson's stage 1 and the
// envelope scan) is most of its work, while each message decodes on its
// own. The pipeline hands the worker one part of a slice of messages,
// decodes the other part itself, and waits; rules and state stay on the
// pipeline's thread, in message order. The worker has its own decoder
// (a simdjson parser is not shared between threads).
#include <functional>

#include "state/base/job_thread.hpp"
#include "stream/pipeline/audit_decoder.hpp"

namespace rolewatch::stream {

class DecodeWorker {
 public:
  using Job = std::function<void(AuditDecoder&)>;

  // Runs `job` on the worker thread with the worker's decoder; one job at a
  // time: wait() before the next. Destroying the worker waits for the job.
  void start(Job job);
  // Returns once the job started last is done.
  void wait();

 private:
  AuditDecoder decoder_;
  JobThread thread_;  // last: gone (its job finished) before the decoder
};

}  // namespace rolewatch::stream
