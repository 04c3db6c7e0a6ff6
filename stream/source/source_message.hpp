#pragma once
// One unit of input, whatever the source: a Kafka message or a replayed line.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rolewatch::stream {

struct SourceMessage {
  std::string_view topic;         // Kafka topic, or the replayed file's name
  std::int32_t partition = 0;     // always 0 for files
  std::int64_t offset = 0;        // Kafka offset, or the line number for files
  std::int64_t timestamp_ms = 0;  // broker timestamp; 0 when unknown
  std::string_view payload;       // message value / line, not padded
  // True when this message was already processed before the state was lost
  // (restore): its effects are rebuilt, but alerts it raises are not sent again.
  bool mute_alerts = false;
  // Readable bytes in memory right after `payload`, the first a '\n' (what
  // follows a line). At least simdjson's padding (64): the decoder parses the
  // payload in place; less (Kafka, Graph pages): it parses a padded copy.
  std::size_t padding = 0;
};

}  // namespace rolewatch::stream
