// Mutation fuzzing of the decoder: thousands of deterministic random
// corruptions of real messages. Bad input must be counted, never crash or
// throw (run this under the `asan` preset for memory errors), and a bad
// record must never hide the valid records beside it.
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "stream/pipeline/audit_decoder.hpp"
#include "support/command.hpp"

using namespace rolewatch::stream;
using nlohmann::json;

namespace {

std::vector<std::string> fixture_messages() {
  std::vector<std::string> messages;
  for (const char* name : {"replay/lapsus-burst.jsonl", "replay/noise-only.jsonl"}) {
    std::ifstream in(support::fixture(name));
    for (std::string line; std::getline(in, line);) {
      if (json::accept(line)) messages.push_back(line);
    }
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
    auto original = json::parse(messages[rng() % messages.size()]);
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
