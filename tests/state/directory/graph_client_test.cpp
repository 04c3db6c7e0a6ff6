#include "state/directory/graph_client.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "state/directory/graph_directory.hpp"
#include "state/eligibility_snapshot.hpp"
#include "support/fake_graph.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace rolewatch::state;
using nlohmann::json;
using support::FakeDirectory;
using support::FakeUser;

constexpr const char* kGa = "62e90394-69f5-4237-9190-012177145e10";
constexpr const char* kPra = "e8611ab8-c189-46e8-94e1-60213ab1f814";
constexpr const char* kUa = "fe930be7-5e62-47db-91af-98c3a49a38b1";
constexpr const char* kGr = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
constexpr const char* kGroup = "2b5ed229-4072-478d-9504-a047ebd4b07d";
constexpr const char* kApp = "dddddddd-0000-0000-0000-000000000001";

const FakeUser kAlice{"cccccccc-0000-0000-0000-000000000010", "alice@contoso.com", std::nullopt,
                      true};
const FakeUser kBob{"cccccccc-0000-0000-0000-000000000011", "bob@contoso.com", true, true};
const FakeUser kCarol{"cccccccc-0000-0000-0000-000000000012", "carol@contoso.com", std::nullopt,
                      false};
const FakeUser kDave{"cccccccc-0000-0000-0000-000000000013", "dave@contoso.com", true, true};
const FakeUser kEve{"cccccccc-0000-0000-0000-000000000014", "eve@contoso.com", false,
                    true};  // deleted

json role(const char* id) {
  static const std::map<std::string, std::string> kNames{{kGa, "Global Administrator"},
                                                         {kPra, "Privileged Role Administrator"},
                                                         {kUa, "User Administrator"},
                                                         {kGr, "Global Reader"}};
  return FakeDirectory::role_definition(id, kNames.at(id));
}

// A small directory exercising every path of the flattening.
FakeDirectory small_directory() {
  FakeDirectory d;
  for (const auto& user : {kAlice, kBob, kCarol, kDave}) d.add_user(user);
  auto user = &FakeDirectory::user_principal;
  auto group = FakeDirectory::group_principal(kGroup, "PIM-PRA-Eligible");
  d.eligibility_schedules = {
      FakeDirectory::schedule("e1", user(kAlice), role(kGa)),
      FakeDirectory::schedule("e2", user(kBob), role(kPra)),
      FakeDirectory::schedule("e3", group, role(kPra)),
      FakeDirectory::schedule("e4", user(kCarol), role(kUa), "2026-01-01T00:00:00Z"),
      FakeDirectory::schedule("e5", user(kAlice), role(kUa)),
      FakeDirectory::schedule("e6", user(kEve), role(kUa)),
  };
  d.eligibility_schedules[4]["status"] = "Revoked";
  d.assignment_schedules = {
      FakeDirectory::schedule("a1", user(kBob), role(kGa), {}, "Assigned"),
      FakeDirectory::schedule("a2", user(kCarol), role(kGr), "2025-12-31T00:00:00Z", "Assigned"),
      FakeDirectory::schedule("a3", user(kAlice), role(kPra), "2025-03-04T09:00:04Z", "Activated"),
  };
  d.group_members[kGroup] = {user(kCarol),
                             user(kDave),
                             user(kAlice),
                             {{"@odata.type", "#microsoft.graph.servicePrincipal"},
                              {"id", kApp},
                              {"displayName", "Deploy bot"}}};
  return d;
}

struct Harness {
  support::FakeGraph fake;
  HttpClient http;
  std::vector<std::chrono::milliseconds> waits;
  GraphConfig config;

  Harness() {
    fake.set_directory(small_directory());
    fake.set_page_size(2);
    config = fake.client_secret_config();
    config.max_attempts = 4;
  }
  GraphClient client() {
    return GraphClient(config, http, [this](auto delay) { return waits.push_back(delay), true; });
  }
};

