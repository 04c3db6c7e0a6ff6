// DecodeWorker (stream/pipeline/decode_worker.hpp): a job runs on another
// thread with the worker's own decoder, and wait() returns once it is done.
#include "stream/pipeline/decode_worker.hpp"

#include <catch2/catch.hpp>
#include <thread>

#include "support/audit_records.hpp"

using namespace rolewatch::stream;

TEST_CASE("a decode job runs on the worker's thread and wait returns after it", "[decode_worker]") {
  DecodeWorker worker;
  const auto body = support::event_hubs_message({support::non_role_record()});
  for (int round = 0; round < 50; ++round) {
    std::thread::id ran_on;
    DecodeCounters counters;
    worker.start([&](AuditDecoder& decoder) {
      ran_on = std::this_thread::get_id();
      counters = decoder.decode(SourceMessage{"t", 0, round, 0, body}, [](auto&&) {});
    });
    worker.wait();
    CHECK(ran_on != std::this_thread::get_id());
    CHECK(counters.records == 1);
  }
}

TEST_CASE("a worker destroyed with a job in progress finishes the job first", "[decode_worker]") {
  bool done = false;
  {
    DecodeWorker worker;
    worker.start([&](AuditDecoder&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      done = true;
    });
  }
  CHECK(done);
}
