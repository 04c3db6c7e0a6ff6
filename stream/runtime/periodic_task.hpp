#pragma once
// A function run on its own thread every `interval` until destroyed (the
// periodic stats line, the shutdown watchdog). A task that throws is
// logged and counted (rolewatch_background_errors_total{thread=
// "periodic_task"}) and run again after the interval plus a backoff.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace rolewatch::stream {

class PeriodicTask {
 public:
  PeriodicTask(std::chrono::milliseconds interval, std::function<void()> task);
  ~PeriodicTask();  // stops and joins; the task is not run again
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

 private:
  void loop();

  std::chrono::milliseconds interval_;
  std::function<void()> task_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace rolewatch::stream
