#include "stream/source/chunked_lines.hpp"

#include <cstring>

namespace rolewatch::stream {

ChunkedLines::ChunkedLines(std::istream& in, std::size_t chunk_bytes)
    : in_(in), chunk_bytes_(chunk_bytes) {}

bool ChunkedLines::fill() {
  // Carry the unfinished line to the front, then read behind it.
  std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
  if (buffer_.size() < end_ + chunk_bytes_) buffer_.resize(end_ + chunk_bytes_);
  in_.read(buffer_.data() + end_, static_cast<std::streamsize>(chunk_bytes_));
  auto got = static_cast<std::size_t>(in_.gcount());
  end_ += got;
  return got > 0;
}

bool ChunkedLines::next(std::vector<std::string_view>& lines) {
  lines.clear();
  for (;;) {
    bool more = fill();
    std::string_view text(buffer_.data() + begin_, end_ - begin_);
    std::size_t start = 0;
    for (auto nl = text.find('\n'); nl != std::string_view::npos; nl = text.find('\n', start)) {
      lines.push_back(text.substr(start, nl - start));
      start = nl + 1;
    }
    if (!more && start < text.size()) {  // the last line has no '\n'
      lines.push_back(text.substr(start));
      start = text.size();
    }
    begin_ += start;
    if (!lines.empty() || !more) return !lines.empty();
    chunk_bytes_ *= 2;  // one line longer than a chunk
  }
}

}  // namespace rolewatch::stream
