#pragma once
// The file source behind `rolewatch replay`: each file (or stdin, "-") is a
// partition of one stream (docs/design.md §3, "Event time"). The file whose
// partition time is oldest (or still unknown) is read next, a 4 MB chunk at
// a time, so several files are merged in event-time order through the same
// watermark as the live source's partitions; one file is read straight
// through. Lines are views into the chunk (chunked_lines.hpp): a batch is
// handed over, and committed by the handler, before the next chunk is handed
// out (a regular file's next chunk is read meanwhile).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "state/base/expected.hpp"
#include "stream/source/event_clock.hpp"
#include "stream/source/line_reader.hpp"
#include "stream/source/source_message.hpp"

namespace rolewatch::stream {

class FileSource {
 public:
  using BatchHandler = std::function<Status(std::span<const SourceMessage>)>;

  // Files must be readable (the caller checks, for its exit code). A line
  // over `max_line_bytes` is skipped, counted and logged, never held whole.
  FileSource(const std::vector<std::string>& files, EventClock& clock, std::size_t batch_lines,
             std::size_t max_line_bytes);
  ~FileSource();

  // Reads every file to its end; stops at the first handler error.
  Status run(const BatchHandler& handler);
  std::uint64_t messages() const { return messages_; }    // non-blank lines handed over
  std::uint64_t oversized() const { return oversized_; }  // lines skipped as over the limit

 private:
  struct Input;
  std::unique_ptr<LineReader> open_lines(Input& input) const;
  Input* next_input();
  Status read_chunk(Input& input, const BatchHandler& handler);
  Status flush(const Input& input, const BatchHandler& handler);

  EventClock& clock_;
  std::size_t batch_lines_;
  std::vector<std::unique_ptr<Input>> inputs_;
  std::size_t max_line_bytes_;
  std::vector<Line> lines_;  // views into the current chunk
  std::vector<std::int64_t> numbers_;
  std::uint64_t messages_ = 0;
  std::uint64_t oversized_ = 0;
};

}  // namespace rolewatch::stream
