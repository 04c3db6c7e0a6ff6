#pragma once
// The rows the `log-analytics` sink writes to a Log Analytics custom table
// (Microsoft Sentinel), one per alert revision: flat columns derived from a
// rolewatch.alert.v1 document, the removals as a dynamic column. The column
// list here is the one definition of the stream; the DCR template and the
// table schema in deploy/azure/ must declare exactly these names and types
// (tests/stream/delivery/sinks/log_analytics_rows_test.cpp checks both).
//
// The Logs Ingestion API does not deduplicate (integrations.md §8): every
// row carries AlertId, Revision and DeliveryId ("<id>.<revision>") so that
// queries can keep one row per revision, or the highest revision per alert.
#include <nlohmann/json.hpp>
#include <span>
#include <string_view>

namespace rolewatch::stream {

// A column of the DCR stream declaration: Azure's type names (string, int,
// long, real, boolean, datetime, dynamic).
struct LogColumn {
  std::string_view name;
  std::string_view type;
};

std::span<const LogColumn> log_analytics_columns();

// The row for one revision of an alert. Text from the audit log stays data:
// it is a JSON string value, escaped when the row is serialised. Missing
// fields are null; TimeGenerated is the revision's updatedAt (else
// detectedAt, else now).
nlohmann::json log_analytics_row(const nlohmann::json& alert, std::string_view alert_id);

// The row as compact JSON; invalid UTF-8 is replaced, never thrown on.
std::string serialise_row(const nlohmann::json& row);

}  // namespace rolewatch::stream