const Assignment* find_row(const std::vector<Assignment>& rows, const std::string& principal,
                           const std::string& role, AssignmentType type,
                           const std::string& group = {}) {
  for (const auto& row : rows) {
    if (row.principal_id == principal && row.role_template_id == role && row.type == type &&
        row.inherited_from == group) {
      return &row;
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("a refresh through paging, throttling, a 503 and an expired token is complete",
          "[graph]") {
  Harness h;
  h.fake.inject({"$skiptoken=2", 429, "1"});
  h.fake.inject({"transitiveMembers", 503, ""});
  h.fake.inject({"roleAssignmentSchedules", 401, ""});  // the token expired mid-refresh
  h.fake.inject({"/users/" + kBob.id, 429, "1", 1, true});
  auto graph = h.client();
  auto fetched = fetch_directory_assignments(graph);
  REQUIRE(fetched);
  const auto& rows = fetched->rows;
  CHECK(rows.size() == 11);
  CHECK(fetched->counts.eligibility_schedules == 6);
  CHECK(fetched->counts.assignment_schedules == 3);
  CHECK(fetched->counts.groups == 1);
  CHECK(fetched->counts.users == 5);

  auto alice_ga = find_row(rows, kAlice.id, kGa, AssignmentType::eligible);
  REQUIRE(alice_ga);
  CHECK(alice_ga->user_principal_name == "alice@contoso.com");
  CHECK(alice_ga->role_display_name == "Global Administrator");
  CHECK(alice_ga->on_premises_sync == false);  // null in Graph: cloud-only
  CHECK(alice_ga->account_enabled == true);
  CHECK(alice_ga->start != 0);
  CHECK(alice_ga->end == 0);
  CHECK(find_row(rows, kBob.id, kPra, AssignmentType::eligible)->on_premises_sync == true);
  CHECK(find_row(rows, kDave.id, kPra, AssignmentType::eligible, kGroup)->user_principal_name ==
        "dave@contoso.com");
  CHECK(find_row(rows, kCarol.id, kPra, AssignmentType::eligible, kGroup)->account_enabled ==
        false);
  CHECK(find_row(rows, kAlice.id, kPra, AssignmentType::eligible, kGroup));
  auto bot = find_row(rows, kApp, kPra, AssignmentType::eligible, kGroup);
  REQUIRE(bot);
  CHECK(bot->principal_type == "ServicePrincipal");
  CHECK_FALSE(bot->on_premises_sync.has_value());
  CHECK(find_row(rows, kCarol.id, kUa, AssignmentType::eligible)->end != 0);
  CHECK_FALSE(find_row(rows, kAlice.id, kUa, AssignmentType::eligible));  // revoked
  CHECK_FALSE(find_row(rows, kEve.id, kUa, AssignmentType::eligible)->on_premises_sync.has_value());
  CHECK(find_row(rows, kBob.id, kGa, AssignmentType::active_permanent));
  CHECK(find_row(rows, kCarol.id, kGr, AssignmentType::active_timebound));
  CHECK(find_row(rows, kAlice.id, kPra, AssignmentType::active_activated));

  CHECK(h.fake.answered(429) == 1);
  CHECK(h.fake.answered(503) == 1);
  CHECK(h.fake.answered(401) == 1);
  CHECK(h.fake.token_requests() == 2);     // the first token, and one after the 401
  CHECK(graph.counters().throttled == 2);  // the page and the inner $batch request
  REQUIRE_FALSE(h.waits.empty());
  CHECK(h.waits.front() == std::chrono::seconds(1));  // Retry-After honoured
}

TEST_CASE("a failing refresh keeps the last good snapshot", "[graph]") {
  Harness h;
  support::TempDir dir;
  auto store = Store::open(dir.path());
  REQUIRE(store);
  auto graph = h.client();
  auto first = refresh_eligibility(**store, graph, 1'000);
  REQUIRE(first);
  CHECK(first->info.assignments == 11);

  h.fake.fail_everything(503);
  auto second = refresh_eligibility(**store, graph, 2'000);
  REQUIRE_FALSE(second);
  CHECK_THAT(second.error().message, Catch::Contains("HTTP 503") && Catch::Contains("4 attempts"));
  auto kept = EligibilitySnapshot::load(**store);
  REQUIRE(kept);
  CHECK(kept->rows().size() == 11);
  CHECK(kept->info()->generation == first->info.generation);
  CHECK(kept->info()->fetched_at == 1'000);
}

TEST_CASE("a token that expires between refreshes is fetched again once", "[graph]") {
  Harness h;
  auto graph = h.client();
  REQUIRE(graph.get("/roleManagement/directory/roleEligibilitySchedules"));
  h.fake.expire_tokens();
  REQUIRE(graph.get("/roleManagement/directory/roleEligibilitySchedules"));
  CHECK(h.fake.token_requests() == 2);
  CHECK(h.fake.grants() == std::vector<std::string>{"client-secret", "client-secret"});
}

TEST_CASE("a wrong client secret fails without echoing the secret", "[graph]") {
  Harness h;
  h.config.token.client_secret = "not-the-secret";
  auto graph = h.client();
  auto result = graph.get("/roleManagement/directory/roleEligibilitySchedules");
  REQUIRE_FALSE(result);
  CHECK_THAT(result.error().message,
             Catch::Contains("invalid_client") && Catch::Contains("AADSTS7000215"));
  CHECK_THAT(result.error().message, !Catch::Contains("not-the-secret"));
}

TEST_CASE("workload identity exchanges the federated token file for a Graph token", "[graph]") {
  Harness h;
  support::TempDir dir;
  std::ofstream(dir / "token") << "k8s-jwt\n";
  h.config.token.mode = TokenMode::workload_identity;
  h.config.token.client_secret.clear();
  h.config.token.federated_token_file = (dir / "token").string();
  auto graph = h.client();
  REQUIRE(fetch_directory_assignments(graph));
  CHECK(h.fake.grants() == std::vector<std::string>{"jwt-bearer"});

  std::ofstream(dir / "token") << "rotated-but-unknown";
  h.fake.expire_tokens();
  auto refused = graph.get("/roleManagement/directory/roleEligibilitySchedules");
  REQUIRE_FALSE(refused);  // the file is re-read: the new (unknown) assertion is sent
  CHECK(h.fake.grants().back() == "rejected");
}

TEST_CASE("a managed identity gets its token from the IMDS endpoint", "[graph]") {
  Harness h;
  h.config.token.mode = TokenMode::managed_identity;
  h.config.token.managed_identity_endpoint = h.fake.imds_endpoint();
  auto graph = h.client();
  REQUIRE(fetch_directory_assignments(graph));
  CHECK(h.fake.grants() == std::vector<std::string>{"imds"});
}

TEST_CASE("an App Service managed identity sends the identity header", "[graph]") {
  Harness h;
  h.fake.set_identity_header("header-value");
  h.config.token.mode = TokenMode::managed_identity;
  h.config.token.managed_identity_endpoint = h.fake.app_service_endpoint();
  h.config.token.identity_header = "header-value";
  auto graph = h.client();
  REQUIRE(fetch_directory_assignments(graph));
  CHECK(h.fake.grants() == std::vector<std::string>{"app-service"});
}

TEST_CASE("a next link outside the Graph root is not followed", "[graph]") {
  Harness h;
  auto graph = h.client();
  auto result = graph.get("https://attacker.example/v1.0/steal?token=1");
  REQUIRE_FALSE(result);
  CHECK_THAT(result.error().message, Catch::StartsWith("refusing to follow a link outside"));
  CHECK(h.fake.token_requests() == 0);
}

// Issue 12, finding 4: a $batch answer with a numeric id threw
// nlohmann::json::type_error out of the parser and ended the process.
TEST_CASE("a malformed $batch answer is an error, never an exception", "[graph][batch]") {
  const std::vector<std::size_t> pending{0, 1};
  auto error_of = [&](const std::string& body) {
    std::optional<std::string> message;
    REQUIRE_NOTHROW([&] {
      auto parsed = parse_batch_answer(body, pending);
      if (!parsed) message = parsed.error().message;
    }());
    REQUIRE(message);
    return *message;
  };
  const std::string good = R"({"id": "1", "status": 200, "body": {}})";
  CHECK(error_of(R"({"responses": [{"id": 0, "status": 200}, )" + good + "]}") ==
        "POST $batch: unexpected response id");
  CHECK(error_of(R"({"value": []})") == "POST $batch: answer has no responses array");
  CHECK(error_of(R"({"responses": {"id": "0"}})") == "POST $batch: answer has no responses array");
  CHECK(error_of(R"([1, 2])") == "POST $batch: answer is not a JSON object");
  CHECK(error_of("not json") == "POST $batch: answer is not a JSON object");
  CHECK(error_of(R"({"responses": [7, )" + good + "]}") ==
        "POST $batch: a response is not an object");
  CHECK(error_of(R"({"responses": [{"id": "0", "status": "200"}, )" + good + "]}") ==
        "POST $batch: a response has no integer status");
  CHECK(error_of(R"({"responses": [{"id": "0"}, )" + good + "]}") ==
        "POST $batch: a response has no integer status");
  CHECK(error_of(R"({"responses": [{"id": "1", "status": 200}, )" + good + "]}") ==
        "POST $batch: unexpected response id");  // answered twice
  CHECK(error_of(R"({"responses": [{"id": "7", "status": 200}, )" + good + "]}") ==
        "POST $batch: unexpected response id");  // never asked
  CHECK(error_of(R"({"responses": [{"id": "0x", "status": 200}, )" + good + "]}") ==
        "POST $batch: unexpected response id");
  CHECK(error_of(R"({"responses": [)" + good + "]}") == "POST $batch: 1 responses for 2 requests");
}

TEST_CASE("a well-formed $batch answer tolerates odd headers and bodies", "[graph][batch]") {
  auto parsed = parse_batch_answer(
      R"({"responses": [{"id": "3", "status": 429, "headers": {"retry-after": "2"}},
                        {"id": "0", "status": 200, "headers": [1], "body": "text"}]})",
      {0, 3});
  REQUIRE(parsed);
  REQUIRE(parsed->size() == 2);
  CHECK((*parsed)[0].index == 3);
  CHECK((*parsed)[0].retry_after == "2");
  CHECK((*parsed)[1].index == 0);
  CHECK((*parsed)[1].body == "text");
  CHECK_FALSE((*parsed)[1].retry_after);
}

TEST_CASE("a refresh given a $batch answer with numeric ids fails and keeps the snapshot",
          "[graph][batch]") {
  Harness h;
  support::TempDir dir;
  auto store = Store::open(dir.path());
  REQUIRE(store);
  auto graph = h.client();
  auto first = refresh_eligibility(**store, graph, 1'000);
  REQUIRE(first);

  h.fake.tamper_with_batches([](json answer) {
    for (auto& inner : answer["responses"]) inner["id"] = std::stoi(inner["id"].get<std::string>());
    return answer;
  });
  rolewatch::Expected<RefreshOutcome> second = rolewatch::make_error("not run");
  REQUIRE_NOTHROW(second = refresh_eligibility(**store, graph, 2'000));
  REQUIRE_FALSE(second);
  CHECK(second.error().message == "POST $batch: unexpected response id");
  auto kept = EligibilitySnapshot::load(**store);
  REQUIRE(kept);
  CHECK(kept->rows().size() == 11);
  CHECK(kept->info()->fetched_at == 1'000);
}

TEST_CASE("throttled $batch requests wait their clamped Retry-After", "[graph][batch]") {
  Harness h;
  h.fake.inject({"/users/" + kBob.id, 429, "0", 1, true});
  h.fake.inject({"/users/" + kAlice.id, 429, "soon", 1, true});
  auto graph = h.client();
  auto bodies = graph.batch_get({"/users/" + kBob.id, "/users/" + kAlice.id});
  REQUIRE(bodies);
  REQUIRE(h.waits.size() == 1);
  CHECK(h.waits.front() == std::chrono::seconds(1));  // "0" is held to one second
}
