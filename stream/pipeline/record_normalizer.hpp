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
};

// Reads `record` (an object from the records array, or the document root).
// Strings are copied into `event`, so it outlives the parser's buffers.
// Never throws on bad input.
RecordResult normalize_record(simdjson::ondemand::object& record, rules::RoleEvent& event);

// Field helpers, exposed for tests.

// Strips the one JSON encoding layer of a modifiedProperties value:
// "\"Global Administrator\"" -> Global Administrator (escapes decoded).
// Unquoted text ("[...]", numbers) is returned as is; "null" and invalid
// encodings give nullopt.
std::optional<std::string> strip_json_layer(std::string_view value);

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
