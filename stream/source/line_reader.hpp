#pragma once
// What replay's file source reads lines through (chunked_lines.hpp: files,
// pipes and standard input): a chunk's lines as views, valid until the next
// call, each with the readable bytes behind it that let the decoder parse it
// in place (simdjson's padding).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "state/base/expected.hpp"

namespace rolewatch::stream {

struct Line {
  std::string_view text;            // without '\n'; empty when dropped
  std::uint64_t dropped_bytes = 0;  // > 0: the line was over the limit and skipped
  // Readable bytes right after `text`, the first a '\n' (SourceMessage::padding);
  // under simdjson's padding (64), the decoder parses a padded copy.
  std::size_t padding = 0;
};

class LineReader {
 public:
  virtual ~LineReader() = default;
  // The complete lines of the next chunk, valid until the next call. False
  // at the end of input.
  virtual bool next(std::vector<Line>& lines) = 0;
  // An error once the input could not be read whole (a file cut short
  // while it was read); ok otherwise.
  virtual Status status() const { return ok(); }
};

}  // namespace rolewatch::stream
