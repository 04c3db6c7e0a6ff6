#include "stream/source/chunked_lines.hpp"

#include <algorithm>
#include <cstring>

namespace rolewatch::stream {

ChunkedLines::ChunkedLines(std::istream& in, std::size_t max_line_bytes, std::size_t chunk_bytes)
    : in_(in),
      max_line_(std::max<std::size_t>(max_line_bytes, 1)),
      initial_chunk_(std::min(chunk_bytes, max_line_ + 1)),
      chunk_bytes_(initial_chunk_) {}

bool ChunkedLines::fill() {
  // Carry the unfinished line to the front, then read behind it.
  std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
  // After a long line the buffer goes back to one chunk.
  if (chunk_bytes_ > initial_chunk_ && end_ < initial_chunk_) {
    chunk_bytes_ = initial_chunk_;
    std::string smaller(buffer_.data(), end_);
    buffer_.swap(smaller);
  }
  // kPadding of slack after the data: the last line is readable past its end too.
  if (buffer_.size() < end_ + chunk_bytes_ + kPadding)
    buffer_.resize(end_ + chunk_bytes_ + kPadding);
  in_.read(buffer_.data() + end_, static_cast<std::streamsize>(chunk_bytes_));
  auto got = static_cast<std::size_t>(in_.gcount());
  end_ += got;
  buffer_[end_] = '\n';  // in the slack: the last line is followed by '\n' too
  return got > 0;
}

void ChunkedLines::emit(std::string_view text, std::vector<Line>& lines) const {
  if (text.size() > max_line_) {
    lines.push_back({{}, text.size()});
  } else {
    lines.push_back({text, 0});
  }
}

std::size_t ChunkedLines::split(std::string_view text, bool at_end,
                                std::vector<Line>& lines) const {
  std::size_t start = 0;
  for (auto nl = text.find('\n'); nl != std::string_view::npos; nl = text.find('\n', start)) {
    emit(text.substr(start, nl - start), lines);
    start = nl + 1;
  }
  if (at_end && start < text.size()) {  // the last line has no '\n'
    emit(text.substr(start), lines);
    start = text.size();
  }
  return start;
}

bool ChunkedLines::next(std::vector<Line>& lines) {
  lines.clear();
  for (;;) {
    bool more = fill();
    std::string_view text(buffer_.data() + begin_, end_ - begin_);
    std::size_t start = 0;
    if (dropping_ > 0) {  // the rest of an over-long line: dropped up to its '\n'
      auto nl = text.find('\n');
      if (nl == std::string_view::npos) {
        dropping_ += text.size();
        begin_ = end_;
        if (more) continue;
        lines.push_back({{}, dropping_});
        dropping_ = 0;
        return true;
      }
      lines.push_back({{}, dropping_ + nl});
      dropping_ = 0;
      start = nl + 1;
    }
    start += split(text.substr(start), !more, lines);
    begin_ += start;
    if (end_ - begin_ > max_line_) {  // the unfinished line is already too long
      dropping_ = end_ - begin_;
      begin_ = end_;
    }
    if (!lines.empty() || !more) return !lines.empty();
    // One line longer than a chunk (but within the limit): read more at once.
    if (dropping_ == 0) chunk_bytes_ = std::min(chunk_bytes_ * 2, max_line_ + 1);
  }
}

}  // namespace rolewatch::stream
