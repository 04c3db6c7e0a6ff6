// MappedLines (stream/source/mapped_lines.hpp): a regular file's lines as
// views into its mapping, split the same way at any range size and
// whichever thread scans which 64 KiB step, one reader thread at the idle
// priority that nothing waits for, with the padding the decoder may read
// behind each; a line over the limit skipped and counted; the pages of
// ranges handed out dropped (resident memory does not grow with the file);
// a file cut short while mapped reported, not a crash; and a bus error
// outside our mappings still kills the process.
#include "stream/source/mapped_lines.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>

#include "support/temp_dir.hpp"

using namespace rolewatch::stream;

namespace {

std::string write_file(const support::TempDir& dir, const std::string& text) {
  const auto path = (dir.path() / "input.jsonl").string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// Every line of the file: its text, or "<dropped N>" for an over-long one.
std::vector<std::string> all_lines(MappedLines& mapped) {
  std::vector<std::string> out;
  std::vector<Line> lines;
  while (mapped.next(lines)) {
    for (const auto& line : lines) {
      out.push_back(line.dropped_bytes > 0 ? "<dropped " + std::to_string(line.dropped_bytes) + ">"
                                           : std::string(line.text));
    }
  }
  return out;
}

std::size_t resident_file_kb() {  // RssFile of this process
  std::ifstream status("/proc/self/status");
  for (std::string key; status >> key;) {
    std::size_t kb = 0;
    if (key == "RssFile:" && status >> kb) return kb;
    status.ignore(1 << 10, '\n');
  }
  return 0;
}

}  // namespace

TEST_CASE("a mapped file's lines come out whole whatever the range size", "[mapped_lines]") {
  support::TempDir dir;
  const auto path = write_file(dir, "alpha\nbravo\n\ncharlie\r\ndelta");
  const std::vector<std::string> expected{"alpha", "bravo", "", "charlie\r", "delta"};
  for (const std::size_t range : {1, 3, 6, 7, 64, 4096}) {
    for (const bool ahead : {false, true}) {
      auto mapped = MappedLines::open(path, 100, range, ahead);
      REQUIRE(mapped);
      INFO("range " << range << " read ahead " << ahead);
      CHECK(all_lines(*mapped) == expected);
      CHECK(mapped->status());
    }
  }
}

TEST_CASE("lines across the 64 KiB scan steps come out whole, whichever thread scans a step",
          "[mapped_lines]") {
  // ~1.5 MB of lines from 0 to 40,000 bytes: many straddle a step boundary,
  // some ranges end inside a step, and the reader and the caller share the
  // steps of a range in whatever proportion the scheduler gives them.
  support::TempDir dir;
  std::vector<std::string> expected;
  std::string text;
  std::uint32_t seed = 7;
  while (text.size() < 1'500'000) {
    seed = seed * 1664525u + 1013904223u;
    const std::size_t length = (seed >> 8) % 40'000 / (seed % 5 == 0 ? 1000 : 1);
    expected.push_back(std::string(length, static_cast<char>('a' + expected.size() % 26)));
    text += expected.back() + '\n';
  }
  const auto path = write_file(dir, text);
  for (const std::size_t range : {std::size_t{65'536}, std::size_t{65'537}, std::size_t{300'000},
                                  MappedLines::kDefaultRange}) {
    for (const bool ahead : {false, true}) {
      auto mapped = MappedLines::open(path, 1 << 20, range, ahead);
      REQUIRE(mapped);
      INFO("range " << range << " read ahead " << ahead);
      CHECK(all_lines(*mapped) == expected);
    }
  }
}

TEST_CASE("one line reader thread, at the idle priority, serves every mapped file",
          "[mapped_lines]") {
  support::TempDir dir;
  const auto path = write_file(dir, "alpha\nbravo\n");
  const auto idle_threads = [] {  // threads of this process whose policy is SCHED_IDLE
    int count = 0;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream stat(task.path() / "stat");
      std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
      std::istringstream fields(text.substr(text.rfind(')') + 2));  // after "pid (comm) "
      std::string field;
      for (int index = 3; index <= 41 && fields >> field; ++index) {
        if (index == 41 && std::stoi(field) == SCHED_IDLE) ++count;
      }
    }
    return count;
  };
  auto first = MappedLines::open(path, 100, 4096, true);
  auto second = MappedLines::open(path, 100, 4096, true);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(all_lines(*first) == std::vector<std::string>{"alpha", "bravo"});
  // The thread sets its own policy as it starts: give it a moment.
  for (int tries = 0; tries < 200 && idle_threads() == 0; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(idle_threads() == 1);
}

TEST_CASE("a reader thread that holds a step and never runs does not hold up the lines",
          "[mapped_lines]") {
  // As on a busy machine, where an idle-priority thread may wait seconds for
  // a core: the reader claims a step and stops there. The caller scans that
  // step itself; nothing waits for the reader.
  support::TempDir dir;
  std::vector<std::string> expected;
  std::string text;
  for (int i = 0; i < 2000; ++i) {
    expected.push_back(std::string(100 + i % 700, static_cast<char>('a' + i % 26)));
    text += expected.back() + '\n';
  }
  const auto path = write_file(dir, text);
  MappedLines::hold_reader_for_tests(true);
  auto mapped = MappedLines::open(path, 1 << 20, 200'000, true);
  REQUIRE(mapped);
  const auto lines = all_lines(*mapped);
  MappedLines::hold_reader_for_tests(false);
  CHECK(lines == expected);
}

TEST_CASE("a mapped line carries the readable bytes behind it; the last without a newline none",
          "[mapped_lines]") {
  support::TempDir dir;
  const auto path = write_file(dir, "{\"a\":1}\n{\"b\":2}\n{\"c\":3}");
  auto mapped = MappedLines::open(path, 100);
  REQUIRE(mapped);
  std::vector<Line> lines;
  REQUIRE(mapped->next(lines));
  REQUIRE(lines.size() == 3);
  const long page = ::sysconf(_SC_PAGESIZE);
  CHECK(lines[0].padding == static_cast<std::size_t>(page) - 7);  // to the end of the page
  CHECK(lines[0].text.data()[lines[0].text.size()] == '\n');
  CHECK(lines[1].padding == static_cast<std::size_t>(page) - 15);
  CHECK(lines[2].padding == 0);  // the decoder parses a padded copy
}

TEST_CASE("a mapped line over the limit is skipped and counted, its neighbours kept",
          "[mapped_lines]") {
  support::TempDir dir;
  const auto path = write_file(dir, "before\n" + std::string(1000, 'x') + "\nafter\n" +
                                        std::string(64, 'z') + "\n" + std::string(300, 'y'));
  for (const std::size_t range : {16, 4096}) {
    auto mapped = MappedLines::open(path, 64, range, false);
    REQUIRE(mapped);
    CHECK(all_lines(*mapped) == std::vector<std::string>{"before", "<dropped 1000>", "after",
                                                         std::string(64, 'z'), "<dropped 300>"});
  }
}

TEST_CASE("a file that cannot be mapped is left to the chunked reader", "[mapped_lines]") {
  support::TempDir dir;
  CHECK_FALSE(MappedLines::open(write_file(dir, ""), 100));  // empty: nothing to map
  CHECK_FALSE(MappedLines::open(dir.path().string(), 100));  // a directory
  CHECK_FALSE(MappedLines::open((dir.path() / "missing").string(), 100));
}

TEST_CASE("the pages of ranges handed out are dropped: resident memory does not grow with the file",
          "[mapped_lines]") {
  support::TempDir dir;
  const std::string line = std::string(1023, 'r') + "\n";
  std::string text;
  for (int i = 0; i < 64 * 1024; ++i) text += line;  // 64 MiB
  const auto path = write_file(dir, text);
  std::string().swap(text);
  const std::size_t before = resident_file_kb();
  auto mapped = MappedLines::open(path, 1 << 20);
  REQUIRE(mapped);
  std::size_t lines_read = 0;
  std::size_t most = 0;
  std::vector<Line> lines;
  while (mapped->next(lines)) {
    lines_read += lines.size();
    most = std::max(most, resident_file_kb());
  }
  CHECK(lines_read == 64 * 1024);
  // Three 4 MiB ranges at most (handed out, scanned ahead, one being released).
  CHECK(most - std::min(most, before) < mapped->resident_limit() / 1024);
}

TEST_CASE("a mapped file cut short while it is read is reported, not a crash", "[mapped_lines]") {
  support::TempDir dir;
  std::string text;
  for (int i = 0; i < 3 * 1024; ++i) text += std::string(1023, 'c') + "\n";  // 3 MiB
  const auto path = write_file(dir, text);
  auto mapped = MappedLines::open(path, 1 << 20, 64 * 1024, false);
  REQUIRE(mapped);
  std::filesystem::resize_file(path, 1 << 20);  // another process truncates it
  std::vector<Line> lines;
  std::size_t read = 0;
  while (mapped->next(lines)) read += lines.size();
  CHECK(read >= 1024);  // the first MiB whole; what follows came from zero pages
  REQUIRE_FALSE(mapped->status());
  CHECK_THAT(mapped->status().error().message,
             Catch::Contains("cut short while it was read (it had 3145728 bytes when opened)"));
}

TEST_CASE("a bus error outside the mapped files still kills the process", "[mapped_lines]") {
  support::TempDir dir;
  const auto ours = write_file(dir, "a line\n");
  auto mapped = MappedLines::open(ours, 100);  // the handler is installed
  REQUIRE(mapped);
  const auto other = (dir.path() / "other").string();
  std::ofstream(other) << std::string(8192, 'o');
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const int fd = ::open(other.c_str(), O_RDWR);
    auto* data = static_cast<volatile char*>(::mmap(nullptr, 8192, PROT_READ, MAP_SHARED, fd, 0));
    if (::ftruncate(fd, 0) != 0) ::_exit(3);
    const char byte = data[4096];  // past the file's new end: SIGBUS
    ::_exit(byte == 0 ? 4 : 5);    // reached only if the error was swallowed
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK_FALSE((WIFEXITED(status) && WEXITSTATUS(status) >= 3));  // not swallowed
#if !defined(__SANITIZE_ADDRESS__)  // AddressSanitizer reports it and exits instead
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGBUS);
#endif
}
