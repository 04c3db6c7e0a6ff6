// The practical limit for replay throughput: a bare simdjson On-Demand pass
// over the same lines that reads only properties.category of each record.
// Prints records, bytes and seconds.
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: rolewatch_bench_bare FILE\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "cannot read " << argv[1] << '\n';
    return 2;
  }
  simdjson::ondemand::parser parser;
  std::string line;
  std::string buffer;
  std::uint64_t records = 0, role = 0, bytes = 0;
  auto start = std::chrono::steady_clock::now();
  while (std::getline(in, line)) {
    bytes += line.size() + 1;
    buffer.assign(line);
    buffer.resize(line.size() + simdjson::SIMDJSON_PADDING);
    auto doc = parser.iterate(buffer.data(), line.size(), buffer.size());
    simdjson::ondemand::array list;
    if (doc["records"].get_array().get(list)) continue;
    for (auto record : list) {
      std::string_view category;
      ++records;
      if (!record["properties"]["category"].get_string().get(category) &&
          category == "RoleManagement") {
        ++role;
      }
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("records=%llu role=%llu bytes=%llu seconds=%.3f\n",
              static_cast<unsigned long long>(records), static_cast<unsigned long long>(role),
              static_cast<unsigned long long>(bytes), seconds);
  return 0;
}
