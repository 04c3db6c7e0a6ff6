#include "stream/pipeline/record_normalizer.hpp"

#include <algorithm>
#include <array>
#include <forward_list>
#include <utility>

#include "rules/activity_catalog.hpp"
#include "state/base/time.hpp"
#include "state/base/utf8.hpp"

namespace rolewatch::stream {
namespace {

namespace od = simdjson::ondemand;
using rules::equals_ignoring_case;
using rules::Kind;
using rules::RoleEvent;
using rules::Service;

// Views into the parser's string buffer: valid until the next document is
// parsed, which is why build_event copies them into the RoleEvent.
struct PartyView {
  std::string_view id;  // user id, or app servicePrincipalId
  std::string_view app_id;
  std::string_view user_principal_name;
  std::string_view display_name;
  std::string_view ip_address;

  bool identified() const { return !id.empty() || !app_id.empty() || !display_name.empty(); }
};

// A modifiedProperties entry with its JSON layer stripped: views into the
// parser's buffer, or into the reader's owned text when unescaping changed it.
struct PropertyValues {
  std::string_view old_value;
  std::string_view new_value;

  // oldValue for removals, newValue otherwise; whichever is non-empty.
  std::string_view pick(bool prefer_old) const {
    const auto first = prefer_old ? old_value : new_value;
    return first.empty() ? (prefer_old ? new_value : old_value) : first;
  }
};

// The body of a quoted value that unescaping leaves as it is (plain ASCII,
// no escape, quote or NUL): the common case, taken without a copy.
std::optional<std::string_view> plain_quoted_body(std::string_view value) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return std::nullopt;
  const auto body = value.substr(1, value.size() - 2);
  for (const char c : body) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == '\\' || byte == '"' || byte == 0 || byte >= 0x80) return std::nullopt;
  }
  return body;
}

struct TargetView {
  std::string_view id, display_name, type, user_principal_name;
  // Core Directory: Role.* on the principal target.
  bool has_role_membership = false;
  PropertyValues role_template_id, role_display_name, role_well_known_name;
  // PIM: on the Role target (Panther fixtures), like additionalDetails.
  PropertyValues template_id, role_definition_origin_id;
};

struct DetailsView {
  std::string_view role_definition_origin_id, template_id, justification, ipaddr;
  std::string_view start_time, expiration_time, end_time, mfa, tid;
};

struct PropertiesView {
  std::string_view id, activity, activity_time, logged_by, result_reason;
  rules::Outcome result = rules::Outcome::success;
  PartyView user, app;
  std::optional<TargetView> role_target;      // first target of type Role
  std::optional<TargetView> role_holder;      // first target with Role.* properties
  std::optional<TargetView> first_principal;  // first User/ServicePrincipal/Group
  DetailsView details;
};

struct EnvelopeView {
  std::string_view time, tenant_id, resource_id, caller_ip, identity, operation_name;
  std::string_view result_description;
};

bool is_principal_type(std::string_view type) {
  return equals_ignoring_case(type, "User") || equals_ignoring_case(type, "ServicePrincipal") ||
         equals_ignoring_case(type, "Group");
}

bool is_ms_pim(std::string_view name) {
  return equals_ignoring_case(name, "MS-PIM") || equals_ignoring_case(name, "MS-PIM-Fairfax");
}

// "<null>" is how the export writes a missing IP.
std::string_view clean_ip(std::string_view ip) {
  if (ip == "<null>" || ip == "null") return {};
  return ip;
}

std::string_view first_non_empty(std::initializer_list<std::string_view> values) {
  for (auto value : values) {
    if (!value.empty()) return value;
  }
  return {};
}

// The one place that knows which simdjson errors leave the document usable:
// a wrong type, a missing field, a string that does not unescape (the token
// is consumed before simdjson unescapes it, and a failed unescape changes
// nothing) or a number that does not parse (the token is left unconsumed and
// skipped like any unread value) is the record's problem; anything else is
// a JSON error after which the iterator must not be touched again.
RecordStatus status_for(simdjson::error_code error) {
  if (error == simdjson::SUCCESS || error == simdjson::INCORRECT_TYPE ||
      error == simdjson::NO_SUCH_FIELD || error == simdjson::STRING_ERROR ||
      error == simdjson::NUMBER_ERROR) {
    return RecordStatus::malformed_record;
  }
  return RecordStatus::malformed_document;
}

