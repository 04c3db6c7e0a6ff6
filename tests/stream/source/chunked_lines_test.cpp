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

// The decoder parses lines in place (issue 14): simdjson reads up to 64
// bytes past a line's end, so each must lie in the buffer with kPadding
// after it, the last line of the input (no '\n', nothing behind it) too.
TEST_CASE("every line is followed by kPadding readable bytes in the buffer, the last one too",
          "[chunked_lines]") {
  const std::size_t chunk = GENERATE(std::size_t{4}, std::size_t{16}, std::size_t{1} << 20);
  std::istringstream in("alpha\nbravo charlie\n\ndelta-echo-foxtrot\nlast line, no newline");
  ChunkedLines chunks(in, 100, chunk);
  std::vector<Line> lines;
  std::vector<std::string> seen;
  while (chunks.next(lines)) {
    for (const auto& line : lines) {
      CHECK(chunks.holds(line.text, ChunkedLines::kPadding));
      seen.emplace_back(line.text);
    }
  }
  CHECK(seen == std::vector<std::string>{"alpha", "bravo charlie", "", "delta-echo-foxtrot",
                                         "last line, no newline"});
}

// The decoder relies on it: the byte after a line is what simdjson reads
// past the end of a document cut short, so it is always a '\n'.
TEST_CASE("every line is followed by a newline in the buffer, the last one too",
          "[chunked_lines]") {
  std::istringstream in("first\nsecond\nlast, no newline");
  ChunkedLines chunks(in, 100, 8);
  std::vector<Line> lines;
  std::size_t seen = 0;
  while (chunks.next(lines)) {
    for (const auto& line : lines) {
      REQUIRE(chunks.holds(line.text, 1));
      CHECK(line.text.data()[line.text.size()] == '\n');
      ++seen;
    }
  }
  CHECK(seen == 3);
}

// Read-ahead (regular files): the next chunk is read on another thread while
// the caller works on this one; the lines, their order and their padding
// are the same as without, whatever the chunk size.
TEST_CASE("reading ahead gives the same lines as reading on demand", "[chunked_lines]") {
  std::string text;
  for (int i = 0; i < 500; ++i) {
    text += std::string(static_cast<std::size_t>((i * 37) % 90), 'a' + static_cast<char>(i % 26));
    text += i % 7 == 0 ? "\n\n" : "\n";
  }
  text += std::string(200, 'x') + "\nlast without newline";
  const std::size_t chunk = GENERATE(std::size_t{7}, std::size_t{64}, std::size_t{1000});
  std::istringstream on_demand(text);
  std::istringstream ahead(text);
  ChunkedLines reader(ahead, 120, chunk, true);
  std::vector<std::string> seen;
  std::vector<Line> lines;
  while (reader.next(lines)) {
    for (const auto& line : lines) {
      if (line.dropped_bytes == 0) CHECK(reader.holds(line.text, ChunkedLines::kPadding));
      seen.push_back(line.dropped_bytes > 0 ? "<dropped " + std::to_string(line.dropped_bytes) + ">"
                                            : std::string(line.text));
    }
  }
  CHECK(seen == all_lines(on_demand, 120, chunk));
  CHECK(seen.back() == "last without newline");
  CHECK(std::count(seen.begin(), seen.end(), "<dropped 200>") == 1);
}

TEST_CASE("a reader stopped early with a read in flight closes cleanly", "[chunked_lines]") {
  std::istringstream in(std::string(1u << 20, 'a') + "\nb\n");
  {
    ChunkedLines reader(in, 4u << 20, 4096, true);
    std::vector<Line> lines;
    CHECK(reader.next(lines));  // the rest is still being read ahead
  }
  SUCCEED("destroyed while reading ahead");
}

// A regular file's size when opened is what is read (FileSource passes it).
TEST_CASE("a file is read up to its size when opened, and bytes appended later are left",
          "[chunked_lines]") {
  const std::string text = "alpha\nbravo\ncharlie\n";
  const bool ahead = GENERATE(false, true);
  std::istringstream in(text + "appended\nlater\n");
  ChunkedLines reader(in, 100, 5, ahead, text.size());
  std::vector<std::string> seen;
  std::vector<Line> lines;
  while (reader.next(lines)) {
    for (const auto& line : lines) seen.emplace_back(line.text);
  }
  CHECK(seen == std::vector<std::string>{"alpha", "bravo", "charlie"});
  CHECK(reader.status());
}

TEST_CASE("a file that ends before its size when opened is reported as cut short",
          "[chunked_lines]") {
  const bool ahead = GENERATE(false, true);
  std::istringstream in("alpha\nbravo\nchar");  // 16 bytes of the 40 there were
  ChunkedLines reader(in, 100, 8, ahead, 40);
  std::vector<std::string> seen;
  std::vector<Line> lines;
  while (reader.next(lines) && reader.status()) {
    for (const auto& line : lines) seen.emplace_back(line.text);
  }
  CHECK(seen == std::vector<std::string>{"alpha", "bravo"});  // the lines before the cut
  REQUIRE_FALSE(reader.status());
  CHECK(reader.status().error().message ==
        "the file was cut short while it was read (it had 40 bytes when opened); lines from "
        "there on are lost");
}

TEST_CASE("input of unknown size (a pipe) is read to its end and is never cut short",
          "[chunked_lines]") {
  std::istringstream in("alpha\nbravo");
  ChunkedLines reader(in, 100, 4);
  std::vector<Line> lines;
  std::size_t count = 0;
  while (reader.next(lines)) count += lines.size();
  CHECK(count == 2);
  CHECK(reader.status());
}
