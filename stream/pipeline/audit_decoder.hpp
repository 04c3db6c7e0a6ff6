#pragma once
// Decodes Event Hubs message bodies into normalized role events.
//
// Accepts {"records":[...]} (Event Hubs), a bare record, and a Graph
// directoryAudits page {"value":[...]}. Only properties.category ==
// "RoleManagement" records are decoded fully; the rest are counted and
// skipped. Malformed input is counted and logged once with its position and
// never hides the valid records around it: a bad record is skipped alone; a
// JSON syntax error or truncation ends the message, but the records complete
// before it are still emitted (see audit_decoder.cpp for why). Hostile text
// hides nothing either: descriptive fields that do not decode are repaired
// (record_normalizer.hpp), and a message with invalid UTF-8 or unescaped
// control characters is repaired (U+FFFD) and parsed again.
#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <string>

#include "rules/role_event.hpp"
#include "stream/source/source_message.hpp"

namespace rolewatch::stream {

struct DecodeCounters {
  std::uint64_t messages = 0;
  std::uint64_t records = 0;             // audit records seen (any category)
  std::uint64_t role_records = 0;        // RoleManagement records turned into events
  std::uint64_t skipped_category = 0;    // records of other categories
  std::uint64_t malformed_messages = 0;  // message not parseable as a whole
  std::uint64_t malformed_records = 0;   // one record unusable, others kept
  std::uint64_t unknown_activities = 0;  // RoleManagement activity not in the catalog
  std::uint64_t repaired_messages = 0;   // invalid UTF-8 etc. replaced, message parsed again
  std::uint64_t repaired_records = 0;    // role records kept with descriptive text repaired

  DecodeCounters& operator+=(const DecodeCounters& other);
};

class AuditDecoder {
 public:
  using EventSink = std::function<void(rules::RoleEvent&&)>;
  // The time of each record that is not a role event (other categories), so
  // a partition's time advances on all of its traffic.
  using TimeSink = std::function<void(rules::EventTime)>;

  AuditDecoder();
  // Decodes one message; calls on_event for each RoleManagement record in
  // input order. Never throws on bad input. The payload is parsed in place
  // when `message.padding` covers simdjson's padding, else copied first.
  // The message's warning (what was malformed or repaired, one line at
  // most) is logged, or stored in `*warning` when given: a caller decoding
  // on two threads logs them in message order.
  DecodeCounters decode(const SourceMessage& message, const EventSink& on_event,
                        const TimeSink& on_time = nullptr, std::string* warning = nullptr);

  static constexpr std::size_t kKeepBufferBytes = 4u << 20;
  // The largest document the parser holds buffers for now.
  std::size_t parser_capacity() const { return parser_.capacity(); }

 private:
  void release_if_large();

  simdjson::ondemand::parser parser_;
  std::string buffer_;    // reused padded copy of a payload without padding
  std::string repaired_;  // reused repaired copy of a payload simdjson refused
};

}  // namespace rolewatch::stream