RecordResult malformed(std::string_view problem) {
  return {RecordStatus::malformed_record, problem, simdjson::SUCCESS, false};
}

class RecordReader {
 public:
  RecordResult read(od::object& record, RoleEvent& event);

 private:
  bool fail(simdjson::error_code error, std::string_view problem) {
    result_ = {status_for(error), problem, error, false};
    return false;
  }
  void mark_repaired(std::string_view field) {
    if (repaired_field_.empty()) repaired_field_ = field;
  }

  // One pass over the envelope's fields: its `time`, and its `properties`
  // read fully if RoleManagement; stops as soon as neither is still needed.
  struct EnvelopeScan {
    bool has_properties = false, is_role = false, has_time = false;
    std::string_view time;  // the envelope's time, unparsed
  };
  bool scan_envelope(od::object& record, EnvelopeScan& scan);
  bool scan_properties(od::value& value, EnvelopeScan& scan);
  RecordResult read_graph_form(od::object& record, RoleEvent& event);
  bool is_role_management(od::object& properties, bool& is_role);
  RecordResult finish(RoleEvent& event);
  bool reset(od::object& object);
  bool read_properties(od::object& properties);
  bool read_property(od::raw_json_string key, od::value& value);
  bool read_envelope(od::object& record);
  bool read_result(od::value& value);
  bool read_initiator(od::value& value);
  bool read_party(od::value& value, PartyView& party);
  bool read_targets(od::value& value);
  bool read_target(od::value& value, TargetView& target);
  bool read_modified_property(od::value& value, TargetView& target);
  bool read_detail(od::value& value);
  void keep_target(TargetView&& target);

  // Strict: null gives empty; a non-string, or a string that does not
  // decode, makes the record malformed.
  bool read_text(od::value& value, std::string_view& out, std::string_view problem);
  // Descriptive: types as read_text, but a string that does not decode (or
  // holds NUL) is repaired and the record marked repaired with `field`.
  bool read_descriptive(od::value& value, std::string_view& out, std::string_view problem,
                        std::string_view field);
  // Lenient, for free-form values: anything but a string gives empty; a
  // string is repaired like read_descriptive, `repaired` says if it was (the
  // caller decides whether the value may be repaired).
  bool read_loose_text(od::value& value, std::string_view& out, bool& repaired);
  // The string at `value`: get_string(), or on a failed unescape or NUL the
  // raw token unescaped leniently into owned storage.
  bool read_string(od::value& value, std::string_view& out, bool& repaired);
  // Calls on_field(key, value) per field; null is an empty object.
  template <typename OnField>
  bool for_each_field(od::value& value, std::string_view problem, OnField&& on_field);
  template <typename OnField>
  bool for_each_field(od::object& object, std::string_view problem, OnField&& on_field);
  // Calls on_element(value) per element; null is an empty array.
  template <typename OnElement>
  bool for_each_element(od::value& value, std::string_view problem, OnElement&& on_element);

  RecordResult result_;
  PropertiesView props_;
  EnvelopeView envelope_;
  // Repaired or unescaped strings the views point into; a forward_list
  // allocates nothing until a record needs one, and never moves what it holds.
  std::forward_list<std::string> repaired_text_;
  std::string_view own(std::string&& text) { return repaired_text_.emplace_front(std::move(text)); }
  // strip_json_layer(value) or empty, without a copy when nothing is unescaped.
  std::string_view strip_id(std::string_view value) {
    if (auto body = plain_quoted_body(value)) return *body;
    auto text = strip_json_layer(value);
    return text ? own(std::move(*text)) : std::string_view();
  }
  // strip_json_layer_lenient(value), the same way.
  std::string_view strip_descriptive(std::string_view value, bool& repaired) {
    if (auto body = plain_quoted_body(value)) return *body;
    auto text = strip_json_layer_lenient(value);
    repaired |= text.repaired;
    return own(std::move(text.text));
  }
  std::string_view repaired_field_;  // the first repaired field; empty if none
};

