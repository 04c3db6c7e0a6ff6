#pragma once
// Reads a stream in big chunks and hands out its lines as views into one
// reused buffer: no per-line copy and no per-line allocation. Replay reads
// GBs of ~200 KB Event Hubs messages; copying each line (getline, then into
// a batch) cost as much as decoding it.
#include <cstddef>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace rolewatch::stream {

class ChunkedLines {
 public:
  explicit ChunkedLines(std::istream& in, std::size_t chunk_bytes = 4u << 20);

  // The complete lines of the next chunk (without '\n'), valid until the next
  // call; a line longer than the chunk grows it. False at the end of input.
  bool next(std::vector<std::string_view>& lines);

 private:
  // Appends up to `chunk_bytes_` from the stream; false when nothing came.
  bool fill();

  std::istream& in_;
  std::size_t chunk_bytes_;
  std::string buffer_;
  std::size_t begin_ = 0;  // start of the bytes not yet handed out
  std::size_t end_ = 0;    // end of the bytes read
};

}  // namespace rolewatch::stream
