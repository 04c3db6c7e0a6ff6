#pragma once
// Reads a regular file by mapping it into memory: its lines are handed out
// as views into the mapping, a ~4 MiB range at a time, so replay copies no
// input byte (reading into chunk buffers cost 40% of a core in the kernel's
// copy: docs/benchmarks.md, "Issue 14, the input mapped").
//
// One reader thread (`read_ahead`), shared by every mapped file, finds the
// line ends of the next range while the caller works on the current one;
// that scan is also what first touches, and so faults in, the range's
// pages. The reader runs at the lowest priority (SCHED_IDLE): replay's two
// decoding threads already keep both cores of a small machine busy, and a
// third thread at their priority took turns with them instead of filling
// the moments they wait (docs/benchmarks.md, "Issue 14, the line scan on
// idle cores"). An idle-priority thread may not run for a long time on a
// busy machine, so the caller never waits for it: a range is scanned in
// 64 KiB steps claimed in order by whichever thread is free, and the
// caller, once it needs the range, scans every step the reader has not
// finished, including one the reader holds. A range once handed out is
// dropped from the process (MADV_DONTNEED) at the next call, so resident
// memory stays at a few ranges whatever the file's size. A line longer than
// `max_line_bytes` is skipped and counted as in ChunkedLines, its pages
// dropped while its end is searched.
//
// The size read at open is what is read. A file cut short by another process
// while mapped would kill the process with SIGBUS: instead, a handler maps a
// page of zeros where the file's pages went, and status() reports the file
// as cut short at the next call (FileSource stops the replay with that
// error). The few lines decoded from zeros in the meantime are malformed
// messages, counted and logged like any other.
#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "stream/source/line_reader.hpp"

namespace rolewatch::stream {

struct MappingSlot;  // what the SIGBUS handler knows of one mapping
struct Mapping;      // the mapped file, unmapped when its last holder goes
struct ScanJob;      // the steps of one range, shared with the reader thread

class MappedLines final : public LineReader {
 public:
  static constexpr std::size_t kDefaultRange = 4u << 20;

  // Null when `path` is not a regular file that can be mapped (empty, or
  // no mapping slot left): the caller reads it in chunks instead.
  static std::unique_ptr<MappedLines> open(const std::string& path, std::size_t max_line_bytes,
                                           std::size_t range_bytes = kDefaultRange,
                                           bool read_ahead = true);
  ~MappedLines() override;  // unmaps once the reader is done with it
  MappedLines(const MappedLines&) = delete;
  MappedLines& operator=(const MappedLines&) = delete;

  bool next(std::vector<Line>& lines) override;
  Status status() const override;
  std::size_t resident_limit() const;  // bytes of the file mapped in at most (tests)
  // Tests: while held, the reader thread claims a step and then does not
  // scan it, as when it is starved on a busy machine.
  static void hold_reader_for_tests(bool hold);

 private:
  struct Range {
    std::size_t begin = 0;
    std::size_t end = 0;                // after its last '\n', or the file's end
    std::size_t limit = 0;              // the steps scan [begin, limit)
    std::vector<std::size_t> newlines;  // where its '\n's are
    std::shared_ptr<ScanJob> job;       // while its scan is in flight
  };
  MappedLines(std::shared_ptr<const Mapping> mapping, std::size_t max_line_bytes,
              std::size_t range_bytes, bool read_ahead);
  void start_scan();
  bool finish_scan();
  // Sets where `range` ends once its steps are scanned.
  void end_range(Range& range);
  // Searches the end of a line longer than a range, from `at`.
  void scan_long_line(Range& range, std::size_t line_begin, std::size_t at);
  void split(const Range& range, std::vector<Line>& lines) const;
  void emit(std::size_t begin, std::size_t end, std::vector<Line>& lines) const;
  // Drops the pages before `offset` from the process (page-aligned down).
  void release(std::size_t offset);

  std::shared_ptr<const Mapping> mapping_;  // the reader holds it too while it scans
  const char* data_;
  std::size_t size_;
  std::size_t readable_;  // size_ rounded up to whole pages: what may be read
  MappingSlot* slot_;
  std::size_t max_line_;
  std::size_t range_bytes_;
  bool read_ahead_;
  std::array<Range, 2> ranges_;
  std::size_t scanning_ = 0;    // the range the pending scan fills
  bool in_flight_ = false;      // a scan of ranges_[scanning_] was started
  std::size_t scanned_to_ = 0;  // where the next scan starts
  std::size_t released_ = 0;    // pages before this offset were dropped
};

}  // namespace rolewatch::stream
