#include "stream/pipeline/audit_decoder.hpp"

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <memory>

#include "state/base/time.hpp"
#include "support/audit_records.hpp"

using rolewatch::rules::ActorType;
using rolewatch::rules::Kind;
using rolewatch::rules::Outcome;
using rolewatch::rules::RoleEvent;
using rolewatch::state::parse_event_time;
using rolewatch::stream::AuditDecoder;
using rolewatch::stream::DecodeCounters;
using rolewatch::stream::SourceMessage;
using support::Json;

namespace {

std::vector<std::string> ids_of(const std::vector<RoleEvent>& events) {
  std::vector<std::string> ids;
  for (const auto& event : events) ids.push_back(event.audit_id);
  return ids;
}

// Captures what the default logger writes while a test runs.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64)) {
    previous_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink_));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::vector<std::string> lines() { return sink_->last_formatted(); }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

// Three GA removals by Mallory, as in a LAPSUS$-style burst.
std::vector<Json> three_removals() {
  return {support::core_directory_removal({.audit_id = "removal-1", .target = support::admin(1)}),
          support::pim_removal({.audit_id = "removal-2", .target = support::admin(2)}),
          support::core_directory_removal({.audit_id = "removal-3", .target = support::admin(3)})};
}

}  // namespace

// --- Shapes -----------------------------------------------------------------

TEST_CASE("an Event Hubs message yields its role records in order", "[decoder]") {
  auto decoded = support::decode(support::event_hubs_message(three_removals()));
  CHECK(ids_of(decoded.events) == std::vector<std::string>{"removal-1", "removal-2", "removal-3"});
  CHECK(decoded.counters.messages == 1);
  CHECK(decoded.counters.records == 3);
  CHECK(decoded.counters.role_records == 3);
  CHECK(decoded.counters.malformed_messages == 0);
  CHECK(decoded.counters.malformed_records == 0);
}

TEST_CASE("a Graph directoryAudits page is decoded like an Event Hubs message", "[decoder]") {
  auto decoded = support::decode(support::graph_page(three_removals()));
  CHECK(ids_of(decoded.events) == std::vector<std::string>{"removal-1", "removal-2", "removal-3"});
  // No envelope: the tenant comes from the PIM record's tid claim only.
  CHECK(decoded.events[0].tenant_id.empty());
  CHECK(decoded.events[1].tenant_id == support::kTenantId);
}

TEST_CASE("a bare record is one message of one record (sample C2)", "[decoder]") {
  auto decoded = support::decode(support::read_fixture("records/c2_pim_eligible_removal.json"));
  REQUIRE(decoded.events.size() == 1);
  CHECK(decoded.counters.records == 1);
  CHECK(decoded.events[0].kind == Kind::remove_eligible);
}

TEST_CASE("a bare Graph directoryAudit object is a record too", "[decoder]") {
  const auto record = support::core_directory_removal({.audit_id = "graph-1"});
  auto decoded = support::decode(record["properties"].dump());
  REQUIRE(decoded.events.size() == 1);
  CHECK(decoded.events[0].audit_id == "graph-1");
}

TEST_CASE("a top-level array of records is accepted", "[decoder]") {
  auto decoded = support::decode(Json(three_removals()).dump());
  CHECK(decoded.events.size() == 3);
}

TEST_CASE("records of other categories are skipped and counted (samples Q1, Q2)", "[decoder]") {
  auto q1 = support::decode(support::read_fixture("records/q1_core_directory_update_policy.json"));
  CHECK(q1.events.empty());
  CHECK(q1.counters.skipped_category == 1);
  // An "Add member to role" under ApplicationManagement is not a directory role change.
  auto q2 = support::decode(support::read_fixture("records/q2_add_member_to_role_failure.json"));
  CHECK(q2.events.empty());
  CHECK(q2.counters.skipped_category == 1);
  CHECK(q2.counters.malformed_records == 0);

  auto mixed = support::decode(support::event_hubs_message(
      {support::non_role_record(), support::core_directory_removal({.audit_id = "keep"}),
       support::non_role_record("GroupManagement"), support::non_role_record("Policy")}));
  CHECK(ids_of(mixed.events) == std::vector<std::string>{"keep"});
  CHECK(mixed.counters.records == 4);
  CHECK(mixed.counters.skipped_category == 3);
  CHECK(mixed.counters.role_records == 1);
}