bool RecordReader::read_text(od::value& value, std::string_view& out, std::string_view problem) {
  od::json_type type;
  if (auto error = value.type().get(type)) return fail(error, problem);
  if (type == od::json_type::null) {
    out = {};
    return true;
  }
  if (type != od::json_type::string) return fail(simdjson::INCORRECT_TYPE, problem);
  auto error = value.get_string().get(out);
  if (error == simdjson::STRING_ERROR) return fail(error, "a decision field does not decode");
  if (error) return fail(error, problem);
  return true;
}

bool RecordReader::read_descriptive(od::value& value, std::string_view& out,
                                    std::string_view problem, std::string_view field) {
  od::json_type type;
  if (auto error = value.type().get(type)) return fail(error, problem);
  out = {};
  if (type == od::json_type::null) return true;
  if (type != od::json_type::string) return fail(simdjson::INCORRECT_TYPE, problem);
  bool repaired = false;
  if (!read_string(value, out, repaired)) return false;
  if (repaired) mark_repaired(field);
  return true;
}

bool RecordReader::read_loose_text(od::value& value, std::string_view& out, bool& repaired) {
  od::json_type type;
  if (auto error = value.type().get(type)) return fail(error, "unreadable value");
  out = {};
  repaired = false;
  if (type != od::json_type::string) return true;
  return read_string(value, out, repaired);
}

bool RecordReader::read_string(od::value& value, std::string_view& out, bool& repaired) {
  const auto error = value.get_string().get(out);
  if (error != simdjson::STRING_ERROR) {
    if (error) return fail(error, "unreadable string");
    if (out.find('\0') == std::string_view::npos) return true;
  }
  // raw_json_token() is the value's own token, also after get_string consumed it.
  auto& text = repaired_text_.emplace_front();
  repaired =
      state::append_unescaped_json_lenient(state::json_string_body(value.raw_json_token()), text);
  out = text;
  return true;
}

template <typename OnField>
bool RecordReader::for_each_field(od::object& object, std::string_view problem,
                                  OnField&& on_field) {
  for (auto field_result : object) {
    od::field field;
    if (auto error = std::move(field_result).get(field)) return fail(error, problem);
    if (!on_field(field.key(), field.value())) return false;
  }
  return true;
}

template <typename OnField>
bool RecordReader::for_each_field(od::value& value, std::string_view problem, OnField&& on_field) {
  od::json_type type;
  if (auto error = value.type().get(type)) return fail(error, problem);
  if (type == od::json_type::null) return true;
  od::object object;
  if (auto error = value.get_object().get(object)) return fail(error, problem);
  return for_each_field(object, problem, on_field);
}

template <typename OnElement>
bool RecordReader::for_each_element(od::value& value, std::string_view problem,
                                    OnElement&& on_element) {
  od::json_type type;
  if (auto error = value.type().get(type)) return fail(error, problem);
  if (type == od::json_type::null) return true;
  od::array array;
  if (auto error = value.get_array().get(array)) return fail(error, problem);
  for (auto element_result : array) {
    od::value element;
    if (auto error = element_result.get(element)) return fail(error, problem);
    if (!on_element(element)) return false;
  }
  return true;
}

// Envelope form: a `properties` object among the envelope's fields, in any
// order. One pass: a record of another category costs the lookup of its
// category and its time, and On-Demand's skip over the rest (reading the time
// with a second lookup would skip the whole record again when `time` comes
// after `properties`, as with sorted keys).
bool RecordReader::scan_envelope(od::object& record, EnvelopeScan& scan) {
  for (auto field_result : record) {
    od::field field;
    if (auto error = std::move(field_result).get(field)) return fail(error, "unreadable record");
    const auto key = field.key();
    if (!scan.has_time && key == "time") {
      scan.has_time = true;  // a missing or odd time is not an error here
      if (auto error = field.value().get_string().get(scan.time)) {
        if (status_for(error) == RecordStatus::malformed_document) {
          return fail(error, "unreadable record");
        }
        scan.time = {};
      }
    } else if (!scan.has_properties && key == "properties") {
      if (!scan_properties(field.value(), scan)) return false;
    }
    if (scan.has_properties && (scan.is_role || scan.has_time)) break;  // the rest is skipped
  }
  return true;
}

