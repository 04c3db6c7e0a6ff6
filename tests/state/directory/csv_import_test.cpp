#include "state/directory/csv_import.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "state/eligibility_snapshot.hpp"
#include "support/temp_dir.hpp"

namespace {

using rolewatch::state::AssignmentType;
using rolewatch::state::CsvLimits;
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

constexpr const char* kHeader =
    "PrincipalId,PrincipalType,UserPrincipalName,RoleDefinitionId,RoleDefinitionName,"
    "DirectoryScopeId,AssignmentInheritedFrom,AssignmentType\n";

// One row whose UserPrincipalName is `upn`.
std::string row_with_upn(const std::string& upn) {
  return "cccccccc-0000-0000-0000-000000000010,User," + upn +
         ",62e90394-69f5-4237-9190-012177145e10,Global Administrator,/,,Eligible\n";
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A /proc/self/status figure in KiB ("VmRSS", "VmHWM"); 0 if absent.
std::int64_t proc_status_kib(const std::string& name) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(name + ":")) return std::stoll(line.substr(name.size() + 1));
  }
  return 0;
}

// Resets the peak RSS (VmHWM) to the current RSS; false if the kernel refuses.
bool reset_peak_rss() {
  std::ofstream clear_refs("/proc/self/clear_refs");
  clear_refs << "5";
  clear_refs.flush();
  return static_cast<bool>(clear_refs);
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

TEST_CASE("the CSV limits default to 64 KiB per field, 1 MiB per row and a million rows",
          "[eligibility][limits]") {
  CsvLimits defaults;
  CHECK(defaults.max_field_bytes == 64 * 1024);
  CHECK(defaults.max_row_bytes == 1024 * 1024);
  CHECK(defaults.max_rows == 1'000'000);
  SECTION("a field of exactly 64 KiB is read") {
    auto rows = parse_eligibility_csv(kHeader + row_with_upn(std::string(64 * 1024, 'u')));
    REQUIRE(rows);
    CHECK(rows->at(0).user_principal_name.size() == 64 * 1024);
  }
  SECTION("one byte more fails with the line number") {
    auto rows = parse_eligibility_csv(kHeader + row_with_upn("a@contoso.com") +
                                      row_with_upn(std::string(64 * 1024 + 1, 'u')));
    REQUIRE_FALSE(rows);
    CHECK(rows.error().message ==
          "line 3: a field is longer than 65536 bytes (the CSV field limit)");
    CHECK(rows.error().code == rolewatch::ErrorCode::invalid_argument);
  }
  SECTION("a row of more than 1 MiB fails even when every field fits") {
    std::string fields;
    for (int i = 0; i < 20; ++i) fields += "\"" + std::string(60 * 1024, 'x') + "\",";
    auto rows = parse_eligibility_csv(kHeader + fields + "\n");
    REQUIRE_FALSE(rows);
    CHECK(rows.error().message == "line 2: a row is longer than 1048576 bytes (the CSV row limit)");
  }
}

TEST_CASE("a field over the limit fails whether quoted or not, naming the record's first line",
          "[eligibility][limits]") {
  // 40: the longest header name and a GUID fit.
  CsvLimits limits{.max_field_bytes = 40, .max_row_bytes = 1024, .max_rows = 10};
  SECTION("unquoted") {
    auto rows = parse_eligibility_csv(
        kHeader + row_with_upn("a-very-long-user-name-for-limits@contoso.com"), limits);
    REQUIRE_FALSE(rows);
    CHECK(rows.error().message == "line 2: a field is longer than 40 bytes (the CSV field limit)");
  }
  SECTION("quoted, with line breaks inside: the line where the record starts") {
    auto rows = parse_eligibility_csv(
        kHeader + row_with_upn("a@contoso.com") +
            row_with_upn("\"a\nb\nc\nd\n123456789012345678901234567890123456\""),
        limits);
    REQUIRE_FALSE(rows);
    CHECK(rows.error().message == "line 3: a field is longer than 40 bytes (the CSV field limit)");
  }
}

TEST_CASE("a row or a header over the row limit fails with its line number",
          "[eligibility][limits]") {
  CsvLimits limits{.max_field_bytes = 1024, .max_row_bytes = 300, .max_rows = 10};
  SECTION("a data row") {
    auto rows = parse_eligibility_csv(kHeader + row_with_upn(std::string(250, 'u')), limits);
    REQUIRE_FALSE(rows);
    CHECK(rows.error().message == "line 2: a row is longer than 300 bytes (the CSV row limit)");
  }
  SECTION("the header line, read ahead to find the delimiter") {
    auto rows = parse_eligibility_csv(std::string(301, 'h') + "\n", limits);
    REQUIRE_FALSE(rows);
    CHECK(rows.error().message == "line 1: a row is longer than 300 bytes (the CSV row limit)");
  }
}

TEST_CASE("more rows than the row count limit fail the import with the first extra line",
          "[eligibility][limits]") {
  CsvLimits limits{.max_field_bytes = 1024, .max_row_bytes = 4096, .max_rows = 2};
  auto two = kHeader + row_with_upn("a@contoso.com") + "\n" + row_with_upn("b@contoso.com");
  REQUIRE(parse_eligibility_csv(two, limits));
  auto rows = parse_eligibility_csv(two + row_with_upn("c@contoso.com"), limits);
  REQUIRE_FALSE(rows);
  CHECK(rows.error().message == "line 5: more than 2 rows (the CSV row count limit)");
}

TEST_CASE("a stream and the same text give the same rows", "[eligibility]") {
  std::istringstream in(kCommaExport);
  auto from_stream = parse_eligibility_csv(in);
  auto from_text = parse_eligibility_csv(std::string_view(kCommaExport));
  REQUIRE(from_stream);
  REQUIRE(from_text);
  REQUIRE(from_stream->size() == 2);
  CHECK(from_stream->at(1).inherited_from == from_text->at(1).inherited_from);
}

// Finding #8 of issue 12: a 100 MB field used to cost 555 MB of RSS (the
// whole file read, then copied). The file is written in 1 MiB pieces and
// the import stops reading at the field limit.
TEST_CASE("a 100 MB field in an import file is refused with bounded memory",
          "[eligibility][limits]") {
  support::TempDir dir;
  auto store = rolewatch::state::Store::open(dir / "state");
  REQUIRE(store);
  const auto file = dir / "huge.csv";
  {
    std::ofstream out(file, std::ios::binary);
    out << kHeader << "cccccccc-0000-0000-0000-000000000010,User,\"";
    const std::string piece(1024 * 1024, 'u');
    for (int i = 0; i < 100; ++i) out << piece;
    out << "\",62e90394-69f5-4237-9190-012177145e10,Global Administrator,/,,Eligible\n";
    REQUIRE(out);
  }
  REQUIRE(std::filesystem::file_size(file) > 100u * 1024 * 1024);

  const bool peak_resets = reset_peak_rss();
  const auto before = proc_status_kib("VmRSS");
  auto imported = rolewatch::state::import_eligibility_csv(**store, file, 1'000'000);
  const auto after = peak_resets ? proc_status_kib("VmHWM") : proc_status_kib("VmRSS");
  REQUIRE_FALSE(imported);
  CHECK(imported.error().message ==
        "huge.csv: line 2: a field is longer than 65536 bytes (the CSV field limit)");
  CHECK(after - before < 50 * 1024);
  auto snapshot = EligibilitySnapshot::load(**store);
  REQUIRE(snapshot);
  CHECK(snapshot->rows().empty());
}