TEST_CASE("the category is found wherever it sits in properties", "[decoder]") {
  auto record = support::core_directory_removal({.audit_id = "late-category"});
  auto& properties = record["properties"];
  properties.erase("category");
  properties["category"] = "RoleManagement";  // now the last field
  auto decoded = support::decode(support::event_hubs_message({record}));
  CHECK(ids_of(decoded.events) == std::vector<std::string>{"late-category"});

  // properties first, envelope after it.
  Json reordered = {{"properties", record["properties"]}, {"tenantId", support::kTenantId}};
  decoded = support::decode(support::event_hubs_message({reordered}));
  REQUIRE(decoded.events.size() == 1);
  CHECK(decoded.events[0].tenant_id == support::kTenantId);
}

TEST_CASE("a 1 MB message of 400 records with 1% role records decodes completely", "[decoder]") {
  std::vector<Json> records;
  std::vector<std::string> expected;
  for (int i = 0; i < 400; ++i) {
    if (i % 100 == 37) {
      expected.push_back("role-" + std::to_string(i));
      records.push_back(
          support::pim_removal({.audit_id = expected.back(), .target = support::admin(i)}));
    } else {
      records.push_back(
          support::non_role_record(i % 2 ? "UserManagement" : "ApplicationManagement", 2600));
    }
  }
  const auto body = support::event_hubs_message(records);
  CHECK(body.size() > 1'000'000);
  auto decoded = support::decode(body);
  CHECK(ids_of(decoded.events) == expected);
  CHECK(decoded.counters.records == 400);
  CHECK(decoded.counters.role_records == 4);
  CHECK(decoded.counters.skipped_category == 396);
  CHECK(decoded.events[2].target.id == support::admin(237).id);
}

TEST_CASE("events own their strings after the decoder parses the next message", "[decoder]") {
  AuditDecoder decoder;
  std::vector<RoleEvent> events;
  auto sink = [&](RoleEvent&& event) { events.push_back(std::move(event)); };
  auto first =
      support::event_hubs_message({support::core_directory_removal({.audit_id = "first"})});
  auto second = support::event_hubs_message({support::pim_removal({.audit_id = "second-message"})});
  SourceMessage message;
  message.payload = first;
  decoder.decode(message, sink);
  first.assign(first.size(), ' ');  // the source buffer is gone too
  message.payload = second;
  decoder.decode(message, sink);
  REQUIRE(events.size() == 2);
  CHECK(events[0].audit_id == "first");
  CHECK(events[0].actor.user_principal_name == "mallory@contoso.onmicrosoft.com");
  CHECK(events[0].role.template_id == support::kGlobalAdministrator);
  CHECK(events[1].audit_id == "second-message");
}