bool RecordReader::scan_properties(od::value& value, EnvelopeScan& scan) {
  scan.has_properties = true;
  od::object properties;
  if (auto error = value.get_object().get(properties)) {
    return fail(error, "properties is not an object");
  }
  if (!is_role_management(properties, scan.is_role)) return false;
  return !scan.is_role || (reset(properties) && read_properties(properties));
}

// Compares the raw JSON text, so a skipped record costs no string decoding.
bool RecordReader::is_role_management(od::object& properties, bool& is_role) {
  od::value value;
  auto error = properties.find_field_unordered("category").get(value);
  is_role = false;
  if (error == simdjson::NO_SUCH_FIELD) return true;
  if (error) return fail(error, "unreadable category");
  od::raw_json_string category;
  error = value.get_raw_json_string().get(category);
  if (error == simdjson::INCORRECT_TYPE) return true;  // not a string: not RoleManagement
  if (error) return fail(error, "unreadable category");
  is_role = category == "RoleManagement";
  return true;
}

bool RecordReader::reset(od::object& object) {
  auto result = object.reset();
  if (result.error()) return fail(result.error(), "unreadable record");
  return true;
}

bool RecordReader::read_properties(od::object& properties) {
  return for_each_field(
      properties, "unreadable properties",
      [this](od::raw_json_string key, od::value& value) { return read_property(key, value); });
}

// Fields rules do not need (operationType, userAgent, ...) are never read.
bool RecordReader::read_property(od::raw_json_string key, od::value& value) {
  if (key == "id") return read_text(value, props_.id, "id is not a string");
  if (key == "activityDisplayName") {
    return read_text(value, props_.activity, "activityDisplayName is not a string");
  }
  if (key == "activityDateTime") {
    return read_text(value, props_.activity_time, "activityDateTime is not a string");
  }
  if (key == "loggedByService") {
    return read_text(value, props_.logged_by, "loggedByService is not a string");
  }
  if (key == "resultReason") {
    return read_descriptive(value, props_.result_reason, "resultReason is not a string",
                            "resultReason");
  }
  if (key == "result") return read_result(value);
  if (key == "initiatedBy") return read_initiator(value);
  if (key == "targetResources") return read_targets(value);
  if (key == "additionalDetails") {
    return for_each_element(value, "additionalDetails is not an array of objects",
                            [this](od::value& detail) { return read_detail(detail); });
  }
  return true;
}

// "success" / "failure" / "timeout" (Graph) or 0 (a 2018 Microsoft example).
bool RecordReader::read_result(od::value& value) {
  od::json_type type;
  if (auto error = value.type().get(type)) return fail(error, "unreadable result");
  if (type == od::json_type::null) return true;
  if (type == od::json_type::number) {
    double code = 0;
    if (auto error = value.get_double().get(code)) return fail(error, "unreadable result");
    props_.result = code == 0 ? rules::Outcome::success : rules::Outcome::failure;
    return true;
  }
  std::string_view text;
  if (!read_text(value, text, "result is neither a string nor a number")) return false;
  props_.result =
      equals_ignoring_case(text, "success") ? rules::Outcome::success : rules::Outcome::failure;
  return true;
}

// {"user":{...}} or {"app":{...}}; the other null, absent, or both empty.
bool RecordReader::read_initiator(od::value& value) {
  return for_each_field(value, "initiatedBy is not an object",
                        [this](od::raw_json_string key, od::value& party) {
                          if (key == "user") return read_party(party, props_.user);
                          if (key == "app") return read_party(party, props_.app);
                          return true;
                        });
}

