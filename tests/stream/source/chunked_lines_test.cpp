// ChunkedLines (stream/source/chunked_lines.hpp): lines as views into one
// buffer, a line over the limit dropped as it is read (never held whole),
// and the buffer back to one chunk after a long line.
#include "stream/source/chunked_lines.hpp"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <sstream>

using namespace rolewatch::stream;

namespace {

// Every line of the input: its text, or "<dropped N>" for an over-long one.
std::vector<std::string> all_lines(std::istream& in, std::size_t max_line, std::size_t chunk) {
  ChunkedLines chunks(in, max_line, chunk);
  std::vector<std::string> out;
  std::vector<Line> lines;
  while (chunks.next(lines)) {
    for (const auto& line : lines) {
      out.push_back(line.dropped_bytes > 0 ? "<dropped " + std::to_string(line.dropped_bytes) + ">"
                                           : std::string(line.text));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("lines come out whole across chunk boundaries", "[chunked_lines]") {
  std::istringstream in("alpha\nbravo\ncharlie\ndelta");
  CHECK(all_lines(in, 100, 4) == std::vector<std::string>{"alpha", "bravo", "charlie", "delta"});
}

TEST_CASE("a line over the limit is dropped and counted, its neighbours kept", "[chunked_lines]") {
  const std::string huge(1000, 'x');
  std::istringstream in("before\n" + huge + "\nafter\n");
  CHECK(all_lines(in, 64, 16) == std::vector<std::string>{"before", "<dropped 1000>", "after"});
}

TEST_CASE("an over-long last line without a newline is dropped too", "[chunked_lines]") {
  std::istringstream in("ok\n" + std::string(300, 'y'));
  CHECK(all_lines(in, 64, 16) == std::vector<std::string>{"ok", "<dropped 300>"});
}

TEST_CASE("a line exactly at the limit is kept", "[chunked_lines]") {
  const std::string edge(64, 'z');
  std::istringstream in(edge + "\n" + std::string(65, 'w') + "\nend");
  CHECK(all_lines(in, 64, 8) == std::vector<std::string>{edge, "<dropped 65>", "end"});
}

// A streambuf producing a 100 MB line without holding it: what the reader
// keeps is what this test measures.
class HugeLine : public std::streambuf {
 public:
  explicit HugeLine(std::size_t bytes) : left_(bytes) {}

 protected:
  int_type underflow() override {
    if (left_ == 0) {
      if (tail_sent_) return traits_type::eof();
      tail_sent_ = true;
      static char tail[] = "\n{\"records\":[]}\n";
      setg(tail, tail, tail + sizeof(tail) - 1);
      return traits_type::to_int_type(*gptr());
    }
    auto n = std::min(left_, block_.size());
    left_ -= n;
    setg(block_.data(), block_.data(), block_.data() + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::size_t left_;
  bool tail_sent_ = false;
  std::array<char, 1 << 16> block_{[] {
    std::array<char, 1 << 16> a{};
    a.fill('a');
    return a;
  }()};
};

TEST_CASE("a 100 MB line is skipped without holding more than the limit", "[chunked_lines]") {
  HugeLine source(100u << 20);
  std::istream in(&source);
  ChunkedLines chunks(in, 1u << 20, 256u << 10);
  std::vector<Line> lines;
  std::vector<std::string> seen;
  std::size_t most = 0;
  while (chunks.next(lines)) {
    most = std::max(most, chunks.buffer_capacity());
    for (const auto& line : lines) {
      seen.push_back(line.dropped_bytes > 0 ? std::to_string(line.dropped_bytes)
                                            : std::string(line.text));
    }
  }
  CHECK(seen == std::vector<std::string>{std::to_string(100u << 20), "{\"records\":[]}"});
  CHECK(most <= (2u << 20) + (512u << 10));  // two limits at most, never the 100 MB
}
