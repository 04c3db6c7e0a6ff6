// FileSource (stream/source/file_source.hpp): the lines of a replayed file
// handed over as messages that carry the padding behind them in the chunk
// (the decoder parses them in place), a file read ahead to its end before the
// replay starts is still read, a file cut short while it is read stops the
// replay with that error, lines appended after it was opened are not read,
// and a file that cannot be opened is an error, never an empty input.
#include "stream/source/file_source.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "stream/source/chunked_lines.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch::stream;

TEST_CASE("replayed lines are handed over with padding behind them, blank lines left out",
          "[file_source]") {
  support::TempDir dir;
  const auto file = (dir.path() / "lines.jsonl").string();
  std::ofstream(file) << "{\"a\":1}\n\n   \n{\"b\":2}\n{\"c\":3}";
  EventClock clock;
  FileSource source({file}, clock, 2, 1024);
  std::vector<std::string> payloads;
  std::vector<std::int64_t> numbers;
  std::vector<bool> in_place;
  auto status = source.run([&](std::span<const SourceMessage> messages) {
    for (const auto& message : messages) {
      in_place.push_back(message.padding >= ChunkedLines::kPadding);
      payloads.emplace_back(message.payload);
      numbers.push_back(message.offset);
    }
    return rolewatch::ok();
  });
  REQUIRE(status);
  CHECK(payloads == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"});
  CHECK(numbers == std::vector<std::int64_t>{1, 4, 5});
  // The last line has no '\n' in the file; it is handed over from the seam,
  // with its own '\n' and padding behind it.
  CHECK(in_place == std::vector<bool>{true, true, true});
  CHECK(source.messages() == 3);
}

TEST_CASE("lines read from standard input carry the chunk's padding", "[file_source]") {
  std::istringstream input("{\"a\":1}\n{\"b\":2}\n");
  auto* saved = std::cin.rdbuf(input.rdbuf());
  EventClock clock;
  std::vector<std::size_t> paddings;
  auto status = FileSource({"-"}, clock, 10, 1024).run([&](std::span<const SourceMessage> batch) {
    for (const auto& message : batch) paddings.push_back(message.padding);
    return rolewatch::ok();
  });
  std::cin.rdbuf(saved);
  REQUIRE(status);
  CHECK(paddings == std::vector<std::size_t>{ChunkedLines::kPadding, ChunkedLines::kPadding});
}

TEST_CASE("a replay file cut short while it is read stops the replay with that error",
          "[file_source]") {
  support::TempDir dir;
  const auto file = (dir.path() / "shrinking.jsonl").string();
  {
    std::ofstream out(file);
    const std::string line = "{\"records\":[]}" + std::string(1000, ' ') + "\n";
    for (int i = 0; i < 12 * 1024; ++i) out << line;  // 12 MiB: three ranges
  }
  EventClock clock;
  FileSource source({file}, clock, 256, 1 << 20);
  std::filesystem::resize_file(file, 4096);  // the first range may be scanned already
  auto status = source.run([](std::span<const SourceMessage>) { return rolewatch::ok(); });
  REQUIRE_FALSE(status);
  CHECK_THAT(status.error().message, Catch::Contains(file + ": the file was cut short"));
}

TEST_CASE("lines appended to a replay file after it was opened are left for the next replay",
          "[file_source]") {
  support::TempDir dir;
  const auto file = (dir.path() / "growing.jsonl").string();
  std::ofstream(file) << "{\"a\":1}\n{\"b\":2}\n";
  EventClock clock;
  FileSource source({file}, clock, 10, 1024);
  std::ofstream(file, std::ios::app) << "{\"c\":3}\n";
  std::vector<std::string> payloads;
  auto status = source.run([&](std::span<const SourceMessage> messages) {
    for (const auto& message : messages) payloads.emplace_back(message.payload);
    return rolewatch::ok();
  });
  REQUIRE(status);
  CHECK(payloads == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"});
}

TEST_CASE("a replay file that cannot be opened is an error, not an empty input", "[file_source]") {
  support::TempDir dir;
  const auto file = (dir.path() / "gone.jsonl").string();
  EventClock clock;
  FileSource source({file}, clock, 10, 1024);
  bool called = false;
  auto status = source.run([&](std::span<const SourceMessage>) {
    called = true;
    return rolewatch::ok();
  });
  REQUIRE_FALSE(status);
  CHECK_THAT(status.error().message, Catch::Contains("cannot open " + file));
  CHECK_FALSE(called);
}

TEST_CASE("a small file read ahead to its end before the replay starts is replayed, not unopened",
          "[file_source]") {
  // The read ahead hits the end of a small file at once and sets the
  // stream's end and fail bits: whether the file opened is decided before.
  support::TempDir dir;
  const auto file = (dir.path() / "small.jsonl").string();
  std::ofstream(file) << "{\"a\":1}\n";
  EventClock clock;
  FileSource source({file}, clock, 10, 1024);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::size_t seen = 0;
  auto status = source.run([&](std::span<const SourceMessage> messages) {
    seen += messages.size();
    return rolewatch::ok();
  });
  INFO((status ? std::string() : status.error().message));
  REQUIRE(status);
  CHECK(seen == 1);
}