bool RecordReader::read_party(od::value& value, PartyView& party) {
  return for_each_field(value, "initiatedBy.user/app is not an object",
                        [this, &party](od::raw_json_string key, od::value& field) {
                          constexpr std::string_view kProblem = "initiatedBy field is not a string";
                          if (key == "id" || key == "servicePrincipalId") {
                            return read_text(field, party.id, kProblem);
                          }
                          if (key == "appId") return read_text(field, party.app_id, kProblem);
                          constexpr std::string_view kField = "initiatedBy";
                          if (key == "userPrincipalName") {
                            return read_descriptive(field, party.user_principal_name, kProblem,
                                                    kField);
                          }
                          if (key == "displayName") {
                            return read_descriptive(field, party.display_name, kProblem, kField);
                          }
                          if (key == "ipAddress") {
                            return read_descriptive(field, party.ip_address, kProblem, kField);
                          }
                          return true;
                        });
}

bool RecordReader::read_targets(od::value& value) {
  return for_each_element(value, "targetResources is not an array of objects",
                          [this](od::value& element) {
                            TargetView target;
                            if (!read_target(element, target)) return false;
                            keep_target(std::move(target));
                            return true;
                          });
}

bool RecordReader::read_target(od::value& value, TargetView& target) {
  return for_each_field(
      value, "targetResources element is not an object",
      [this, &target](od::raw_json_string key, od::value& field) {
        constexpr std::string_view kProblem = "targetResources field is not a string";
        if (key == "id") return read_text(field, target.id, kProblem);
        constexpr std::string_view kField = "targetResources";
        if (key == "displayName") {
          return read_descriptive(field, target.display_name, kProblem, kField);
        }
        if (key == "type") return read_text(field, target.type, kProblem);
        if (key == "userPrincipalName") {
          return read_descriptive(field, target.user_principal_name, kProblem, kField);
        }
        if (key == "modifiedProperties") {
          return for_each_element(field, "modifiedProperties is not an array of objects",
                                  [this, &target](od::value& property) {
                                    return read_modified_property(property, target);
                                  });
        }
        return true;
      });
}

bool RecordReader::read_modified_property(od::value& value, TargetView& target) {
  std::string_view name, old_value, new_value;
  bool old_repaired = false, new_repaired = false;
  const bool ok = for_each_field(
      value, "modifiedProperties element is not an object",
      [&](od::raw_json_string key, od::value& field) {
        if (key == "displayName") {
          return read_text(field, name, "modifiedProperties displayName is not a string");
        }
        if (key == "oldValue") return read_loose_text(field, old_value, old_repaired);
        if (key == "newValue") return read_loose_text(field, new_value, new_repaired);
        return true;
      });
  if (!ok) return false;
  if (name.starts_with("Role.")) target.has_role_membership = true;
  if (name == "Role.DisplayName") {
    bool repaired = old_repaired || new_repaired;
    target.role_display_name = {strip_descriptive(old_value, repaired),
                                strip_descriptive(new_value, repaired)};
    if (repaired) mark_repaired("modifiedProperties Role.DisplayName");
    return true;
  }
  PropertyValues* slot = nullptr;  // the role's ids: strict
  if (name == "Role.TemplateId") slot = &target.role_template_id;
  if (name == "Role.WellKnownObjectName") slot = &target.role_well_known_name;
  if (name == "TemplateId") slot = &target.template_id;
  if (name == "RoleDefinitionOriginId") slot = &target.role_definition_origin_id;
  if (slot == nullptr) return true;
  if (old_repaired || new_repaired) {
    return fail(simdjson::STRING_ERROR, "a role id in modifiedProperties does not decode");
  }
  slot->old_value = strip_id(old_value);
  slot->new_value = strip_id(new_value);
  return true;
}

// TargetView holds views only: keeping it in several slots copies no text.
void RecordReader::keep_target(TargetView&& target) {
  if (!props_.role_holder && target.has_role_membership) props_.role_holder = target;
  if (!props_.first_principal && is_principal_type(target.type)) props_.first_principal = target;
  if (!props_.role_target && equals_ignoring_case(target.type, "Role")) props_.role_target = target;
}

