#pragma once
// Turns one audit record, as simdjson On-Demand sees it, into a RoleEvent.
//
// A record is either the Event Hubs form (an Azure Monitor envelope with a
// `properties` object) or the Graph directoryAudit form (the properties
// object itself, as in a {"value":[...]} page). Only RoleManagement records
// are read beyond their category. Role and principal are found by target
// `type` and modifiedProperties names, never by array position.
#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "rules/role_event.hpp"

namespace rolewatch::stream {

enum class RecordStatus {
  role_event,          // `event` is filled in
  other_category,      // not RoleManagement: skipped, nothing read beyond category
  malformed_record,    // this record is unusable; the document can go on
  malformed_document,  // a JSON error: the parser cannot be used for this document again
};

struct RecordResult {
  RecordStatus status = RecordStatus::role_event;
  // Why the record or document is malformed (static text, for logs).
  std::string_view problem;
  simdjson::error_code error = simdjson::SUCCESS;
  bool unknown_activity = false;  // role_event whose activity is not in the catalog
  // other_category: the record's own time (envelope `time`, or Graph's
  // activityDateTime), so partitions without role records still advance
  // (docs/design.md §3, "Event time"); 0 when absent or unparsable.
  rules::EventTime time = 0;
  // role_event kept with descriptive text repaired (an escape that did not
  // decode, NUL, invalid UTF-8 became U+FFFD); `repaired_field` names the
  // first such field (static text, for logs).
  bool repaired = false;
  std::string_view repaired_field;
};

// Reads `record` (an object from the records array, or the document root).
// Strings are copied into `event`, so it outlives the parser's buffers.
// Never throws on bad input. Only the fields a decision needs are strict
// (ids, activity, times, category/service/result, target type, role ids):
// one that does not decode makes the record malformed. Descriptive text
// (names, UPNs, IPs, reasons, justification) that does not decode is
// repaired and the record kept (`RecordResult::repaired`).
RecordResult normalize_record(simdjson::ondemand::object& record, rules::RoleEvent& event);

// Field helpers, exposed for tests.

// Strips the one JSON encoding layer of a modifiedProperties value:
// "\"Global Administrator\"" -> Global Administrator (escapes decoded).
// Unquoted text ("[...]", numbers) is returned as is; "null" and invalid
// encodings (including NUL) give nullopt. For ids.
std::optional<std::string> strip_json_layer(std::string_view value);

// The same for descriptive values (role display names): "null" gives empty,
// and an encoding that does not decode is repaired, never refused.
struct StrippedText {
  std::string text;
  bool repaired = false;  // something became U+FFFD (or a quote was unescaped)
};
StrippedText strip_json_layer_lenient(std::string_view value);

// "/tenants/<id>/providers/Microsoft.aadiam" -> "<id>"; empty if absent.
std::string_view tenant_from_resource_id(std::string_view resource_id);

// 8-4-4-4-12 hex digits.
bool is_guid(std::string_view text);

// GUIDs lower-cased (Entra ids compare case-insensitively); other text as is.
std::string canonical_id(std::string_view text);

// Template id for a Core Directory Role.WellKnownObjectName ("TenantAdmins"
// -> Global Administrator), used only when Role.TemplateId is missing; empty
// if unknown.
std::string_view template_for_well_known_name(std::string_view well_known_name);

}  // namespace rolewatch::stream
