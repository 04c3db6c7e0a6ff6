#pragma once
// Reads replay's input (a regular file, a pipe or standard input) in big
// chunks and hands out its lines as views into the chunk they were read
// into: no per-line copy and no per-line allocation. Replay reads GBs of
// ~200 KB Event Hubs messages; copying each line (getline, then into a
// batch) cost as much as decoding it.
//
// Two chunk buffers take turns: while the caller works on the lines of one,
// the next chunk is read into the other, and its line ends found, by one
// reader thread that lives as long as the object (`read_ahead`, for regular
// files, which cannot block forever; a pipe is read when its lines are
// asked for, so a writer that never closes cannot hang the end of a
// replay). Chunks never move: the one line that spans two chunks is copied
// into a separate seam buffer, and so is a line longer than a chunk.
//
// Reading, not mapping, is deliberate: the chunks are allocated once and
// their pages stay in place, so the input costs one kernel copy per byte
// (memory bandwidth) wherever it runs. A mapped file costs a page fault per
// few pages instead, and a TLB flush for each range dropped after use; on a
// virtual machine where a fault traps to the host, the mapped replay took
// about twice the CPU (docs/benchmarks.md, "Issue 14, reading instead of
// mapping").
//
// A regular file's size when opened (`size`) is what is read: bytes appended
// later are left for the next replay, and an end before it (the file was cut
// short by another process while it was read) is an error from status().
//
// Memory is bounded by the input's line limit, not by the input: a line
// longer than `max_line_bytes` is never held whole. Its bytes are dropped as
// they are read and it comes out as a Line with `dropped_bytes` set (the
// caller counts and logs it), and the seam buffer is released after any
// line longer than a chunk.
//
// Every line is followed in memory by a '\n' and at least kPadding readable
// bytes, so the decoder hands it to simdjson in place instead of copying it
// into a padded buffer.
#include <array>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/base/job_thread.hpp"
#include "stream/source/line_reader.hpp"

namespace rolewatch::stream {

class ChunkedLines final : public LineReader {
 public:
  // Readable bytes after every line handed out (simdjson's padding).
  static constexpr std::size_t kPadding = 64;
  static constexpr std::size_t kDefaultMaxLine = 16u << 20;
  // A chunk and its padding fill exactly two 2 MiB huge pages.
  static constexpr std::size_t kDefaultChunk = (4u << 20) - kPadding;

  explicit ChunkedLines(std::istream& in, std::size_t max_line_bytes = kDefaultMaxLine,
                        std::size_t chunk_bytes = kDefaultChunk, bool read_ahead = false,
                        std::optional<std::uint64_t> size = std::nullopt);
  ~ChunkedLines() override;  // waits for a read in flight, then stops the reader thread
  ChunkedLines(const ChunkedLines&) = delete;
  ChunkedLines& operator=(const ChunkedLines&) = delete;

  bool next(std::vector<Line>& lines) override;
  // An error once a chunk ended before the file's size when opened.
  Status status() const override;
  std::size_t buffer_capacity() const;  // chunks and seam: for tests and figures
  // True when `text` and the `after` bytes behind it lie in one buffer (tests).
  bool holds(std::string_view text, std::size_t after) const;

 private:
  struct FreeChunk {
    void operator()(char* data) const;
  };
  struct Chunk {
    std::unique_ptr<char[], FreeChunk> data;  // chunk_bytes_ + kPadding, never zeroed
    std::size_t got = 0;                      // bytes the last read put there
    std::vector<std::uint32_t> newlines;      // where its '\n's are
    bool short_read = false;                  // ended before the file's size
  };
  // Reads the next chunk into chunks_[reading_], now or in the background.
  void start_read();
  // Waits for that read (or, reading on demand, does it); false at the end.
  bool finish_read();
  // One read into `chunk` and the scan for its line ends.
  void fill(Chunk& chunk);
  // Moves the unfinished line of the chunk just handed out into the seam
  // (or counts it as dropped): after this, that chunk is free.
  void carry_tail();
  // Adds `text` to the line in progress, dropping it once over the limit.
  void extend_seam(std::string_view text);
  // Finishes the line in progress: emitted from the seam, or as dropped.
  void finish_seam(std::vector<Line>& lines);
  // Splits a chunk: its complete lines out, the unfinished one to tail_.
  void split(const Chunk& chunk, std::vector<Line>& lines);
  void emit(std::string_view text, std::vector<Line>& lines) const;
  bool line_in_progress() const { return !seam_.empty() || dropping_ > 0; }

  std::istream& in_;
  std::size_t max_line_;
  std::size_t chunk_bytes_;
  std::optional<std::uint64_t> size_;  // a regular file's size when opened
  std::uint64_t read_ = 0;             // bytes read so far (by fill())
  bool cut_short_ = false;             // a chunk handed out was a short read
  std::array<Chunk, 2> chunks_;
  std::size_t reading_ = 0;     // the chunk the pending read fills
  bool in_flight_ = false;      // a read of chunks_[reading_] was started
  std::string_view tail_;       // unfinished line at the end of the chunk handed out
  std::string seam_;            // the line in progress (then '\n' and padding once emitted)
  bool seam_emitted_ = false;   // seam_ holds a line handed out: cleared at the next call
  std::uint64_t dropping_ = 0;  // > 0: inside an over-long line, bytes dropped so far
  // The reader thread, read_ahead only. Last: destroyed first, once a read
  // in flight (which writes into chunks_) has ended.
  std::unique_ptr<JobThread> reader_;
};

}  // namespace rolewatch::stream
