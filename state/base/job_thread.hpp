#pragma once
// One background thread that runs one job at a time, handed over without
// starting a thread per job: replay's chunk reader (stream/source/
// chunked_lines.hpp) reads the next chunk on it, and the decode worker
// (stream/pipeline/decode_worker.hpp) decodes a batch's messages on it,
// claimed one at a time alongside the caller, and the pipeline reads the
// next group's state ahead on one (stream/pipeline/pipeline.cpp). The caller starts a job, does
// its own part, then waits for the job.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace rolewatch {

class JobThread {
 public:
  JobThread();
  ~JobThread();  // waits for the job in progress, then stops the thread
  JobThread(const JobThread&) = delete;
  JobThread& operator=(const JobThread&) = delete;

  // Runs `job` on the thread; one job at a time: wait() before the next.
  void start(std::function<void()> job);
  // Returns once the job started last is done (at once when there is none).
  void wait();

 private:
  void loop();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::function<void()> job_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is built
};

}  // namespace rolewatch
