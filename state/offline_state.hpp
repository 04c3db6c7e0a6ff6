#pragma once
// A state directory looked at from outside a running rolewatch, for the
// state tools (`rolewatch state check|reset`, docs/live-stream-and-recovery.md
// "Corrupt state"): RocksDB's LOCK file taken first, so that nothing is
// running on the state and no `run` starts meanwhile, then the database
// opened read-only with every column family it has, without writing a byte
// into the directory (no LOG rotation, no flush). Store (store.hpp) is for a
// healthy state; this is for one that may be damaged.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "state/base/expected.hpp"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Env;
class FileLock;
}  // namespace rocksdb

namespace rolewatch::state {

// The directory exists (else not_found) and holds a RocksDB database, or
// what is left of one (CURRENT, a MANIFEST, a table or a log file; else
// invalid_argument, so a mistyped path is never moved aside).
Status require_state_directory(const std::filesystem::path& dir);

// Holds DIR/LOCK as RocksDB does (fcntl), released when destroyed. Fails
// (ErrorCode::failure) while another process, or a Store in this process,
// has the state open.
class StateLock {
 public:
  static Expected<std::unique_ptr<StateLock>> acquire(const std::filesystem::path& dir);
  ~StateLock();
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

 private:
  StateLock() = default;
  rocksdb::Env* env_ = nullptr;
  rocksdb::FileLock* lock_ = nullptr;
};

enum class OpenMode {
  // Paranoid checks on; a corrupt record inside a write-ahead log fails the
  // open (an incomplete last record, as a crash leaves, does not).
  verify,
  // Salvage as much as can be read: corrupt log records are skipped.
  salvage,
};

class OfflineDatabase {
 public:
  // The error is RocksDB's own (it names the file where it can). Call with
  // the StateLock held.
  static Expected<std::unique_ptr<OfflineDatabase>> open(const std::filesystem::path& dir,
                                                         OpenMode mode);
  ~OfflineDatabase();
  OfflineDatabase(const OfflineDatabase&) = delete;
  OfflineDatabase& operator=(const OfflineDatabase&) = delete;

  rocksdb::DB& db() { return *db_; }
  // The column families present (the default one included), in MANIFEST order.
  const std::vector<std::string>& family_names() const { return names_; }
  // Null when the family is not there.
  rocksdb::ColumnFamilyHandle* handle(std::string_view name) const;

 private:
  OfflineDatabase() = default;
  std::vector<std::string> names_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace rolewatch::state
