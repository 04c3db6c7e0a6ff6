// The decode worker (PipelineOptions::decode_worker, what replay uses) is
// invisible in what the pipeline decides: the same documents, counters and
// warnings, in the same order, as decoding on one thread, on a batch with
// bursts across many messages, hostile and malformed messages, records of
// other categories and a record stamped in the future; and with state read
// ahead on the reader thread, on a batch of many groups whose windows, audit
// ids and activation history carry over from one group to the next.
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

// Thousands of role events in one batch (the first group holds 256, the
// rest up to 1024 each): the same actors' removals in every group, every
// message delivered twice (the copy a group or more later), and PIM
// activations by the same principals from a few addresses throughout.
std::vector<std::string> many_group_batch() {
  std::vector<std::string> bodies;
  for (const auto& message : support::burst_stream({.actors = 300, .partitions = 1})) {
    bodies.push_back(message.body);
  }
  for (int i = 0; i < 400; ++i) {
    const auto principal = support::admin(i % 40);
    const auto ip = "192.0.2." + std::to_string(i % 3);
    bodies.insert(bodies.begin() + (i * 5) % static_cast<int>(bodies.size()),
                  support::event_hubs_message({support::pim_activation(
                      {.actor = support::user(principal.id, principal.user_principal_name, {}, ip),
                       .target = principal,
                       .time = support::at(support::kBaseTime, i),
                       .ip_address = ip})}));
  }
  const auto first = bodies;
  bodies.insert(bodies.end(), first.begin(), first.begin() + first.size() / 2);
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

TEST_CASE("reading the next group's state on another thread decides what one thread decides",
          "[pipeline][decode_worker]") {
  const auto bodies = many_group_batch();
  const auto one = process(bodies, false);
  const auto two = process(bodies, true);
  REQUIRE(one.counters.role_events > 2000);  // three groups at least
  REQUIRE(one.counters.duplicates > 500);
  REQUIRE(one.counters.alerts >= 300);
  REQUIRE(one.counters.activations >= 400);
  CHECK(two.documents == one.documents);
  CHECK(two.outbox == one.outbox);
  CHECK(two.log == one.log);
  CHECK(two.counters.role_events == one.counters.role_events);
  CHECK(two.counters.duplicates == one.counters.duplicates);
  CHECK(two.counters.alerts == one.counters.alerts);
  CHECK(two.counters.activations == one.counters.activations);
}