// {"key": "...", "value": "..."}, in either order.
bool RecordReader::read_detail(od::value& value) {
  std::string_view key, text;
  bool key_repaired = false, text_repaired = false;
  const bool ok = for_each_field(value, "additionalDetails element is not an object",
                                 [&](od::raw_json_string name, od::value& field) {
                                   if (name == "key")
                                     return read_loose_text(field, key, key_repaired);
                                   if (name == "value")
                                     return read_loose_text(field, text, text_repaired);
                                   return true;
                                 });
  if (!ok || key_repaired) return ok;  // a repaired key names nothing read here
  struct Slot {
    std::string_view key;
    std::string_view* value;
    bool descriptive;  // may be repaired; the others are decision fields
  };
  auto& d = props_.details;
  const std::array<Slot, 9> slots{{
      {"RoleDefinitionOriginId", &d.role_definition_origin_id, false},
      {"TemplateId", &d.template_id, false},
      {"Justification", &d.justification, true},
      {"ipaddr", &d.ipaddr, true},
      {"StartTime", &d.start_time, false},
      {"ExpirationTime", &d.expiration_time, false},
      {"EndTime", &d.end_time, false},
      {"IsAuthenticatedWithMfa", &d.mfa, false},
      {"tid", &d.tid, false},
  }};
  for (const auto& slot : slots) {
    if (!slot.value->empty() || !equals_ignoring_case(key, slot.key)) continue;
    if (text_repaired && !slot.descriptive) {
      return fail(simdjson::STRING_ERROR, "a decision field in additionalDetails does not decode");
    }
    if (text_repaired) mark_repaired("additionalDetails");
    *slot.value = text;
  }
  return true;
}

// Level/level, durationMs and the rest are never read, so their variants
// cannot fail a record.
bool RecordReader::read_envelope(od::object& record) {
  return for_each_field(record, "unreadable record",
                        [this](od::raw_json_string key, od::value& value) {
                          constexpr std::string_view kProblem = "envelope field is not a string";
                          auto& e = envelope_;
                          if (key == "time") return read_text(value, e.time, kProblem);
                          if (key == "tenantId") return read_text(value, e.tenant_id, kProblem);
                          if (key == "resourceId") return read_text(value, e.resource_id, kProblem);
                          if (key == "operationName") {
                            return read_text(value, e.operation_name, kProblem);
                          }
                          std::string_view* text = nullptr;  // descriptive
                          if (key == "callerIpAddress") text = &e.caller_ip;
                          if (key == "identity") text = &e.identity;
                          if (key == "resultDescription") text = &e.result_description;
                          if (text == nullptr) return true;
                          bool repaired = false;
                          if (!read_loose_text(value, *text, repaired)) return false;
                          if (repaired) mark_repaired("envelope");
                          return true;
                        });
}

// --- From views to the event -------------------------------------------

bool prefers_old_value(Kind kind, std::string_view activity) {
  switch (kind) {
    case Kind::remove_active:
    case Kind::remove_eligible:
    case Kind::deactivate:
    case Kind::activation_expired:
      return true;
    default:
      return activity.starts_with("Remove") || activity.starts_with("Delete");
  }
}

// Core Directory: Role.* on the principal target. PIM: additionalDetails,
// then the Role target's modifiedProperties, then its id if it is a GUID (for
// Core Directory a Role target's id is the tenant's role object id, so no).
rules::Role resolve_role(const PropertiesView& p, Service service, bool prefer_old) {
  std::string_view template_id, display_name, well_known;
  if (p.role_holder) {
    template_id = p.role_holder->role_template_id.pick(prefer_old);
    display_name = p.role_holder->role_display_name.pick(prefer_old);
    well_known = p.role_holder->role_well_known_name.pick(prefer_old);
  }
  template_id =
      first_non_empty({template_id, p.details.role_definition_origin_id, p.details.template_id});
  if (p.role_target) {
    const auto& role = *p.role_target;
    template_id = first_non_empty({template_id, role.role_definition_origin_id.pick(prefer_old),
                                   role.template_id.pick(prefer_old)});
    if (template_id.empty() && service != Service::core_directory && is_guid(role.id)) {
      template_id = role.id;
    }
    display_name = first_non_empty({display_name, role.display_name});
  }
  if (template_id.empty()) template_id = template_for_well_known_name(well_known);
  return {canonical_id(template_id), std::string(display_name)};
}

