#include "stream/source/chunked_lines.hpp"

#include <algorithm>
#include <cstring>

namespace rolewatch::stream {

ChunkedLines::ChunkedLines(std::istream& in, std::size_t max_line_bytes, std::size_t chunk_bytes,
                           bool read_ahead)
    : in_(in),
      max_line_(std::max<std::size_t>(max_line_bytes, 1)),
      chunk_bytes_(std::max<std::size_t>(std::min(chunk_bytes, max_line_ + 1), 1)),
      read_ahead_(read_ahead) {
  // Not zeroed: a page costs only when a read first fills it.
  for (auto& chunk : chunks_) {
    chunk.data = std::make_unique_for_overwrite<char[]>(chunk_bytes_ + kPadding);
  }
  start_read();
}

ChunkedLines::~ChunkedLines() {
  // A read in flight writes into chunks_: it must end before they go.
  if (pending_.valid() && read_ahead_) pending_.wait();
}

void ChunkedLines::start_read() {
  char* buffer = chunks_[reading_].data.get();
  auto read = [this, buffer] {
    in_.read(buffer, static_cast<std::streamsize>(chunk_bytes_));
    const auto got = static_cast<std::size_t>(in_.gcount());
    std::memset(buffer + got, ' ', kPadding);  // what simdjson may read past a line
    return got;
  };
  pending_ = std::async(read_ahead_ ? std::launch::async : std::launch::deferred, read);
}

void ChunkedLines::carry_tail() {
  if (seam_emitted_) {
    seam_.clear();
    seam_emitted_ = false;
    if (seam_.capacity() > chunk_bytes_) std::string().swap(seam_);  // after a long line
  }
  if (!tail_.empty()) extend_seam(tail_);
  tail_ = {};
}

void ChunkedLines::extend_seam(std::string_view text) {
  if (dropping_ > 0) {
    dropping_ += text.size();
    return;
  }
  const std::size_t needed = seam_.size() + text.size();
  if (needed > max_line_) {  // never held whole: counted from here on
    dropping_ = needed;
    std::string().swap(seam_);
    return;
  }
  if (seam_.capacity() < needed + 1 + kPadding) {
    seam_.reserve(std::min(std::max(needed, 2 * seam_.capacity()), max_line_) + 1 + kPadding);
  }
  seam_.append(text);
}

void ChunkedLines::finish_seam(std::vector<Line>& lines) {
  if (dropping_ > 0) {
    lines.push_back({{}, dropping_});
    dropping_ = 0;
    return;
  }
  const std::size_t size = seam_.size();
  seam_.push_back('\n');
  seam_.append(kPadding, ' ');
  lines.push_back({std::string_view(seam_.data(), size), 0});
  seam_emitted_ = true;
}

void ChunkedLines::emit(std::string_view text, std::vector<Line>& lines) const {
  if (text.size() > max_line_) {
    lines.push_back({{}, text.size()});
  } else {
    lines.push_back({text, 0});
  }
}

void ChunkedLines::split(std::string_view text, std::vector<Line>& lines) {
  std::size_t start = 0;
  if (line_in_progress()) {  // a line from earlier chunks ends at the first '\n'
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos) {
      extend_seam(text);
      return;
    }
    extend_seam(text.substr(0, nl));
    finish_seam(lines);
    start = nl + 1;
  }
  for (auto nl = text.find('\n', start); nl != std::string_view::npos;
       nl = text.find('\n', start)) {
    emit(text.substr(start, nl - start), lines);
    start = nl + 1;
  }
  tail_ = text.substr(start);  // moved to the seam at the next call
}

bool ChunkedLines::next(std::vector<Line>& lines) {
  lines.clear();
  for (;;) {
    // The caller is done with the last chunk's lines: what is left of it
    // goes to the seam, and it is free for the read after the one pending.
    carry_tail();
    const std::size_t got = pending_.valid() ? pending_.get() : 0;
    if (got == 0) {  // end of input: the last line may have had no '\n'
      if (line_in_progress()) finish_seam(lines);
      return !lines.empty();
    }
    const std::size_t current = reading_;
    reading_ = 1 - reading_;
    start_read();
    split({chunks_[current].data.get(), got}, lines);
    if (!lines.empty()) return true;
  }
}

std::size_t ChunkedLines::buffer_capacity() const {
  return chunks_.size() * (chunk_bytes_ + kPadding) + seam_.capacity();
}

bool ChunkedLines::holds(std::string_view text, std::size_t after) const {
  auto inside = [&](const char* begin, std::size_t size) {
    return text.data() >= begin && text.data() + text.size() + after <= begin + size;
  };
  return inside(seam_.data(), seam_.size()) ||
         std::any_of(chunks_.begin(), chunks_.end(), [&](const Chunk& chunk) {
           return inside(chunk.data.get(), chunk_bytes_ + kPadding);
         });
}

}  // namespace rolewatch::stream
