#include "stream/source/graph_audit_source.hpp"

#include <spdlog/spdlog.h>

#include "state/base/time.hpp"

namespace rolewatch::stream {
namespace {

using nlohmann::json;

// Spaces and quotes of an OData $filter, escaped for the URL; the rest of
// what we write there (letters, digits, ":-.") needs none.
std::string escape_query(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ' ') {
      out += "%20";
    } else if (c == '\'') {
      out += "%27";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

// Graph documents activityDateTime as filterable with ge/le and sortable
// ($orderby), and the list as taking $filter, $top, $orderby and $skiptoken
// (docs/backfill.md, "What rolewatch asks Graph").
std::string directory_audits_path(EventTime from, std::optional<EventTime> until,
                                  std::size_t page_size) {
  std::string filter =
      "category eq 'RoleManagement' and activityDateTime ge " + state::format_event_time(from);
  if (until) filter += " and activityDateTime le " + state::format_event_time(*until);
  return "/auditLogs/directoryAudits?$filter=" + escape_query(filter) +
         "&$orderby=activityDateTime%20asc&$top=" + std::to_string(page_size);
}

GraphAuditSource::GraphAuditSource(state::GraphClient& graph, std::string first_path)
    : graph_(graph), next_(std::move(first_path)) {}

Expected<std::optional<AuditPage>> GraphAuditSource::next() {
  if (next_.empty()) return std::optional<AuditPage>();
  auto doc = graph_.get(next_);
  if (!doc) return doc.error();
  auto link = doc->is_object() ? doc->value("@odata.nextLink", json()) : json();
  next_ = link.is_string() ? link.get<std::string>() : std::string();
  AuditPage page;
  auto value = doc->is_object() ? doc->find("value") : doc->end();
  if (value == doc->end() || !value->is_array()) {
    ++bad_pages_;
    page.bad = true;
    spdlog::warn("graph directoryAudits: a page has no value array; skipped ({} so far)",
                 bad_pages_);
    return std::optional<AuditPage>(std::move(page));
  }
  page.records = value->size();
  page.payload = json{{"value", std::move(*value)}}.dump();
  return std::optional<AuditPage>(std::move(page));
}

}  // namespace rolewatch::stream
