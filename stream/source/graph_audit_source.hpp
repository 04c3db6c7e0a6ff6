#pragma once
// The Graph source behind `rolewatch backfill` (docs/backfill.md): pages of
// GET /auditLogs/directoryAudits, RoleManagement only, one time range,
// oldest first, so the pipeline sees the range in event-time order. Paging
// follows @odata.nextLink whole; throttling (429/503 with Retry-After) and
// tokens are the GraphClient's (state/directory/graph_client).
//
// Each page is handed over as one SourceMessage, the Graph page as the
// decoder takes it ({"value":[...]}). A page without a value array is a bad
// page: counted, logged and skipped (its nextLink is still followed).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "rules/role_event.hpp"
#include "state/base/expected.hpp"
#include "state/directory/graph_client.hpp"

namespace rolewatch::stream {

using rules::EventTime;

struct AuditRange {
  EventTime since = 0;
  std::optional<EventTime> until;  // none: up to whatever Graph holds now
};

// The first request of a range, from `from` (the range's start, or where a
// resumed backfill left off): the filter, ascending order and page size.
std::string directory_audits_path(EventTime from, std::optional<EventTime> until,
                                  std::size_t page_size);

// One answered page.
struct AuditPage {
  std::string payload;  // {"value":[...]} as text; empty for a bad page
  std::size_t records = 0;
  bool bad = false;  // no value array: skipped
};

class GraphAuditSource {
 public:
  GraphAuditSource(state::GraphClient& graph, std::string first_path);

  // The next page; nullopt once the last page (no nextLink) was returned.
  Expected<std::optional<AuditPage>> next();
  std::uint64_t bad_pages() const { return bad_pages_; }

 private:
  state::GraphClient& graph_;
  std::string next_;  // path or nextLink; empty when done
  std::uint64_t bad_pages_ = 0;
};

}  // namespace rolewatch::stream
