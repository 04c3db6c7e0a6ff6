// The practical limit for replay throughput: a bare simdjson On-Demand pass
// over the same lines that reads only properties.category of each record.
//
// The file is loaded into memory first (not timed), each line is parsed in
// place (the next line's bytes are its padding) and only the pass is timed:
// this is the "in-memory bare pass" issue 14's ratios are against. The
// process's own elapsed time (load included) is the "whole process" figure
// scripts/bench.sh takes with /usr/bin/time. Prints records, bytes, and the
// load and pass seconds.
#include <simdjson.h>
#include <sys/mman.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string_view>

namespace {

struct Counts {
  std::uint64_t records = 0, role = 0;
};

// Memory for the whole file on 2 MiB boundaries with transparent huge pages
// asked for, and not zeroed: a std::string of 400 MB filled with spaces took
// 2 s here, most of it faulting pages in one by one (as replay's chunks do,
// stream/source/chunked_lines.cpp).
struct FreeText {
  void operator()(char* text) const { std::free(text); }
};
using Text = std::unique_ptr<char, FreeText>;

Text allocate_text(std::size_t bytes) {
  constexpr std::size_t kHugePage = 2u << 20;
  const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  Text text(static_cast<char*>(std::aligned_alloc(kHugePage, rounded)));
  if (text) ::madvise(text.get(), rounded, MADV_HUGEPAGE);
  return text;
}

void pass_line(simdjson::ondemand::parser& parser, const char* text, std::size_t size,
               std::size_t begin, std::size_t end, Counts& counts) {
  auto doc = parser.iterate(text + begin, end - begin, size - begin);
  simdjson::ondemand::array list;
  if (doc["records"].get_array().get(list)) return;
  for (auto record : list) {
    std::string_view category;
    ++counts.records;
    if (!record["properties"]["category"].get_string().get(category) &&
        category == "RoleManagement") {
      ++counts.role;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: rolewatch_bench_bare FILE\n";
    return 2;
  }
  const auto load_start = std::chrono::steady_clock::now();
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << argv[1] << '\n';
    return 2;
  }
  // One read of the whole file (as fast as the kernel copies it), so the
  // whole-process figure is the pass plus the cheapest possible load.
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(in.tellg());
  in.seekg(0);
  const std::size_t allocated = size + simdjson::SIMDJSON_PADDING;  // the last line's padding
  auto text = allocate_text(allocated);
  if (!text) {
    std::cerr << "cannot allocate " << allocated << " bytes\n";
    return 2;
  }
  in.read(text.get(), static_cast<std::streamsize>(size));
  const auto bytes = static_cast<std::size_t>(in.gcount());
  std::memset(text.get() + bytes, ' ', allocated - bytes);
  const auto start = std::chrono::steady_clock::now();
  simdjson::ondemand::parser parser;
  Counts counts;
  const std::string_view lines(text.get(), bytes);
  for (std::size_t begin = 0; begin < bytes;) {
    std::size_t end = lines.find('\n', begin);
    if (end == std::string_view::npos) end = bytes;
    if (end > begin) pass_line(parser, text.get(), allocated, begin, end, counts);
    begin = end + 1;
  }
  const auto done = std::chrono::steady_clock::now();
  std::printf("records=%llu role=%llu bytes=%llu load_seconds=%.3f seconds=%.3f\n",
              static_cast<unsigned long long>(counts.records),
              static_cast<unsigned long long>(counts.role), static_cast<unsigned long long>(bytes),
              std::chrono::duration<double>(start - load_start).count(),
              std::chrono::duration<double>(done - start).count());
  return 0;
}