rules::Actor resolve_actor(const PropertiesView& p, std::string_view fallback_ip) {
  rules::Actor actor;
  if (p.user.identified()) {
    actor.type = rules::ActorType::user;
    actor.id = canonical_id(p.user.id);
    actor.user_principal_name = p.user.user_principal_name;
    actor.display_name = p.user.display_name;
    actor.ip_address = first_non_empty({clean_ip(p.user.ip_address), fallback_ip});
  } else if (p.app.identified()) {
    actor.type = rules::ActorType::service_principal;
    actor.id = canonical_id(first_non_empty({p.app.id, p.app.app_id}));
    actor.display_name = p.app.display_name;
    actor.ip_address = first_non_empty({clean_ip(p.app.ip_address), fallback_ip});
  }
  return actor;
}

rules::Principal resolve_principal(const PropertiesView& p) {
  const auto& chosen = p.role_holder ? p.role_holder : p.first_principal;
  if (!chosen) return {};
  return {canonical_id(chosen->id), std::string(chosen->user_principal_name),
          std::string(chosen->type)};
}

void fill_pim_details(const PropertiesView& p, RoleEvent& event) {
  const auto& d = p.details;
  event.justification = d.justification;
  // On PIM records resultReason carries the requester's reason in practice;
  // on a failure it is the failure reason instead.
  if (event.justification.empty() && event.service == Service::pim &&
      event.result == rules::Outcome::success) {
    event.justification = p.result_reason;
  }
  event.activation_start = state::parse_time_or_zero(d.start_time);
  event.activation_expiry =
      state::parse_time_or_zero(first_non_empty({d.expiration_time, d.end_time}));
  event.mfa = equals_ignoring_case(d.mfa, "true");
}

RecordResult build_event(const PropertiesView& p, const EnvelopeView& e, RoleEvent& event) {
  const auto activity = first_non_empty({p.activity, e.operation_name});
  if (p.id.empty()) return malformed("record has no id");
  if (activity.empty()) return malformed("record has no activity name");
  auto time = state::parse_event_time(p.activity_time);
  if (!time) time = state::parse_event_time(e.time);
  if (!time) return malformed("activityDateTime missing or unparsable");

  const auto activity_class = rules::classify_activity(activity, p.logged_by);
  event.audit_id = p.id;
  event.time = *time;
  event.activity = activity;
  event.service = activity_class.service;
  event.kind = activity_class.kind;
  event.result = p.result;
  event.result_reason = first_non_empty({p.result_reason, e.result_description});
  event.ip_address = first_non_empty(
      {clean_ip(p.details.ipaddr), clean_ip(p.user.ip_address), clean_ip(e.caller_ip)});
  event.actor = resolve_actor(p, event.ip_address);
  event.initiated_by_pim = event.service == Service::core_directory &&
                           (is_ms_pim(p.app.display_name) || is_ms_pim(e.identity));
  event.target = resolve_principal(p);
  event.role = resolve_role(p, event.service, prefers_old_value(event.kind, activity));
  fill_pim_details(p, event);
  event.tenant_id = canonical_id(
      first_non_empty({e.tenant_id, tenant_from_resource_id(e.resource_id), p.details.tid}));
  RecordResult result;
  result.unknown_activity = !activity_class.known;
  return result;
}

RecordResult other_category(std::string_view time_text) {
  RecordResult result;
  result.status = RecordStatus::other_category;
  result.time = state::parse_event_time(time_text).value_or(0);
  return result;
}