TEST_CASE("the parser grows in doubling steps and gives a huge document's buffers back",
          "[decoder]") {
  AuditDecoder decoder;
  auto ignore = [](RoleEvent&&) {};
  auto decode_of_size = [&](std::size_t filler) {
    const auto body = support::event_hubs_message(
        {support::non_role_record("UserManagement", filler), support::pim_removal({})});
    SourceMessage message;
    message.payload = body;
    auto counters = decoder.decode(message, ignore);
    CHECK(counters.role_records == 1);
    return body.size();
  };
  const auto first = decode_of_size(4000);
  CHECK(decoder.parser_capacity() == first);  // the first document: its own size
  const auto second = decode_of_size(4400);   // a little larger: twice the capacity
  CHECK(second > first);
  CHECK(decoder.parser_capacity() == 2 * first);
  std::size_t largest = 0;
  for (std::size_t filler = 4800; filler <= 8000; filler += 400) largest = decode_of_size(filler);
  CHECK(largest < 2 * first);
  CHECK(decoder.parser_capacity() == 2 * first);  // creeping sizes allocate nothing more
  const auto large = decode_of_size(AuditDecoder::kKeepBufferBytes * 5 / 8);
  CHECK(decoder.parser_capacity() == large);  // more than twice: its own size
  decode_of_size(AuditDecoder::kKeepBufferBytes * 5 / 8 + 100'000);
  // Doubling stops at what the decoder keeps between messages.
  CHECK(decoder.parser_capacity() == AuditDecoder::kKeepBufferBytes);
  const auto huge = decode_of_size(AuditDecoder::kKeepBufferBytes);
  CHECK(huge > AuditDecoder::kKeepBufferBytes);
  CHECK(decoder.parser_capacity() == 0);  // given back after use
}

TEST_CASE("counters add up across messages", "[decoder]") {
  DecodeCounters total;
  DecodeCounters one;
  one.messages = 1, one.records = 5, one.role_records = 2, one.skipped_category = 3;
  one.malformed_messages = 1, one.malformed_records = 4, one.unknown_activities = 1;
  total += one;
  total += one;
  CHECK(total.messages == 2);
  CHECK(total.records == 10);
  CHECK(total.role_records == 4);
  CHECK(total.skipped_category == 6);
  CHECK(total.malformed_messages == 2);
  CHECK(total.malformed_records == 8);
  CHECK(total.unknown_activities == 2);
}

// --- Documented field variants (docs/reference/audit-log-format.md §3, §12) ---

TEST_CASE("Level 4 and level Informational are both accepted", "[decoder]") {
  auto upper = support::core_directory_removal({});
  auto lower = support::core_directory_removal({});
  lower.erase("Level");
  lower["level"] = "Informational";
  CHECK(support::decode(support::event_hubs_message({upper, lower})).events.size() == 2);
}

TEST_CASE("durationMs as a number or a string is accepted", "[decoder]") {
  auto number = support::core_directory_removal({});
  auto text = support::core_directory_removal({});
  text["durationMs"] = "0";
  CHECK(support::decode(support::event_hubs_message({number, text})).events.size() == 2);
}

TEST_CASE("result may be a word or a number", "[decoder]") {
  auto as_result = [](Json value) {
    auto record = support::core_directory_removal({});
    record["properties"]["result"] = std::move(value);
    auto decoded = support::decode(support::event_hubs_message({record}));
    REQUIRE(decoded.events.size() == 1);
    return decoded.events[0].result;
  };
  CHECK(as_result("success") == Outcome::success);
  CHECK(as_result(0) == Outcome::success);
  CHECK(as_result("failure") == Outcome::failure);
  CHECK(as_result("timeout") == Outcome::failure);
  CHECK(as_result(1) == Outcome::failure);
}

TEST_CASE("a missing tenantId is derived from resourceId", "[decoder]") {
  auto record = support::core_directory_removal({});
  record.erase("tenantId");
  record["resourceId"] = "/tenants/4BBB79F7-5724-4C9E-95F3-DE075F6EC090/providers/Microsoft.aadiam";
  auto decoded = support::decode(support::event_hubs_message({record}));
  REQUIRE(decoded.events.size() == 1);
  CHECK(decoded.events[0].tenant_id == "4bbb79f7-5724-4c9e-95f3-de075f6ec090");
}

TEST_CASE("+00:00 and Z times with 3 or 7 fractional digits give the same instant", "[decoder]") {
  const auto expected = rolewatch::state::parse_event_time("2025-03-04T10:15:02.123Z");
  for (const char* time : {"2025-03-04T10:15:02.123+00:00", "2025-03-04T10:15:02.123Z",
                           "2025-03-04T10:15:02.1230000+00:00", "2025-03-04T10:15:02.1230000Z"}) {
    INFO(time);
    auto decoded = support::decode(
        support::event_hubs_message({support::core_directory_removal({.time = time})}));
    REQUIRE(decoded.events.size() == 1);
    CHECK(decoded.events[0].time == expected);
  }
}

TEST_CASE("an unparsable activityDateTime falls back to the envelope time", "[decoder]") {
  auto record = support::core_directory_removal({});
  record["properties"]["activityDateTime"] = "yesterday";
  auto decoded = support::decode(support::event_hubs_message({record}));
  REQUIRE(decoded.events.size() == 1);
  CHECK(decoded.events[0].time == rolewatch::state::parse_event_time(support::kBaseTime));
}

TEST_CASE("\"<null>\" IPs are empty and the next source is used", "[decoder]") {
  auto record = support::core_directory_removal(
      {.actor = support::user("aaaaaaaa-0000-0000-0000-000000000009", "ops@contoso.com", "Ops",
                              "<null>")});
  record["callerIpAddress"] = "<null>";
  auto decoded = support::decode(support::event_hubs_message({record}));
  REQUIRE(decoded.events.size() == 1);
  CHECK(decoded.events[0].ip_address.empty());
  CHECK(decoded.events[0].actor.ip_address.empty());

  record["callerIpAddress"] = "2001:db8::7";
  decoded = support::decode(support::event_hubs_message({record}));
  CHECK(decoded.events[0].ip_address == "2001:db8::7");
  CHECK(decoded.events[0].actor.ip_address == "2001:db8::7");
}

TEST_CASE("initiatedBy user and app may be null, absent or empty", "[decoder]") {
  auto user_with_null_app = support::core_directory_removal({});
  user_with_null_app["properties"]["initiatedBy"]["app"] = nullptr;
  auto app_with_null_user = support::core_directory_removal({.actor = support::ms_pim()});
  app_with_null_user["properties"]["initiatedBy"]["user"] = nullptr;
  auto empty = support::core_directory_removal({});
  empty["properties"]["initiatedBy"] = Json::object();
  auto both_null = support::core_directory_removal({});
  both_null["properties"]["initiatedBy"] = {{"user", nullptr}, {"app", nullptr}};
  auto empty_user = support::core_directory_removal({.actor = support::ms_pim()});
  empty_user["properties"]["initiatedBy"]["user"] = Json::object();
  auto absent = support::core_directory_removal({});
  absent["properties"].erase("initiatedBy");

  auto decoded = support::decode(support::event_hubs_message(
      {user_with_null_app, app_with_null_user, empty, both_null, empty_user, absent}));
  REQUIRE(decoded.events.size() == 6);
  CHECK(decoded.counters.malformed_records == 0);
  CHECK(decoded.events[0].actor.type == ActorType::user);
  CHECK(decoded.events[1].actor.type == ActorType::service_principal);
  CHECK(decoded.events[2].actor.type == ActorType::unknown);
  CHECK(decoded.events[3].actor.type == ActorType::unknown);
  CHECK(decoded.events[4].actor.type == ActorType::service_principal);
  CHECK(decoded.events[5].actor.type == ActorType::unknown);
  CHECK(decoded.events[5].actor.id.empty());
}

TEST_CASE("unknown fields and nulls in unread fields are ignored", "[decoder]") {
  auto record = support::core_directory_removal({.audit_id = "tolerant"});
  record["properties"]["userAgent"] = Json::object({{"nested", Json::array({1, 2, 3})}});
  record["properties"]["operationType"] = nullptr;
  record["properties"]["targetResources"][0]["administrativeUnits"] = Json::array({Json::object()});
  record["properties"]["targetResources"][0]["groupType"] = 7;
  record["properties"]["targetResources"][0]["modifiedProperties"].push_back(
      {{"displayName", "Role.Extra"}, {"oldValue", 12}, {"newValue", Json::object()}});
  record["properties"]["additionalDetails"] =
      Json::array({{{"key", "ipaddr"}, {"value", nullptr}}});
  record["newEnvelopeField"] = Json::array({true, false});
  auto decoded = support::decode(support::event_hubs_message({record}));
  CHECK(ids_of(decoded.events) == std::vector<std::string>{"tolerant"});
}

// --- Malformed input ----------------------------------------------------------

TEST_CASE("invalid JSON is one malformed message and no events", "[decoder]") {
  for (const char* payload : {"", "   ", "not json", "{", "}", "[", "\"records\"", "42", "null",
                              "{\"records\":[}", "{\"records\" [] }", "\xff\xfe{}"}) {
    INFO(payload);
    auto decoded = support::decode(payload);
    CHECK(decoded.events.empty());
    CHECK(decoded.counters.messages == 1);
    CHECK(decoded.counters.malformed_messages == 1);
  }
}

TEST_CASE("an invalid literal is noticed only where it is read", "[decoder]") {
  // On-Demand validates what it reads: a bad literal in a role record's id
  // makes that record malformed, one in a skipped record goes unnoticed.
  auto decoded =
      support::decode(R"({"records":[{"properties":{"category":"RoleManagement","id":tru}},)"
                      R"({"properties":{"category":"Policy","id":tru}}]})");
  CHECK(decoded.counters.malformed_records == 1);
  CHECK(decoded.counters.skipped_category == 1);
  CHECK(decoded.counters.malformed_messages == 0);
}

TEST_CASE("a message truncated after two records still yields those two", "[decoder]") {
  const auto body = support::event_hubs_message(three_removals());
  const auto third = body.find("removal-3");
  REQUIRE(third != std::string::npos);
  // Cut inside a string, after a number, between fields, and just before the
  // closing brackets.
  for (std::size_t cut :
       {third + 4, body.find("\"durationMs\":0", third - 800) + 14, third + 12, body.size() - 2}) {
    INFO(body.substr(cut > 40 ? cut - 40 : 0, 40));
    auto decoded = support::decode(body.substr(0, cut));
    const std::vector<std::string> two{"removal-1", "removal-2"};
    const std::vector<std::string> three{"removal-1", "removal-2", "removal-3"};
    CHECK(ids_of(decoded.events) == (cut == body.size() - 2 ? three : two));
    CHECK(decoded.counters.malformed_messages == 1);
    CHECK(decoded.counters.malformed_records == 0);
  }
}

TEST_CASE("a syntax error after two records keeps the two before it", "[decoder]") {
  auto body = support::event_hubs_message(three_removals());
  const auto third = body.find("removal-3");
  body.replace(body.find("\"result\"", third), 8, "\"result\" : : ");
  auto decoded = support::decode(body);
  CHECK(ids_of(decoded.events) == std::vector<std::string>{"removal-1", "removal-2"});
  CHECK(decoded.counters.malformed_messages == 1);
}

TEST_CASE("records that is not an array is a malformed message", "[decoder]") {
  for (const char* payload : {R"({"records":{"properties":{}}})", R"({"records":"[]"})",
                              R"({"records":null})", R"({"value":7})"}) {
    INFO(payload);
    auto decoded = support::decode(payload);
    CHECK(decoded.events.empty());
    CHECK(decoded.counters.malformed_messages == 1);
    CHECK(decoded.counters.malformed_records == 0);
  }
}

TEST_CASE("a record without properties is malformed and its neighbours are kept", "[decoder]") {
  auto broken = support::core_directory_removal({});
  broken.erase("properties");
  auto decoded = support::decode(
      support::event_hubs_message({support::core_directory_removal({.audit_id = "before"}), broken,
                                   support::core_directory_removal({.audit_id = "after"})}));
  CHECK(ids_of(decoded.events) == std::vector<std::string>{"before", "after"});
  CHECK(decoded.counters.records == 3);
  CHECK(decoded.counters.malformed_records == 1);
  CHECK(decoded.counters.malformed_messages == 0);
}

TEST_CASE("wrong field types make only that record malformed", "[decoder]") {
  auto properties_string = support::core_directory_removal({});
  properties_string["properties"] = "{\"category\":\"RoleManagement\"}";
  auto initiated_by_number = support::core_directory_removal({});
  initiated_by_number["properties"]["initiatedBy"] = 42;
  auto targets_object = support::pim_removal({});
  targets_object["properties"]["targetResources"] = Json::object();
  auto details_string = support::pim_removal({});
  details_string["properties"]["additionalDetails"] = "ipaddr=1.2.3.4";
  auto user_array = support::core_directory_removal({});
  user_array["properties"]["initiatedBy"]["user"] = Json::array();
  auto id_number = support::core_directory_removal({});
  id_number["properties"]["id"] = 12345;
  auto activity_missing = support::core_directory_removal({});
  activity_missing["properties"].erase("activityDisplayName");
  activity_missing.erase("operationName");
  auto time_missing = support::core_directory_removal({});
  time_missing["properties"].erase("activityDateTime");
  time_missing.erase("time");

  const std::vector<Json> broken{properties_string, initiated_by_number, targets_object,
                                 details_string,    user_array,          id_number,
                                 activity_missing,  time_missing,        Json(7),
                                 Json(nullptr),     Json::array()};
  std::vector<Json> records;
  std::vector<std::string> expected;
  for (std::size_t i = 0; i < broken.size(); ++i) {
    expected.push_back("good-" + std::to_string(i));
    records.push_back(support::core_directory_removal({.audit_id = expected.back()}));
    records.push_back(broken[i]);
  }
  auto decoded = support::decode(support::event_hubs_message(records));
  CHECK(ids_of(decoded.events) == expected);
  CHECK(decoded.counters.malformed_records == broken.size());
  CHECK(decoded.counters.malformed_messages == 0);
  CHECK(decoded.counters.records == records.size());
}

TEST_CASE("a non-role record is skipped even when its other fields are odd", "[decoder]") {
  auto record = support::non_role_record();
  record["properties"]["initiatedBy"] = 42;  // never read: the category says skip
  auto decoded = support::decode(support::event_hubs_message({record}));
  CHECK(decoded.counters.skipped_category == 1);
  CHECK(decoded.counters.malformed_records == 0);
}

TEST_CASE("malformed input is logged once per message with its position", "[decoder]") {
  LogCapture capture;
  auto broken = support::core_directory_removal({});
  broken["properties"] = 1;
  AuditDecoder decoder;
  SourceMessage message;
  message.topic = "insights-logs-auditlogs";
  message.partition = 3;
  message.offset = 1234;
  const auto body = support::event_hubs_message({broken, broken, support::pim_removal({}), broken});
  message.payload = body;
  int events = 0;
  decoder.decode(message, [&](RoleEvent&&) { ++events; });
  CHECK(events == 1);
  auto lines = capture.lines();
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains("insights-logs-auditlogs[3]@1234"));
  CHECK_THAT(lines[0], Catch::Contains("3 malformed record(s)"));
  CHECK_THAT(lines[0], Catch::Contains("record 0"));

  const std::string truncated = body.substr(0, body.size() - 30);
  message.payload = truncated;
  decoder.decode(message, [&](RoleEvent&&) { ++events; });
  lines = capture.lines();
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[1], Catch::Contains("malformed audit message insights-logs-auditlogs[3]@1234"));
}

