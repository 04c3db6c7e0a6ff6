#pragma once
// `rolewatch state check`: is the state directory readable to the last
// byte? RocksDB finds a damaged block only when it reads it, which for a
// running sidecar means a failure at some later batch, after every restart
// (docs/live-stream-and-recovery.md "Corrupt state"). This reads everything
// once, offline: the MANIFEST and the write-ahead logs (by opening), every
// block of every table file (checksums), every key of every column family,
// and decodes the values rolewatch wrote, then says what is damaged, where.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "state/base/expected.hpp"

namespace rolewatch::state {

struct FamilyCheck {
  std::string name;
  std::uint64_t keys = 0;         // keys read before the end or the first read error
  std::uint64_t undecodable = 0;  // values rolewatch could not decode
  bool read_error = false;        // iterating the family stopped on an error
};

struct TableFileCheck {
  std::filesystem::path path;
  std::string family;
  std::uint64_t bytes = 0;
  bool ok = true;
};

struct CheckProblem {
  std::string where;  // a file, "family NAME", or "open"
  std::string what;
};

struct CheckReport {
  std::filesystem::path dir;
  // MANIFEST and logs read (perhaps skipping damaged log records, then a
  // problem says so); false: nothing else could be checked.
  bool opened = false;
  std::vector<FamilyCheck> families;
  std::vector<TableFileCheck> table_files;
  std::vector<CheckProblem> problems;
  bool clean() const { return problems.empty(); }
};

// Errors (nothing could be checked): not_found (no directory),
// invalid_argument (no RocksDB state in it), failure (in use by a running
// rolewatch). Damage is not an error: it is in the report's problems.
Expected<CheckReport> check_state(const std::filesystem::path& dir);

}  // namespace rolewatch::state
