#pragma once
// The seed's eligibility export as a snapshot source (air-gapped use, tests):
//   PrincipalId,PrincipalType,UserPrincipalName,RoleDefinitionId,RoleDefinitionName,
//   DirectoryScopeId,AssignmentInheritedFrom,AssignmentType
// also the older 6-column form (no inheritance, no type: Eligible) and an
// optional OnPremisesSyncEnabled column (also AccountEnabled, StartDateTime,
// EndDateTime). Columns are found by header name in any order; the delimiter
// (',' or ';') is detected from the header; RFC 4180 quoting; UTF-8 BOM.
#include <filesystem>
#include <string_view>
#include <vector>

#include "state/assignment.hpp"
#include "state/base/expected.hpp"
#include "state/store.hpp"

namespace rolewatch::state {

// All rows, or the first error naming its line ("line 7: ..."); never part.
Expected<std::vector<Assignment>> parse_eligibility_csv(std::string_view text);

// Parses the file and replaces the stored snapshot with it in one write.
// `as_of` is the snapshot's fetched_at (the time the export reflects).
Expected<SnapshotInfo> import_eligibility_csv(Store& store, const std::filesystem::path& file,
                                              Micros as_of);

}  // namespace rolewatch::state