TEST_CASE("a clean message logs nothing", "[decoder]") {
  LogCapture capture;
  support::decode(support::event_hubs_message(three_removals()));
  CHECK(capture.lines().empty());
}

TEST_CASE("every truncation of a message yields a prefix of its events and never crashes",
          "[decoder]") {
  const auto body = support::event_hubs_message(
      {support::core_directory_removal({.audit_id = "a"}), support::non_role_record("Policy", 300),
       support::pim_activation({.audit_id = "b"}), support::pim_expiry({.audit_id = "c"})});
  const std::vector<std::string> all{"a", "b", "c"};
  LogCapture quiet;
  AuditDecoder decoder;
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    std::vector<std::string> ids;
    SourceMessage message;
    const std::string prefix = body.substr(0, cut);
    message.payload = prefix;
    const auto counters =
        decoder.decode(message, [&](RoleEvent&& e) { ids.push_back(e.audit_id); });
    REQUIRE(ids.size() <= all.size());
    REQUIRE(std::equal(ids.begin(), ids.end(), all.begin()));
    REQUIRE(counters.malformed_messages == (cut == body.size() ? 0u : 1u));
  }
}

TEST_CASE("damaged bytes anywhere in a message never crash the decoder", "[decoder]") {
  const auto body = support::event_hubs_message(
      {support::core_directory_removal({}), support::pim_activation({}), support::pim_expiry({})});
  LogCapture quiet;
  AuditDecoder decoder;
  std::uint64_t events = 0;
  for (std::size_t at = 0; at < body.size(); ++at) {
    for (char replacement : {'"', '}', ']', ',', '{', '\\', 'x', '\0'}) {
      std::string damaged = body;
      damaged[at] = replacement;
      SourceMessage message;
      message.payload = damaged;
      const auto counters = decoder.decode(message, [&](RoleEvent&&) { ++events; });
      REQUIRE(counters.role_records <= 3);
    }
  }
  CHECK(events > 0);
}

