#include "stream/runtime/eligibility_refresher.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "state/eligibility_snapshot.hpp"
#include "stream/app/commands/eligibility_command.hpp"
#include "stream/config/graph_config.hpp"
#include "stream/ops/background_errors.hpp"
#include "stream/ops/metrics.hpp"
#include "support/fake_graph.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace rolewatch;

support::FakeDirectory one_user_directory() {
  support::FakeDirectory d;
  support::FakeUser alice{"cccccccc-0000-0000-0000-000000000010", "alice@contoso.com", true, true};
  d.add_user(alice);
  d.eligibility_schedules = {support::FakeDirectory::schedule(
      "e1", support::FakeDirectory::user_principal(alice),
      support::FakeDirectory::role_definition("62e90394-69f5-4237-9190-012177145e10",
                                              "Global Administrator"))};
  return d;
}

state::GraphConfig config_for(const support::FakeGraph& fake) {
  auto config = fake.client_secret_config();
  config.max_attempts = 2;
  config.initial_backoff = std::chrono::milliseconds(1);
  return config;
}

}  // namespace

TEST_CASE("the refresher counts failures and keeps the snapshot's age", "[graph]") {
  support::FakeGraph fake;
  fake.set_directory(one_user_directory());
  support::TempDir dir;
  auto store = state::Store::open(dir.path());
  REQUIRE(store);
  stream::EligibilityRefresher refresher(**store, config_for(fake));
  REQUIRE(refresher.refresh_once());
  auto ok = refresher.status();
  CHECK(ok.successes == 1);
  CHECK(ok.assignments == 1);
  CHECK(ok.snapshot_fetched_at == ok.last_attempt);

  fake.fail_everything(500);
  REQUIRE_FALSE(refresher.refresh_once());
  auto failed = refresher.status();
  CHECK(failed.failures == 1);
  CHECK(failed.successes == 1);
  CHECK(failed.snapshot_fetched_at == ok.snapshot_fetched_at);  // the age keeps growing
  CHECK_THAT(failed.last_error, Catch::Contains("HTTP 500"));
  CHECK(state::EligibilitySnapshot::load(**store)->rows().size() == 1);
}

TEST_CASE("the background refresher refreshes at start and stops promptly", "[graph]") {
  support::FakeGraph fake;
  fake.set_directory(one_user_directory());
  support::TempDir dir;
  auto store = state::Store::open(dir.path());
  REQUIRE(store);
  auto config = config_for(fake);
  config.refresh_interval = std::chrono::hours(1);
  stream::EligibilityRefresher refresher(**store, config);
  refresher.start();
  for (int i = 0; i < 200 && refresher.status().successes == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto started = std::chrono::steady_clock::now();
  refresher.stop();
  CHECK(refresher.status().successes == 1);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
}

TEST_CASE("the graph section is parsed with secrets from files and AKS variables", "[graph]") {
  support::TempDir dir;
  std::ofstream(dir / "secret") << "from-file\n";
  stream::ConfigContext context;
  context.env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "AZURE_FEDERATED_TOKEN_FILE")
      return "/var/run/secrets/azure/tokens/azure-identity-token";
    if (name == "AZURE_CLIENT_ID") return "aks-client";
    return std::nullopt;
  };
  auto secret = stream::parse_graph_config(
      YAML::Load("{tenant_id: t, client_id: c, client_secret_file: " + (dir / "secret").string() +
                 ", base_url: 'https://graph.microsoft.us/', authority: "
                 "'https://login.microsoftonline.us', refresh_interval: 30m}"),
      context);
  REQUIRE(secret);
  CHECK(secret->token.client_secret == "from-file");
  CHECK(secret->base_url == "https://graph.microsoft.us");
  CHECK(secret->token.authority == "https://login.microsoftonline.us");
  CHECK(secret->refresh_interval == std::chrono::minutes(30));

  auto federated = stream::parse_graph_config(
      YAML::Load("{tenant_id: t, token_mode: workload-identity}"), context);
  REQUIRE(federated);
  CHECK(federated->token.mode == state::TokenMode::workload_identity);
  CHECK(federated->token.client_id == "aks-client");
  CHECK(federated->token.federated_token_file ==
        "/var/run/secrets/azure/tokens/azure-identity-token");

  auto bad = stream::parse_graph_config(
      YAML::Load("{tenant_id: t, client_id: c, token_mode: magic}"), context);
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("graph.token_mode"));
  auto missing = stream::parse_graph_config(YAML::Load("{tenant_id: t, client_id: c}"), context);
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message, Catch::Contains("graph.client_secret"));
}

TEST_CASE("eligibility refresh from a config file fills the state directory", "[graph]") {
  support::FakeGraph fake;
  fake.set_directory(one_user_directory());
  support::TempDir dir;
  std::ofstream(dir / "rolewatch.yaml")
      << "state: {dir: " << (dir / "state").string() << "}\n"
      << "graph:\n  tenant_id: tenant-1\n  client_id: app-1\n  client_secret: s3cret\n"
      << "  base_url: " << fake.base_url() << "\n  authority: " << fake.base_url() << "\n";
  CHECK(stream::eligibility_refresh_command({dir / "rolewatch.yaml", std::nullopt}) == 0);
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  CHECK(state::EligibilitySnapshot::load(**store)->rows().size() == 1);
}

// Issue 12, finding 4: a $batch answer with a numeric id threw in the
// refresher thread (std::terminate, and a crash loop since the refresh runs
// at start). Now it is a failed refresh: counted, the old snapshot kept, and
// the thread refreshes again once Graph answers properly.
TEST_CASE("a malformed $batch answer keeps the old snapshot and the refresher thread alive",
          "[graph][background]") {
  support::FakeGraph fake;
  fake.set_directory(one_user_directory());
  support::TempDir dir;
  auto store = state::Store::open(dir.path());
  REQUIRE(store);
  auto config = config_for(fake);
  config.refresh_interval = std::chrono::seconds(1);
  stream::EligibilityRefresher refresher(**store, config);
  REQUIRE(refresher.refresh_once());
  auto good = refresher.status();
  stream::Metrics metrics;
  metrics.set_eligibility_source([&] { return refresher.status(); });
  auto errors_before = stream::background_errors(stream::BackgroundThread::refresher);

  fake.tamper_with_batches([](nlohmann::json answer) {
    for (auto& inner : answer["responses"]) inner["id"] = std::stoi(inner["id"].get<std::string>());
    return answer;
  });
  refresher.start();
  auto wait_until = [&](auto condition) {
    for (int i = 0; i < 2000 && !condition(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
  };
  REQUIRE(wait_until([&] { return refresher.status().failures >= 2; }));  // it looped on
  auto failed = refresher.status();
  CHECK(failed.last_error == "POST $batch: unexpected response id");
  CHECK(failed.snapshot_fetched_at == good.snapshot_fetched_at);
  CHECK(state::EligibilitySnapshot::load(**store)->rows().size() == 1);
  CHECK_THAT(metrics.scrape(),
             Catch::Contains("rolewatch_eligibility_refreshes_total{result=\"failure\"}"));

  fake.tamper_with_batches(nullptr);
  CHECK(wait_until([&] { return refresher.status().successes >= 2; }));  // still alive
  refresher.stop();
  CHECK(refresher.status().snapshot_fetched_at > good.snapshot_fetched_at);
  // A failed refresh, not an escaped exception.
  CHECK(stream::background_errors(stream::BackgroundThread::refresher) == errors_before);
}
