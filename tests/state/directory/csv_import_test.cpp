#include "state/directory/csv_import.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "state/eligibility_snapshot.hpp"
#include "support/temp_dir.hpp"

namespace {

using rolewatch::state::AssignmentType;
using rolewatch::state::EligibilitySnapshot;
using rolewatch::state::parse_eligibility_csv;

constexpr const char* kCommaExport =
    "\"PrincipalId\",\"PrincipalType\",\"UserPrincipalName\",\"RoleDefinitionId\","
    "\"RoleDefinitionName\",\"DirectoryScopeId\",\"AssignmentInheritedFrom\",\"AssignmentType\"\r\n"
    "\"cccccccc-0000-0000-0000-000000000010\",\"#microsoft.graph.user\",\"alice.admin@contoso."
    "com\","
    "\"62e90394-69f5-4237-9190-012177145e10\",\"Global Administrator\",\"/\",\"\",\"Eligible\"\r\n"
    "\"cccccccc-0000-0000-0000-000000000011\",\"#microsoft.graph.user\",\"bob@contoso.com\","
    "\"e8611ab8-c189-46e8-94e1-60213ab1f814\",\"Privileged Role Administrator\",\"/\","
    "\"2b5ed229-4072-478d-9504-a047ebd4b07d\",\"Eligible\"\r\n";

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("the seed's comma-delimited export is read with quoting and group inheritance",
          "[eligibility]") {
  auto rows = parse_eligibility_csv(kCommaExport);
  REQUIRE(rows);
  REQUIRE(rows->size() == 2);
  const auto& alice = (*rows)[0];
  CHECK(alice.principal_id == "cccccccc-0000-0000-0000-000000000010");
  CHECK(alice.principal_type == "User");
  CHECK(alice.user_principal_name == "alice.admin@contoso.com");
  CHECK(alice.role_template_id == "62e90394-69f5-4237-9190-012177145e10");
  CHECK(alice.role_display_name == "Global Administrator");
  CHECK(alice.directory_scope_id == "/");
  CHECK(alice.inherited_from.empty());
  CHECK(alice.type == AssignmentType::eligible);
  CHECK_FALSE(alice.on_premises_sync.has_value());
  CHECK((*rows)[1].inherited_from == "2b5ed229-4072-478d-9504-a047ebd4b07d");
}

TEST_CASE("the older semicolon-delimited six-column export is read as eligible assignments",
          "[eligibility]") {
  std::string text =
      "\xEF\xBB\xBF\"PrincipalId\";\"PrincipalType\";\"UserPrincipalName\";\"RoleDefinitionId\";"
      "\"RoleDefinitionName\";\"DirectoryScopeId\"\n"
      "\"c31f3141-0000-0000-0000-000000000001\";\"User\";"
      "\"nicola.suter_basevision.ch#EXT#@nicoladev.onmicrosoft.com\";"
      "\"62e90394-69f5-4237-9190-012177145e10\";\"Global Administrator\";\"/\"\n"
      "\"c31f3141-0000-0000-0000-000000000002\";\"User\";\"x@contoso.com\";"
      "\"fe930be7-5e62-47db-91af-98c3a49a38b1\";\"User Administrator\";"
      "\"/administrativeUnits/6bfd5c94-0000-0000-0000-000000000000\"\n";
  auto rows = parse_eligibility_csv(text);
  REQUIRE(rows);
  REQUIRE(rows->size() == 2);
  CHECK((*rows)[0].user_principal_name ==
        "nicola.suter_basevision.ch#EXT#@nicoladev.onmicrosoft.com");
  CHECK((*rows)[0].type == AssignmentType::eligible);
  CHECK((*rows)[1].directory_scope_id ==
        "/administrativeUnits/6bfd5c94-0000-0000-0000-000000000000");
}

TEST_CASE("quoted fields may hold delimiters, doubled quotes and line breaks", "[eligibility]") {
  std::string text =
      "PrincipalId,PrincipalType,UserPrincipalName,RoleDefinitionId,RoleDefinitionName,"
      "DirectoryScopeId,AssignmentInheritedFrom,AssignmentType,OnPremisesSyncEnabled\n"
      "cccccccc-0000-0000-0000-000000000010,User,alice@contoso.com,"
      "62e90394-69f5-4237-9190-012177145e10,\"Global, \"\"the\"\"\nAdministrator\",/,,Active,True\n"
      "\n"
      "cccccccc-0000-0000-0000-000000000012,User,carol@contoso.com,"
      "fe930be7-5e62-47db-91af-98c3a49a38b1,User Administrator,/,,Eligible,false\n";
  auto rows = parse_eligibility_csv(text);
  REQUIRE(rows);
  REQUIRE(rows->size() == 2);
  CHECK((*rows)[0].role_display_name == "Global, \"the\"\nAdministrator");
  CHECK((*rows)[0].type == AssignmentType::active_permanent);
  CHECK((*rows)[0].on_premises_sync == true);
  CHECK((*rows)[1].on_premises_sync == false);
}

TEST_CASE("a malformed row is reported with its line number", "[eligibility]") {
  std::string header =
      "PrincipalId,PrincipalType,UserPrincipalName,RoleDefinitionId,RoleDefinitionName,"
      "DirectoryScopeId,AssignmentInheritedFrom,AssignmentType\n";
  std::string good =
      "cccccccc-0000-0000-0000-000000000010,User,a@contoso.com,"
      "62e90394-69f5-4237-9190-012177145e10,Global Administrator,/,,Eligible\n";
  SECTION("too few fields") {
    auto rows =
        parse_eligibility_csv(header + good + good + "cccccccc-0000-0000-0000-000000000011,User\n");
    REQUIRE_FALSE(rows);
    CHECK(rows.error().message == "line 4: expected 8 fields, found 2");
  }
  SECTION("an unterminated quote") {
    auto rows = parse_eligibility_csv(header + good + "\"cccccccc-0000,User\n");
    REQUIRE_FALSE(rows);
    CHECK(rows.error().message == "line 3: unterminated quoted field");
  }
  SECTION("a role id that is not a GUID") {
    auto rows = parse_eligibility_csv(
        header +
        "cccccccc-0000-0000-0000-000000000010,User,a@contoso.com,Global Administrator,"
        "x,/,,Eligible\n");
    REQUIRE_FALSE(rows);
    CHECK(rows.error().message == "line 2: RoleDefinitionId is not a GUID");
  }
  SECTION("an unknown assignment type") {
    auto bad = good;
    bad.replace(bad.find("Eligible"), 8, "Sometimes");
    auto rows = parse_eligibility_csv(header + bad);
    REQUIRE_FALSE(rows);
    CHECK_THAT(rows.error().message, Catch::StartsWith("line 2: unknown AssignmentType"));
  }
  SECTION("a header without the required columns") {
    auto rows = parse_eligibility_csv("Name,Role\nx,y\n");
    REQUIRE_FALSE(rows);
    CHECK_THAT(rows.error().message, Catch::StartsWith("line 1: header has no principalid"));
  }
}

TEST_CASE("a malformed file imports nothing and keeps the previous snapshot", "[eligibility]") {
  support::TempDir dir;
  auto store = rolewatch::state::Store::open(dir / "state");
  REQUIRE(store);
  write_file(dir / "good.csv", kCommaExport);
  auto first = rolewatch::state::import_eligibility_csv(**store, dir / "good.csv", 1'000'000);
  REQUIRE(first);
  CHECK(first->assignments == 2);
  CHECK(first->source == "csv:good.csv");

  write_file(dir / "bad.csv",
             std::string(kCommaExport) + "\"cccccccc-0000-0000-0000-000000000012\",\"User\"\r\n");
  auto second = rolewatch::state::import_eligibility_csv(**store, dir / "bad.csv", 2'000'000);
  REQUIRE_FALSE(second);
  CHECK(second.error().message == "bad.csv: line 4: expected 8 fields, found 2");

  auto snapshot = EligibilitySnapshot::load(**store);
  REQUIRE(snapshot);
  CHECK(snapshot->rows().size() == 2);
  CHECK(snapshot->info()->generation == first->generation);
  CHECK(snapshot->info()->fetched_at == 1'000'000);
}
