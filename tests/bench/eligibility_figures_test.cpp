// Figures, not assertions (docs/design.md §6): run with
//   rolewatch_integration_tests "[figures]" -s
#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <optional>

#include "rules/activation_labeler.hpp"
#include "state/activation_history.hpp"
#include "state/directory/graph_directory.hpp"
#include "state/eligibility_snapshot.hpp"
#include "support/fake_graph.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace rolewatch;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

TEST_CASE("refresh time for a generated directory of 10k assignments", "[.][figures]") {
  support::FakeGraph fake;
  fake.set_directory(support::generated_directory(10'000));
  fake.set_page_size(100);
  support::TempDir dir;
  auto store = state::Store::open(dir.path());
  REQUIRE(store);
  state::HttpClient http;
  auto config = fake.client_secret_config();
  state::GraphClient graph(config, http);
  auto start = Clock::now();
  auto outcome = state::refresh_eligibility(**store, graph, 1);
  auto elapsed = seconds_since(start);
  REQUIRE(outcome);
  auto load_start = Clock::now();
  auto snapshot = state::EligibilitySnapshot::load(**store);
  REQUIRE(snapshot);
  std::cout << "refresh of " << outcome->info.assignments << " rows ("
            << outcome->counts.eligibility_schedules << " eligibility + "
            << outcome->counts.assignment_schedules << " assignment schedules, "
            << outcome->counts.groups << " groups, " << outcome->counts.users << " users, "
            << fake.graph_requests() << " Graph requests): " << elapsed << " s; snapshot load "
            << seconds_since(load_start) << " s\n";
}

rules::RoleEvent bench_event(int i, const std::string& role) {
  rules::RoleEvent event;
  event.audit_id = "audit-" + std::to_string(i);
  event.time = 1'741'075'205'000'000 + i * 1'000'000LL;
  event.kind = rules::Kind::activate;
  event.service = rules::Service::pim;
  event.target.id = "user-" + std::to_string(i * 7 % 6'000);
  event.role.template_id = role;
  event.ip_address = "203.0.113." + std::to_string(i % 200);
  return event;
}

TEST_CASE("labels per second", "[.][figures]") {
  support::TempDir dir;
  auto store = state::Store::open(dir.path(), {.sync_writes = false});
  REQUIRE(store);
  std::vector<state::Assignment> rows;
  for (int n = 0; n < 10'000; ++n) {
    state::Assignment row;
    row.principal_id = "user-" + std::to_string(n % 5'000);
    row.principal_type = "User";
    row.role_template_id =
        n % 2 ? "62e90394-69f5-4237-9190-012177145e10" : "e8611ab8-c189-46e8-94e1-60213ab1f814";
    row.on_premises_sync = n % 10 == 0;
    rows.push_back(row);
  }
  REQUIRE(state::write_snapshot(**store, rows, {0, 1, "bench", 0}));
  state::EligibilitySnapshotCache cache(**store);
  state::ActivationHistory history(**store);
  constexpr int kEvents = 50'000;
  constexpr int kBatch = 256;
  // Labelling, history recorded and committed every kBatch events.
  auto start = Clock::now();
  std::optional<state::Batch> batch((*store)->make_batch());
  for (int i = 0; i < kEvents; ++i) {
    auto event = bench_event(i, rows[static_cast<std::size_t>(i % 2)].role_template_id);
    auto snapshot = cache.current();
    REQUIRE(snapshot);
    auto label = rules::label_activation(event, **snapshot, history);
    REQUIRE(label);
    REQUIRE(history.record(*batch, rules::activation_record(event)));
    if ((i + 1) % kBatch == 0) {
      REQUIRE((*store)->write(*batch));
      history.clear_pending();
      batch.reset();
      batch.emplace((*store)->make_batch());
    }
  }
  REQUIRE((*store)->write(*batch));
  history.clear_pending();
  auto with_history = seconds_since(start);
  // Labelling alone, against the history just written (reads only).
  start = Clock::now();
  auto snapshot = cache.current();
  for (int i = 0; i < kEvents; ++i) {
    auto label = rules::label_activation(
        bench_event(i, rows[static_cast<std::size_t>(i % 2)].role_template_id), **snapshot,
        history);
    REQUIRE(label);
  }
  auto label_only = seconds_since(start);
  std::cout << "labels/s with a 10k-row snapshot: " << static_cast<long>(kEvents / label_only)
            << " labelling only, " << static_cast<long>(kEvents / with_history)
            << " labelling + recording history (RocksDB, commit every " << kBatch << ")\n";
}