// --- In place, and in any field order (issue 14) -----------------------------

namespace {

// What one decode gives: role event ids, other records' times, counters.
struct Outcome {
  std::vector<std::string> ids;
  std::vector<rolewatch::rules::EventTime> times;
  DecodeCounters counters;
};

Outcome decode_with(AuditDecoder& decoder, std::string_view payload, std::size_t padding) {
  Outcome out;
  SourceMessage message;
  message.payload = payload;
  message.padding = padding;
  out.counters = decoder.decode(
      message, [&](RoleEvent&& e) { out.ids.push_back(e.audit_id); },
      [&](rolewatch::rules::EventTime t) { out.times.push_back(t); });
  return out;
}

bool same(const Outcome& a, const Outcome& b) {
  return a.ids == b.ids && a.times == b.times && a.counters.records == b.counters.records &&
         a.counters.role_records == b.counters.role_records &&
         a.counters.malformed_messages == b.counters.malformed_messages &&
         a.counters.malformed_records == b.counters.malformed_records &&
         a.counters.repaired_messages == b.counters.repaired_messages;
}

// Every key sorted at every level (nlohmann::json keeps keys in a std::map):
// the envelope's time after properties, as a re-serializing shipper writes it.
Json sorted_keys(const Json& record) {
  return Json::parse(nlohmann::json::parse(record.dump()).dump());
}

}  // namespace

