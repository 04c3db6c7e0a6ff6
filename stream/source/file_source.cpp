#include "stream/source/file_source.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "state/store.hpp"
#include "stream/source/chunked_lines.hpp"

namespace rolewatch::stream {
namespace {

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

}  // namespace

struct FileSource::Input {
  std::string name;
  std::int32_t partition = 0;           // its position on the command line
  std::unique_ptr<std::ifstream> file;  // null for stdin
  std::unique_ptr<LineReader> lines;
  std::string clock_key;
  bool opened = true;  // decided before a read starts: a read in flight sets the stream's bits
  std::int64_t line_number = 0;
  bool done = false;
};

FileSource::FileSource(const std::vector<std::string>& files, EventClock& clock,
                       std::size_t batch_lines, std::size_t max_line_bytes)
    : clock_(clock),
      batch_lines_(std::max<std::size_t>(batch_lines, 1)),
      max_line_bytes_(max_line_bytes) {
  for (const auto& name : files) {
    auto input = std::make_unique<Input>();
    input->name = name;
    input->partition = static_cast<std::int32_t>(inputs_.size());
    input->lines = open_lines(*input);
    input->clock_key = state::Store::offset_key(name, input->partition);
    clock_.assign(input->clock_key, kUnknownTime);
    inputs_.push_back(std::move(input));
  }
}

FileSource::~FileSource() = default;

// A regular file is read a chunk ahead, up to its size when opened; a pipe is
// read when its lines are wanted (a writer that never closes must not hang
// the end of a replay).
std::unique_ptr<LineReader> FileSource::open_lines(Input& input) const {
  if (input.name == "-") {
    return std::make_unique<ChunkedLines>(std::cin, max_line_bytes_);
  }
  input.file = std::make_unique<std::ifstream>(input.name, std::ios::binary);
  input.opened = input.file->is_open();
  std::error_code error;  // file_size fails for anything but a regular file
  const auto bytes = std::filesystem::file_size(input.name, error);
  std::optional<std::uint64_t> size;
  if (input.opened && !error) size = bytes;
  return std::make_unique<ChunkedLines>(*input.file, max_line_bytes_, ChunkedLines::kDefaultChunk,
                                        size.has_value(), size);
}

Status FileSource::run(const BatchHandler& handler) {
  for (const auto& input : inputs_) {  // checked by the caller; it may have gone since
    if (!input->opened) return make_error("cannot open " + input->name);
  }
  while (auto* input = next_input()) {
    if (auto status = read_chunk(*input, handler); !status) return status;
  }
  return ok();
}

FileSource::Input* FileSource::next_input() {
  Input* oldest = nullptr;
  for (auto& input : inputs_) {
    if (input->done) continue;
    if (!oldest ||
        clock_.partition_time(input->clock_key) < clock_.partition_time(oldest->clock_key)) {
      oldest = input.get();
    }
  }
  return oldest;
}

Status FileSource::read_chunk(Input& input, const BatchHandler& handler) {
  std::vector<Line> chunk;
  const bool more = input.lines->next(chunk);
  if (auto status = input.lines->status(); !status) {
    return make_error(input.name + ": " + status.error().message, status.error().code);
  }
  if (!more) {
    input.done = true;
    clock_.set_holding(input.clock_key, false);  // nothing more will come
    return ok();
  }
  for (const auto& line : chunk) {
    ++input.line_number;
    if (line.dropped_bytes > 0) {
      ++oversized_;
      spdlog::warn("{}:{}: line of {} bytes is over --max-line-bytes {}; skipped", input.name,
                   input.line_number, line.dropped_bytes, max_line_bytes_);
      continue;
    }
    if (blank(line.text)) continue;
    lines_.push_back(line);
    numbers_.push_back(input.line_number);
    if (lines_.size() >= batch_lines_) {
      if (auto status = flush(input, handler); !status) return status;
    }
  }
  return flush(input, handler);
}

Status FileSource::flush(const Input& input, const BatchHandler& handler) {
  if (lines_.empty()) return ok();
  std::vector<SourceMessage> messages;
  messages.reserve(lines_.size());
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    messages.push_back(SourceMessage{input.name, input.partition, numbers_[i], 0, lines_[i].text,
                                     false, lines_[i].padding});
  }
  auto status = handler(messages);
  if (!status) return make_error(input.name + ": " + status.error().message, status.error().code);
  messages_ += lines_.size();
  lines_.clear();
  numbers_.clear();
  return ok();
}

}  // namespace rolewatch::stream
