#pragma once
// RocksDB, owned here. One database, one column family per kind of state;
// every change from one input batch goes through one Batch (one WriteBatch),
// so state, offsets and the alert outbox move together or not at all.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "state/base/expected.hpp"

namespace rocksdb {
class DB;
class Env;
class ColumnFamilyHandle;
class Statistics;
class WriteBatch;
}  // namespace rocksdb

namespace rolewatch::state {

enum class Family {
  meta,           // stream time and other scalars
  windows,        // rule/group -> encoded GroupWindow
  window_expiry,  // be64(newest event time) + rule/group -> ""
  dedup,          // audit id -> be64(event time)
  dedup_expiry,   // be64(event time) + audit id -> ""
  offsets,        // topic \0 be32(partition) -> be64(next offset) be64(partition time)
  outbox,         // be64(sequence) -> alert JSON
  deliveries,     // be64(sequence) + sink name -> delivery record
  dead_letters,   // be64(sequence) -> alert JSON
  eligibility,    // snapshot of eligible/active assignments
  activations,    // activation history
  twins,          // MS-PIM twin candidates held for pairing, PIM marks (keys.hpp)
};
inline constexpr int kFamilyCount = 12;
std::string_view family_name(Family family);

// Where a partition stands: the next offset to read and its partition time
// (newest event time read from it; 0 when unknown), written together in the
// batch that consumed up to there (docs/design.md §3, "Event time").
struct PartitionPosition {
  std::int64_t next_offset = 0;
  std::int64_t time = 0;
};
std::string encode_partition_position(const PartitionPosition& position);

class Batch {
 public:
  ~Batch();
  Batch(Batch&&) noexcept;
  void put(Family family, std::string_view key, std::string_view value);
  void erase(Family family, std::string_view key);
  std::size_t size() const;  // number of operations

 private:
  friend class Store;
  explicit Batch(const std::vector<rocksdb::ColumnFamilyHandle*>* handles);
  const std::vector<rocksdb::ColumnFamilyHandle*>* handles_ = nullptr;
  std::unique_ptr<rocksdb::WriteBatch> batch_;
};

struct StoreOptions {
  bool sync_writes = true;  // fsync the WAL on every batch (crash safety)
  // Windows are read at random across actors, so a large cache buys little;
  // index and filter blocks live in it too (docs/design.md §6: RSS < 150 MB).
  std::size_t block_cache_bytes = 16u << 20;
  // A directory deleted after use (replay without --state-dir): no
  // write-ahead log (nothing will ever recover from it, so no log write and
  // no log fsync per batch), no memtable flush at close, and no file or
  // directory synced at all. sync_writes is ignored. Reads within the run
  // see every write.
  bool throwaway = false;
  // RocksDB's tickers and histograms (block cache hits/misses, bloom filter
  // usefulness, bytes read), printed to standard error at close; also on when
  // ROLEWATCH_ROCKSDB_STATISTICS is set in the environment (docs/benchmarks.md,
  // "Profiling the state path"). Costs ~5% CPU.
  bool statistics = false;
};

class Store {
 public:
  static Expected<std::unique_ptr<Store>> open(const std::filesystem::path& dir,
                                               StoreOptions options = {});
  ~Store();

  Expected<std::optional<std::string>> get(Family family, std::string_view key) const;
  // Many keys of one family in one RocksDB MultiGet (one pass over the
  // levels, data blocks read once for neighbouring keys): the value of each
  // key, in the order given, nullopt where absent. Keys sorted ascending
  // save RocksDB a sort; any order gives the same answer.
  Expected<std::vector<std::optional<std::string>>> multi_get(
      Family family, std::span<const std::string_view> keys) const;
  // Applies `batch` atomically.
  Status write(Batch& batch);
  // After a failed write: RocksDB's own recovery (DB::Resume), so that the
  // next write starts on fresh files. Until it succeeds nothing is flushed,
  // not even at close: the failed write-ahead log file must not be touched
  // again (Debian's RocksDB asserts, SIGABRT).
  Status recover();

  // Visits keys in [from, to) in order (empty `to` = to the end) until the
  // visitor returns false.
  using Visitor = std::function<bool(std::string_view key, std::string_view value)>;
  Status scan(Family family, std::string_view from, std::string_view to,
              const Visitor& visit) const;

  // Convenience accessors for the offsets family.
  static std::string offset_key(std::string_view topic, std::int32_t partition);
  Expected<std::optional<std::int64_t>> next_offset(std::string_view topic,
                                                    std::int32_t partition) const;
  // Offset and partition time; an entry written before partition times
  // existed (8 bytes) has time 0.
  Expected<std::optional<PartitionPosition>> partition_position(std::string_view topic,
                                                                std::int32_t partition) const;
  // Rough size of the live state on disk, for metrics.
  std::uint64_t estimated_bytes() const;
  const std::filesystem::path& dir() const { return dir_; }
  // RocksDB's statistics as text, empty unless StoreOptions::statistics.
  std::string statistics_report() const;

  Batch make_batch();

 private:
  Store() = default;
  std::filesystem::path dir_;
  StoreOptions options_;
  std::shared_ptr<rocksdb::Statistics> statistics_;
  std::unique_ptr<rocksdb::Env> env_;  // a throwaway state's (unsynced files); outlives db_
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  bool write_failed_ = false;  // since the last successful write or recover()
};

// Big-endian fixed-width encodings, so that keys sort by number.
std::string encode_be64(std::uint64_t value);
std::uint64_t decode_be64(std::string_view bytes);  // bytes.size() >= 8
std::string encode_be32(std::uint32_t value);
std::uint32_t decode_be32(std::string_view bytes);

}  // namespace rolewatch::state