TEST_CASE("a line decoded in place gives what a padded copy gives, whatever follows it",
          "[decoder][in_place]") {
  const auto body = support::event_hubs_message({support::core_directory_removal({.audit_id = "a"}),
                                                 support::non_role_record("Policy", 300),
                                                 support::pim_activation({.audit_id = "b"})});
  // Each cut is followed by '\n' and the whole message again, as a line in
  // the chunk buffer: simdjson must stop at the line's end even when the
  // bytes after it would complete a truncated document.
  LogCapture quiet;
  AuditDecoder decoder;
  std::size_t in_place_events = 0;
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    const std::string buffer = body.substr(0, cut) + "\n" + body + std::string(64, ' ');
    const std::string_view line(buffer.data(), cut);
    const auto copied = decode_with(decoder, line, 0);
    const auto in_place = decode_with(decoder, line, buffer.size() - cut);
    INFO("cut at " << cut << " ..." << line.substr(cut > 60 ? cut - 60 : 0) << " | copied ids "
                   << copied.ids.size() << " malformed " << copied.counters.malformed_messages
                   << "/" << copied.counters.malformed_records << " times " << copied.times.size()
                   << " | in place ids " << in_place.ids.size() << " malformed "
                   << in_place.counters.malformed_messages << "/"
                   << in_place.counters.malformed_records << " times " << in_place.times.size());
    REQUIRE(same(copied, in_place));
    in_place_events += in_place.ids.size();
  }
  CHECK(in_place_events > 0);
  const std::string two_lines = body + "\n" + body + std::string(64, ' ');
  CHECK(decode_with(decoder, std::string_view(two_lines.data(), body.size()), 65).ids ==
        std::vector<std::string>{"a", "b"});
}

