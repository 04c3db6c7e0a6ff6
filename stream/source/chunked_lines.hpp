#pragma once
// Reads a stream in big chunks and hands out its lines as views into one
// reused buffer: no per-line copy and no per-line allocation. Replay reads
// GBs of ~200 KB Event Hubs messages; copying each line (getline, then into
// a batch) cost as much as decoding it.
//
// Memory is bounded by the input's line limit, not by the input: a line
// longer than `max_line_bytes` is never held whole. Its bytes are dropped as
// they are read and it comes out as a Line with `dropped_bytes` set (the
// caller counts and logs it), and the buffer shrinks back to one chunk after
// any long line.
//
// Every line is followed in memory by a '\n' and at least kPadding readable
// bytes (the next lines, or slack kept after the data read), so the decoder
// hands it to simdjson in place instead of copying it into a padded buffer.
#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace rolewatch::stream {

struct Line {
  std::string_view text;            // without '\n'; empty when dropped
  std::uint64_t dropped_bytes = 0;  // > 0: the line was over the limit and skipped
};

class ChunkedLines {
 public:
  static constexpr std::size_t kDefaultMaxLine = 16u << 20;
  // Readable bytes after every line handed out (simdjson's padding).
  static constexpr std::size_t kPadding = 64;

  explicit ChunkedLines(std::istream& in, std::size_t max_line_bytes = kDefaultMaxLine,
                        std::size_t chunk_bytes = 4u << 20);

  // The complete lines of the next chunk, valid until the next call. False
  // at the end of input.
  bool next(std::vector<Line>& lines);
  std::size_t buffer_capacity() const { return buffer_.capacity(); }  // for tests and figures
  // True when `text` and the `after` bytes behind it lie in the buffer (tests).
  bool holds(std::string_view text, std::size_t after) const {
    return text.data() >= buffer_.data() &&
           text.data() + text.size() + after <= buffer_.data() + buffer_.size();
  }

 private:
  // Appends up to `chunk_bytes_` from the stream; false when nothing came.
  bool fill();
  // Splits [begin_, end_) into lines; returns the offset after the last '\n'.
  std::size_t split(std::string_view text, bool at_end, std::vector<Line>& lines) const;
  void emit(std::string_view text, std::vector<Line>& lines) const;

  std::istream& in_;
  std::size_t max_line_;
  std::size_t initial_chunk_;
  std::size_t chunk_bytes_;
  std::string buffer_;
  std::size_t begin_ = 0;       // start of the bytes not yet handed out
  std::size_t end_ = 0;         // end of the bytes read
  std::uint64_t dropping_ = 0;  // > 0: inside an over-long line, bytes dropped so far
};

}  // namespace rolewatch::stream
