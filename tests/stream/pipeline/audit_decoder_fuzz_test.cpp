// Mutation fuzzing of the decoder: thousands of deterministic random
// corruptions of real messages. Bad input must be counted, never crash or
// throw (run this under the `asan` preset for memory errors), and a bad
// record must never hide the valid records beside it. The corpus includes
// hostile text (lone surrogates, invalid UTF-8, NUL: hostile-strings.jsonl),
// and a repaired message must still yield every valid record.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "stream/pipeline/audit_decoder.hpp"
#include "support/audit_records.hpp"
#include "support/command.hpp"
#include "support/hostile_text.hpp"

using namespace rolewatch::stream;
using nlohmann::json;

namespace {

// The lines of a fixture; `hostile` ones are kept although nlohmann::json
// refuses them (that is their point).
std::vector<std::string> fixture_lines(const char* name, bool hostile) {
  std::vector<std::string> lines;
  std::ifstream in(support::fixture(name));
  for (std::string line; std::getline(in, line);) {
    if (hostile ? !line.empty() : json::accept(line)) lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> fixture_messages() {
  std::vector<std::string> messages;
  for (const char* name : {"replay/lapsus-burst.jsonl", "replay/noise-only.jsonl"}) {
    for (auto& line : fixture_lines(name, false)) messages.push_back(std::move(line));
  }
  for (auto& line : fixture_lines("replay/hostile-strings.jsonl", true)) {
    messages.push_back(std::move(line));
  }
  return messages;
}

struct Decoded {
  DecodeCounters counters;
  std::vector<std::string> audit_ids;
};

Decoded decode(AuditDecoder& decoder, const std::string& body) {
  Decoded out;
  SourceMessage message{"fuzz", 0, 0, 0, body, false};
  out.counters = decoder.decode(message, [&](rolewatch::rules::RoleEvent&& event) {
    out.audit_ids.push_back(event.audit_id);
  });
  return out;
}

// One random corruption of the bytes: flip, delete, duplicate, truncate, or
// splice in a JSON token where it does not belong.
std::string mutate(std::string text, std::mt19937& rng) {
  static const char* kTokens[] = {
      "{",        "}",    "[",      "]",           ",",  ":",
      "\"",       "null", "-1e999", "\"\\u0000\"", "\\", "{\"records\":",
      "\xff\xfe", "0"};
  if (text.empty()) return text;
  auto at = std::uniform_int_distribution<std::size_t>(0, text.size() - 1)(rng);
  switch (rng() % 5) {
    case 0:
      text[at] = static_cast<char>(rng() % 256);
      break;
    case 1:
      text.erase(at, 1 + rng() % 16);
      break;
    case 2:
      text.insert(at, text.substr(at, 1 + rng() % 64));
      break;
    case 3:
      text.resize(at);
      break;
    default:
      text.insert(at, kTokens[rng() % std::size(kTokens)]);
  }
  return text;
}

// Structurally wrong records a producer could send.
const json kBadRecords[] = {
    42,
    "text",
    json::array(),
    json::object(),
    {{"properties", 7}},
    {{"properties", {{"category", "RoleManagement"}}}},
    {{"properties", {{"category", "RoleManagement"}, {"targetResources", "x"}}}},
    {{"properties", {{"category", "RoleManagement"}, {"activityDisplayName", 5}}}},
    {{"properties",
      {{"category", "RoleManagement"},
       {"activityDisplayName", "Remove member from role"},
       {"initiatedBy", {{"user", 1}}},
       {"targetResources", {{{"type", "User"}, {"modifiedProperties", "bad"}}}}}}},
};

// Thousands of expected warnings would bury the test output.
struct QuietLogs {
  spdlog::level::level_enum saved = spdlog::get_level();
  QuietLogs() { spdlog::set_level(spdlog::level::off); }
  ~QuietLogs() { spdlog::set_level(saved); }
};

}  // namespace

TEST_CASE("thousands of corrupted messages are counted and never crash the decoder",
          "[decoder][fuzz]") {
  auto messages = fixture_messages();
  REQUIRE(!messages.empty());
  QuietLogs quiet;
  AuditDecoder decoder;
  std::mt19937 rng(20261126);
  std::uint64_t malformed = 0;
  for (int i = 0; i < 20000; ++i) {
    auto body = messages[rng() % messages.size()];
    for (int n = 1 + static_cast<int>(rng() % 3); n > 0; --n) body = mutate(body, rng);
    Decoded decoded;
    REQUIRE_NOTHROW(decoded = decode(decoder, body));
    CHECK(decoded.counters.messages == 1);
    CHECK(decoded.counters.role_records <= decoded.counters.records);
    malformed += decoded.counters.malformed_messages + decoded.counters.malformed_records;
  }
  CHECK(malformed > 1000);  // the corruptions were noticed, not silently accepted
}

TEST_CASE("a structurally bad record never hides the valid records of its message",
          "[decoder][fuzz]") {
  auto messages = fixture_messages();
  QuietLogs quiet;
  AuditDecoder decoder;
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    const auto& text = messages[rng() % messages.size()];
    if (!json::accept(text)) continue;  // the hostile lines: see the tests below
    auto original = json::parse(text);
    if (!original.contains("records") || !original["records"].is_array()) continue;
    auto expected = decode(decoder, original.dump());
    auto corrupted = original;
    auto& records = corrupted["records"];
    auto bad = kBadRecords[rng() % std::size(kBadRecords)];
    records.insert(records.begin() + static_cast<std::ptrdiff_t>(rng() % (records.size() + 1)),
                   bad);
    auto decoded = decode(decoder, corrupted.dump());
    INFO(bad.dump());
    CHECK(decoded.audit_ids == expected.audit_ids);
    CHECK(decoded.counters.malformed_messages == 0);
  }
}

namespace {

// A removal whose descriptive text is hostile: one of the fields an
// attacker controls, holding one of support::hostile_texts().
std::string hostile_record(std::mt19937& rng) {
  const std::string at(support::kHostile);
  support::RecordSpec spec{.audit_id = "hostile"};
  switch (rng() % 4) {
    case 0:
      spec.actor.display_name += at;
      break;
    case 1:
      spec.actor.user_principal_name = "mallory" + at + "@contoso.com";
      break;
    case 2:
      spec.target.user_principal_name = "admin" + at + "@contoso.com";
      break;
    default:
      spec.role.display_name += at;
  }
  auto record = rng() % 2 == 0 ? support::core_directory_removal(spec) : support::pim_removal(spec);
  const auto& texts = support::hostile_texts();
  return support::splice(record.dump(), texts[rng() % texts.size()].raw);
}

std::vector<std::string> without(std::vector<std::string> ids, const std::string& id) {
  ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
  return ids;
}

}  // namespace

TEST_CASE("a hostile string never hides the valid records of its message", "[decoder][fuzz]") {
  auto messages = fixture_messages();
  QuietLogs quiet;
  AuditDecoder decoder;
  std::mt19937 rng(11);
  int checked = 0;
  for (int i = 0; i < 2000; ++i) {
    const auto& text = messages[rng() % messages.size()];
    if (!json::accept(text)) continue;
    auto original = json::parse(text);
    if (!original.contains("records") || !original["records"].is_array()) continue;
    auto expected = decode(decoder, original.dump());
    // {"records":[r0,...,hostile,...,rn]}, spliced as text.
    auto& records = original["records"];
    const auto at = rng() % (records.size() + 1);
    std::vector<std::string> pieces;
    for (const auto& record : records) pieces.push_back(record.dump());
    pieces.insert(pieces.begin() + static_cast<std::ptrdiff_t>(at), hostile_record(rng));
    std::string body = "{\"records\":[";
    for (std::size_t r = 0; r < pieces.size(); ++r) body += (r > 0 ? "," : "") + pieces[r];
    body += "]}";
    auto decoded = decode(decoder, body);
    INFO(body);
    CHECK(std::count(decoded.audit_ids.begin(), decoded.audit_ids.end(), "hostile") == 1);
    CHECK(without(decoded.audit_ids, "hostile") == without(expected.audit_ids, "hostile"));
    CHECK(decoded.counters.malformed_messages == 0);
    CHECK(decoded.counters.malformed_records == expected.counters.malformed_records);
    CHECK(decoded.counters.repaired_messages + decoded.counters.repaired_records > 0);
    ++checked;
  }
  CHECK(checked > 1000);
}

TEST_CASE("the hostile fixture's messages are repaired and keep every valid record",
          "[decoder][fuzz]") {
  auto lines = fixture_lines("replay/hostile-strings.jsonl", true);
  REQUIRE(lines.size() == 3);
  QuietLogs quiet;
  AuditDecoder decoder;
  const std::vector<std::uint64_t> repaired_records{3, 1, 1};
  const std::vector<std::vector<std::string>> expected{
      {"Directory_hostile_1", "Directory_hostile_2", "Directory_hostile_3"},
      {"Directory_hostile_4"},
      {"Directory_hostile_6"},  // after Directory_\ud800, which is skipped
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    INFO("line " << i + 1);
    auto decoded = decode(decoder, lines[i]);
    CHECK(decoded.audit_ids == expected[i]);
    CHECK(decoded.counters.malformed_messages == 0);
    CHECK(decoded.counters.malformed_records == (i == 2 ? 1 : 0));
    CHECK(decoded.counters.repaired_messages == (i == 1 ? 1 : 0));
    CHECK(decoded.counters.repaired_records == repaired_records[i]);
  }
}
