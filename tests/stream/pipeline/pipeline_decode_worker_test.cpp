// The decode worker (PipelineOptions::decode_worker, what replay uses) is
// invisible in what the pipeline decides: the same documents, counters and
// warnings, in the same order, as decoding on one thread, on a batch with
// bursts across many messages, hostile and malformed messages, records of
// other categories and a record stamped in the future.
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/audit_records.hpp"
#include "support/burst_stream.hpp"
#include "support/captured_log.hpp"
#include "support/hostile_text.hpp"
#include "support/pipeline_harness.hpp"

using namespace rolewatch;

namespace {

std::vector<std::string> mixed_batch() {
  std::vector<std::string> bodies;
  for (const auto& message : support::burst_stream({.actors = 40, .partitions = 1})) {
    bodies.push_back(message.body);
  }
  // Spread through the batch so both threads get some of each.
  auto hostile = support::splice(
      support::event_hubs_message(
          {support::non_role_record(),
           support::core_directory_removal(
               {.actor = support::user("h-1", "h@contoso.com", "Mallory@HOSTILE@")})}),
      "\xff");
  std::vector<std::string> odd = {
      hostile,
      R"({"records":[{"time":"2025-03-04T10:00:00Z","properties":{"category":"RoleManagement")",
      "not json at all",
      support::event_hubs_message({support::core_directory_removal(
          {.target = support::admin(7), .time = "2099-01-01T00:00:00Z"})}),
      support::event_hubs_message({support::non_role_record("GroupManagement", 50000)}),
  };
  for (std::size_t i = 0; i < odd.size(); ++i) {
    bodies.insert(bodies.begin() + static_cast<std::ptrdiff_t>((i * 7) % bodies.size()), odd[i]);
  }
  return bodies;
}

struct Outcome {
  std::vector<std::string> documents;
  std::vector<std::string> outbox;
  stream::BatchCounters counters;
  std::string log;
};

Outcome process(const std::vector<std::string>& bodies, bool decode_worker) {
  support::CapturedLog log;
  spdlog::default_logger()->set_pattern("%l %v");
  support::PipelineHarness harness({}, decode_worker);
  harness.now = 1'800'000'000'000'000;  // the same wall clock for both runs
  Outcome outcome;
  auto result = harness.feed(bodies);
  auto flushed = harness.flush(stream::FlushScope::end_of_input);
  for (const auto* batch : {&result, &flushed}) {
    for (const auto& document : batch->documents) outcome.documents.push_back(document);
  }
  for (const auto& document : harness.outbox()) outcome.outbox.push_back(document.dump());
  outcome.counters = result.counters;
  outcome.log = log.text();
  return outcome;
}

}  // namespace

TEST_CASE("decoding on two threads decides exactly what one thread decides",
          "[pipeline][decode_worker]") {
  const auto bodies = mixed_batch();
  const auto one = process(bodies, false);
  const auto two = process(bodies, true);
  REQUIRE(one.counters.alerts >= 40);
  CHECK(one.counters.future() == 1);
  CHECK(one.counters.decode.malformed_messages == 2);
  CHECK(one.counters.decode.repaired_messages == 1);
  CHECK(two.documents == one.documents);
  CHECK(two.outbox == one.outbox);
  CHECK(two.log == one.log);
  CHECK(two.counters.decode.records == one.counters.decode.records);
  CHECK(two.counters.decode.messages == one.counters.decode.messages);
  CHECK(two.counters.decode.skipped_category == one.counters.decode.skipped_category);
  CHECK(two.counters.decode.malformed_messages == one.counters.decode.malformed_messages);
  CHECK(two.counters.decode.repaired_messages == one.counters.decode.repaired_messages);
  CHECK(two.counters.role_events == one.counters.role_events);
  CHECK(two.counters.future() == one.counters.future());
  CHECK(two.counters.alerts == one.counters.alerts);
  CHECK(two.counters.duplicates == one.counters.duplicates);
}
