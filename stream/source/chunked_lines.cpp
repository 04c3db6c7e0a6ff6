#include "stream/source/chunked_lines.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string>

namespace rolewatch::stream {

namespace {

constexpr std::size_t kHugePage = 2u << 20;

// Chunk memory of a MiB or more sits on 2 MiB boundaries with transparent
// huge pages asked for: the default chunk's first fill faults 2 pages
// instead of 1,024 (a fault costs microseconds on a virtual machine).
char* allocate_chunk(std::size_t bytes) {
  const bool huge = bytes >= kHugePage / 2;
  const std::size_t align = huge ? kHugePage : alignof(std::max_align_t);
  const std::size_t rounded = (bytes + align - 1) / align * align;
  auto* data = static_cast<char*>(std::aligned_alloc(align, rounded));
  if (data == nullptr) throw std::bad_alloc();
  if (huge) ::madvise(data, rounded, MADV_HUGEPAGE);  // advice only: without THP, small pages
  return data;
}

}  // namespace

void ChunkedLines::FreeChunk::operator()(char* data) const {
  std::free(data);
}

ChunkedLines::ChunkedLines(std::istream& in, std::size_t max_line_bytes, std::size_t chunk_bytes,
                           bool read_ahead, std::optional<std::uint64_t> size)
    : in_(in),
      max_line_(std::max<std::size_t>(max_line_bytes, 1)),
      chunk_bytes_(std::clamp<std::size_t>(std::min(chunk_bytes, max_line_ + 1), 1,
                                           std::numeric_limits<std::uint32_t>::max() / 2)),
      size_(size) {
  // Not zeroed: a page costs only when a read first fills it.
  for (auto& chunk : chunks_) chunk.data.reset(allocate_chunk(chunk_bytes_ + kPadding));
  if (read_ahead) reader_ = std::make_unique<JobThread>();
  start_read();
}

ChunkedLines::~ChunkedLines() = default;

void ChunkedLines::fill(Chunk& chunk) {
  std::uint64_t wanted = chunk_bytes_;
  if (size_) wanted = std::min(wanted, *size_ - read_);  // read_ never passes *size_
  chunk.got = 0;
  if (wanted > 0) {
    in_.read(chunk.data.get(), static_cast<std::streamsize>(wanted));
    chunk.got = static_cast<std::size_t>(in_.gcount());
  }
  read_ += chunk.got;
  chunk.short_read = size_.has_value() && chunk.got < wanted;
  std::memset(chunk.data.get() + chunk.got, ' ', kPadding);  // what simdjson may read past a line
  chunk.newlines.clear();
  const char* begin = chunk.data.get();
  const char* end = begin + chunk.got;
  for (const char* at = begin; (at = static_cast<const char*>(std::memchr(at, '\n', end - at)));
       ++at) {
    chunk.newlines.push_back(static_cast<std::uint32_t>(at - begin));
  }
}

void ChunkedLines::start_read() {
  in_flight_ = true;
  if (reader_) reader_->start([this, &chunk = chunks_[reading_]] { fill(chunk); });
}

bool ChunkedLines::finish_read() {
  if (!in_flight_) return false;
  in_flight_ = false;
  if (reader_) {
    reader_->wait();
  } else {
    fill(chunks_[reading_]);  // reading on demand
  }
  if (chunks_[reading_].short_read) cut_short_ = true;
  return chunks_[reading_].got > 0;
}

Status ChunkedLines::status() const {
  if (!cut_short_) return ok();
  return make_error("the file was cut short while it was read (it had " + std::to_string(*size_) +
                    " bytes when opened); lines from there on are lost");
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
  lines.push_back({std::string_view(seam_.data(), size), 0, kPadding});
  seam_emitted_ = true;
}

void ChunkedLines::emit(std::string_view text, std::vector<Line>& lines) const {
  if (text.size() > max_line_) {
    lines.push_back({{}, text.size()});
  } else {
    lines.push_back({text, 0, kPadding});
  }
}

void ChunkedLines::split(const Chunk& chunk, std::vector<Line>& lines) {
  const std::string_view text(chunk.data.get(), chunk.got);
  std::size_t start = 0;
  auto newline = chunk.newlines.begin();
  if (line_in_progress()) {  // a line from earlier chunks ends at the first '\n'
    if (newline == chunk.newlines.end()) {
      extend_seam(text);
      return;
    }
    extend_seam(text.substr(0, *newline));
    finish_seam(lines);
    start = *newline++ + 1;
  }
  for (; newline != chunk.newlines.end(); ++newline) {
    emit(text.substr(start, *newline - start), lines);
    start = *newline + 1;
  }
  tail_ = text.substr(start);  // moved to the seam at the next call
}

bool ChunkedLines::next(std::vector<Line>& lines) {
  lines.clear();
  for (;;) {
    // The caller is done with the last chunk's lines: what is left of it
    // goes to the seam, and it is free for the read after the one pending.
    carry_tail();
    if (!finish_read()) {  // end of input: the last line may have had no '\n'
      if (line_in_progress()) finish_seam(lines);
      return !lines.empty();
    }
    const std::size_t current = reading_;
    reading_ = 1 - reading_;
    start_read();
    split(chunks_[current], lines);
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