RecordResult RecordReader::read(od::object& record, RoleEvent& event) {
  EnvelopeScan scan;
  if (!scan_envelope(record, scan)) return result_;
  if (!scan.has_properties) return read_graph_form(record, event);
  if (!scan.is_role) return other_category(scan.time);
  if (!reset(record) || !read_envelope(record)) return result_;
  return finish(event);
}

// The Graph form is the properties object itself and always has
// activityDisplayName. Neither form: malformed.
RecordResult RecordReader::read_graph_form(od::object& record, RoleEvent& event) {
  od::value value;
  if (!reset(record)) return result_;
  auto error = record.find_field_unordered("activityDisplayName").get(value);
  if (error == simdjson::NO_SUCH_FIELD) {
    fail(error, "record has neither properties nor activityDisplayName");
    return result_;
  }
  if (error) {
    fail(error, "unreadable record");
    return result_;
  }
  bool is_role = false;
  if (!is_role_management(record, is_role)) return result_;
  if (!is_role) {
    std::string_view time;
    if (!record.reset().error() && !record.find_field_unordered("activityDateTime").get(value)) {
      if (value.get_string().get(time)) time = {};
    }
    return other_category(time);
  }
  if (!reset(record) || !read_properties(record)) return result_;
  return finish(event);
}

RecordResult RecordReader::finish(RoleEvent& event) {
  auto result = build_event(props_, envelope_, event);
  if (result.status == RecordStatus::role_event && !repaired_field_.empty()) {
    result.repaired = true;
    result.repaired_field = repaired_field_;
  }
  return result;
}

}  // namespace

RecordResult normalize_record(od::object& record, RoleEvent& event) {
  RecordReader reader;
  return reader.read(record, event);
}

std::optional<std::string> strip_json_layer(std::string_view value) {
  if (value == "null") return std::nullopt;
  if (value.empty() || value.front() != '"') return std::string(value);
  if (value.size() < 2 || value.back() != '"') return std::nullopt;
  std::string text;
  text.reserve(value.size());
  if (state::append_unescaped_json_lenient(value.substr(1, value.size() - 2), text)) {
    return std::nullopt;
  }
  return text;
}

StrippedText strip_json_layer_lenient(std::string_view value) {
  StrippedText out;
  if (value == "null") return out;
  if (value.empty() || value.front() != '"') {
    out.text = value;
    return out;
  }
  const bool closed = value.size() >= 2 && value.back() == '"';
  const auto body = value.substr(1, value.size() - (closed ? 2 : 1));
  out.repaired = state::append_unescaped_json_lenient(body, out.text) || !closed;
  return out;
}

std::string_view tenant_from_resource_id(std::string_view resource_id) {
  constexpr std::string_view kPrefix = "/tenants/";
  if (resource_id.size() < kPrefix.size() ||
      !equals_ignoring_case(resource_id.substr(0, kPrefix.size()), kPrefix)) {
    return {};
  }
  auto rest = resource_id.substr(kPrefix.size());
  return rest.substr(0, rest.find('/'));
}

bool is_guid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string canonical_id(std::string_view text) {
  std::string out(text);
  if (is_guid(text)) {
    for (auto& c : out) {
      if (c >= 'A' && c <= 'F') c = static_cast<char>(c + 32);
    }
  }
  return out;
}

std::string_view template_for_well_known_name(std::string_view well_known_name) {
  // docs/reference/audit-log-format.md §6.2: TenantAdmins and PrivilegedRoleAdmins are GA and
  // PRA; UserAccountAdmins is User Administrator (Q3);
  // PrivilegedAuthenticationAdmins is inferred from Sentinel's privileged list.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kNames{{
      {"TenantAdmins", "62e90394-69f5-4237-9190-012177145e10"},
      {"PrivilegedRoleAdmins", "e8611ab8-c189-46e8-94e1-60213ab1f814"},
      {"UserAccountAdmins", "fe930be7-5e62-47db-91af-98c3a49a38b1"},
      {"PrivilegedAuthenticationAdmins", "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"},
  }};
  for (auto [name, template_id] : kNames) {
    if (equals_ignoring_case(well_known_name, name)) return template_id;
  }
  return {};
}

}  // namespace rolewatch::stream
