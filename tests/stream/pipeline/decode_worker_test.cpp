// DecodeWorker (stream/pipeline/decode_worker.hpp): the items of a round are
// decoded exactly once each, by whichever of the two threads is free, and
// await() returns only once the item asked for is decoded; wait_for() (the
// pipeline's state reader) wakes beside it.
#include "stream/pipeline/decode_worker.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/audit_records.hpp"

using namespace rolewatch::stream;

namespace {

struct Item {
  int decoded = 0;  // times decode ran for it
  std::thread::id on;
  DecodeCounters counters;
};

// A round over `items` whose decode really decodes a one-record message and
// then sleeps `pause`, so that the other thread has time to claim items.
DecodeWorker::DecodeOne decode_into(std::vector<Item>& items, std::chrono::microseconds pause) {
  return [&items, pause](AuditDecoder& decoder, std::size_t i) {
    static const auto body = support::event_hubs_message({support::non_role_record()});
    items[i].counters =
        decoder.decode(SourceMessage{"t", 0, static_cast<std::int64_t>(i), 0, body}, [](auto&&) {});
    items[i].on = std::this_thread::get_id();
    ++items[i].decoded;
    std::this_thread::sleep_for(pause);
  };
}

}  // namespace

TEST_CASE("every item of a round is decoded once and ready when awaited, on both threads",
          "[decode_worker]") {
  DecodeWorker worker(true);
  std::vector<Item> items(200);
  // Each thread's second item waits (10 s at most) until the other thread
  // has decoded one, so both take part however the threads are scheduled.
  const auto here = std::this_thread::get_id();
  std::atomic<int> by_this{0}, by_other{0};
  auto decode = decode_into(items, std::chrono::microseconds(0));
  {
    const auto round = worker.begin(items.size(), [&](AuditDecoder& decoder, std::size_t i) {
      const bool on_this = std::this_thread::get_id() == here;
      auto& mine = on_this ? by_this : by_other;
      const auto& theirs = on_this ? by_other : by_this;
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (mine > 0 && theirs == 0 && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      decode(decoder, i);
      ++mine;
    });
    for (std::size_t i = 0; i < items.size(); ++i) {
      worker.await(i);
      REQUIRE(items[i].decoded == 1);
      CHECK(items[i].counters.records == 1);
    }
  }
  CHECK(by_this > 0);
  CHECK(by_other > 0);
  CHECK(by_this + by_other == 200);
}

TEST_CASE("a round slower to read than to decode is decoded ahead by the second thread",
          "[decode_worker]") {
  DecodeWorker worker(true);
  std::vector<Item> items(20);
  std::atomic<std::size_t> decoded{0};
  auto decode = decode_into(items, std::chrono::microseconds(0));
  const auto round = worker.begin(items.size(), [&](AuditDecoder& decoder, std::size_t i) {
    decode(decoder, i);
    ++decoded;
  });
  // The reader is busy elsewhere (10 s at most) while the worker goes on.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (decoded < items.size() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    worker.await(i);
    CHECK(items[i].on != std::this_thread::get_id());
  }
}

TEST_CASE("without a second thread each item is decoded here when it is awaited",
          "[decode_worker]") {
  DecodeWorker worker(false);
  CHECK_FALSE(worker.second_thread());
  std::vector<Item> items(5);
  const auto round = worker.begin(items.size(), decode_into(items, std::chrono::microseconds(0)));
  for (std::size_t i = 0; i < items.size(); ++i) {
    worker.await(i);
    CHECK(items[i].on == std::this_thread::get_id());
    if (i + 1 < items.size()) CHECK(items[i + 1].decoded == 0);
  }
}

TEST_CASE("a round ended early decodes nothing after it ends and the next round starts afresh",
          "[decode_worker]") {
  DecodeWorker worker(true);
  std::vector<Item> first(1000);
  {
    const auto round = worker.begin(first.size(), decode_into(first, std::chrono::milliseconds(1)));
    worker.await(0);
  }
  std::size_t decoded = 0;
  for (const auto& item : first) decoded += item.decoded;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::size_t later = 0;
  for (const auto& item : first) later += item.decoded;
  CHECK(later == decoded);
  CHECK(decoded < first.size());

  std::vector<Item> second(300);  // more items than the first round: the flags grow
  const auto round = worker.begin(second.size(), decode_into(second, std::chrono::microseconds(0)));
  for (std::size_t i = 0; i < second.size(); ++i) worker.await(i);
  for (const auto& item : second) CHECK(item.decoded == 1);
}

TEST_CASE("an exception leaving a round waits for the second thread before it goes on",
          "[decode_worker]") {
  DecodeWorker worker(true);
  std::vector<Item> items(50);
  CHECK_THROWS_AS(
      [&] {
        const auto round =
            worker.begin(items.size(), decode_into(items, std::chrono::milliseconds(1)));
        worker.await(0);
        throw std::runtime_error("rules failed");
      }(),
      std::runtime_error);
  std::size_t decoded = 0;
  for (const auto& item : items) decoded += item.decoded;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::size_t later = 0;
  for (const auto& item : items) later += item.decoded;
  CHECK(later == decoded);
}

TEST_CASE("a third thread waiting for an item wakes with the caller awaiting the same item",
          "[decode_worker]") {
  // Leaked unless the test passes: a waiter that never woke still points
  // into it, and must fail the test, not hang it (so both wait on threads
  // of their own).
  auto* worker = new DecodeWorker(true);
  std::atomic<bool> claimed{false};
  auto awaited = std::make_shared<std::atomic<bool>>(false);
  auto waited = std::make_shared<std::atomic<bool>>(false);
  {
    const auto round = worker->begin(4, [&](AuditDecoder&, std::size_t i) {
      if (i != 0) return;
      claimed = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    });
    // Nothing is awaited yet, so the second thread holds item 0.
    while (!claimed) std::this_thread::yield();
    std::thread([worker, waited] {
      worker->wait_for(0);
      *waited = true;
    }).detach();
    std::thread([worker, awaited] {
      worker->await(0);  // decodes items 1-3, then waits for item 0 too
      *awaited = true;
    }).detach();
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!(*awaited && *waited) && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  REQUIRE(*awaited);
  REQUIRE(*waited);
  delete worker;
}