TEST_CASE("with every key sorted (time after properties) records decode as in the export's order",
          "[decoder][in_place]") {
  auto early = support::non_role_record("Policy", 600);
  early["time"] = "2025-03-04T11:00:00.0000000Z";
  auto late = support::non_role_record("GroupManagement", 600);
  late["time"] = "2025-03-04T12:30:00.0000000Z";
  const std::vector<Json> records{early, support::core_directory_removal({.audit_id = "removal"}),
                                  support::pim_activation({.audit_id = "activation"}), late};
  std::vector<Json> sorted;
  for (const auto& record : records) sorted.push_back(sorted_keys(record));
  REQUIRE(sorted[0].begin().key() != "time");  // time is no longer first
  AuditDecoder decoder;
  const auto as_exported = decode_with(decoder, support::event_hubs_message(records), 0);
  const auto reordered = decode_with(decoder, support::event_hubs_message(sorted), 0);
  CHECK(same(as_exported, reordered));
  CHECK(reordered.ids == std::vector<std::string>{"removal", "activation"});
  CHECK(reordered.times ==
        std::vector<rolewatch::rules::EventTime>{*parse_event_time("2025-03-04T11:00:00Z"),
                                                 *parse_event_time("2025-03-04T12:30:00Z")});
  // The role records' fields come through whole, not just their ids.
  std::vector<RoleEvent> events;
  SourceMessage message;
  const auto payload = support::event_hubs_message(sorted);
  message.payload = payload;
  decoder.decode(message, [&](RoleEvent&& e) { events.push_back(std::move(e)); });
  REQUIRE(events.size() == 2);
  CHECK(events[0].role.template_id == support::kGlobalAdministrator);
  CHECK(events[0].actor.user_principal_name == "mallory@contoso.onmicrosoft.com");
  CHECK(events[0].tenant_id == support::kTenantId);
}

TEST_CASE("an other-category record with an odd or missing time is skipped, its time 0",
          "[decoder][in_place]") {
  auto odd = sorted_keys(support::non_role_record("Policy"));
  odd["time"] = 17;
  auto missing = support::non_role_record("Policy");
  missing.erase("time");
  AuditDecoder decoder;
  const auto out = decode_with(decoder, support::event_hubs_message({odd, missing}), 0);
  CHECK(out.counters.skipped_category == 2);
  CHECK(out.counters.malformed_records == 0);
  CHECK(out.times.empty());  // 0 is not reported (no time to advance to)
}
