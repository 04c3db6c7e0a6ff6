#pragma once
// The seed's eligibility export as a snapshot source (air-gapped use, tests):
//   PrincipalId,PrincipalType,UserPrincipalName,RoleDefinitionId,RoleDefinitionName,
//   DirectoryScopeId,AssignmentInheritedFrom,AssignmentType
// also the older 6-column form (no inheritance, no type: Eligible) and an
// optional OnPremisesSyncEnabled column (also AccountEnabled, StartDateTime,
// EndDateTime). Columns are found by header name in any order; the delimiter
// (',' or ';') is detected from the header; RFC 4180 quoting; UTF-8 BOM.
// The file is read as a stream with bounded fields, rows and row count, so a
// hostile or broken export costs bounded memory whatever its size.
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <string_view>
#include <vector>

#include "state/assignment.hpp"
#include "state/base/expected.hpp"
#include "state/store.hpp"

namespace rolewatch::state {

// Over any of these the import fails at once with the line number
// (docs/eligibility-and-reports.md, "CSV import"); nothing more is read.
struct CsvLimits {
  std::size_t max_field_bytes = 64 * 1024;  // one field, after unquoting
  std::size_t max_row_bytes = 1024 * 1024;  // one record as read, quoted line breaks included
  std::size_t max_rows = 1'000'000;         // assignment rows (the header not counted)
};

// All rows, or the first error naming its line ("line 7: ..."); never part.
Expected<std::vector<Assignment>> parse_eligibility_csv(std::string_view text,
                                                        const CsvLimits& limits = {});
Expected<std::vector<Assignment>> parse_eligibility_csv(std::istream& in,
                                                        const CsvLimits& limits = {});

// Parses the file and replaces the stored snapshot with it in one write.
// `as_of` is the snapshot's fetched_at (the time the export reflects).
Expected<SnapshotInfo> import_eligibility_csv(Store& store, const std::filesystem::path& file,
                                              Micros as_of, const CsvLimits& limits = {});

}  // namespace rolewatch::state
