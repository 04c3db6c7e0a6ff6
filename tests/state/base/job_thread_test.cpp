// JobThread (state/base/job_thread.hpp): jobs run one at a time on one
// thread that outlives them, wait() returns once the job is done, and
// destroying it waits for a job in progress.
#include "state/base/job_thread.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <thread>

using rolewatch::JobThread;

TEST_CASE("jobs run one after another on one thread that is not the caller's", "[job_thread]") {
  JobThread thread;
  std::set<std::thread::id> ran_on;
  int done = 0;
  for (int round = 0; round < 100; ++round) {
    thread.start([&] {
      ran_on.insert(std::this_thread::get_id());
      ++done;
    });
    thread.wait();
    CHECK(done == round + 1);  // wait() returned after the job, not before
  }
  CHECK(ran_on.size() == 1);
  CHECK_FALSE(ran_on.contains(std::this_thread::get_id()));
}

TEST_CASE("waiting with no job started returns at once", "[job_thread]") {
  JobThread thread;
  thread.wait();
  thread.wait();
  SUCCEED();
}

TEST_CASE("a job thread destroyed with a job in progress finishes the job first", "[job_thread]") {
  bool done = false;
  {
    JobThread thread;
    thread.start([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      done = true;
    });
  }
  CHECK(done);
}
