#include "state/store.hpp"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <iostream>

#include "state/rocksdb_log.hpp"

namespace rolewatch::state {
namespace {

constexpr std::array<std::string_view, kFamilyCount> kFamilyNames = {
    "meta",   "windows",    "window_expiry", "dedup",       "dedup_expiry", "offsets",
    "outbox", "deliveries", "dead_letters",  "eligibility", "activations",  "twins",
};

rocksdb::Slice slice(std::string_view text) {
  return {text.data(), text.size()};
}

Error rocks_error(std::string_view what, const rocksdb::Status& status) {
  return make_error(std::string(what) + ": " + status.ToString());
}

// Index and filter blocks in partitions of 4 KB, the top level pinned: one
// whole index block per 64 MB table (~0.6 MB) did not stay in a 16 MB cache
// with 1M actors in state, and was read and decompressed again on a miss
// (removals by random actors, perf: ReadIndexBlock under MultiGet).
void partition_index_and_filters(rocksdb::BlockBasedTableOptions& table) {
  table.index_type = rocksdb::BlockBasedTableOptions::IndexType::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.metadata_block_size = 4096;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_top_level_index_and_filter = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
}

// The files of a state deleted after use (StoreOptions::throwaway): written
// as usual, never synced. Nothing will recover from them, and the syncs of a
// new database (its OPTIONS files, manifest and directory, ~24 calls) were
// 4-6 ms of an empty replay's 28 ms.
class UnsyncedFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  using FSWritableFileOwnerWrapper::FSWritableFileOwnerWrapper;
  rocksdb::IOStatus Sync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus RangeSync(std::uint64_t, std::uint64_t, const rocksdb::IOOptions&,
                              rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::OK();
  }
};

class UnsyncedDirectory final : public rocksdb::FSDirectoryWrapper {
 public:
  using FSDirectoryWrapper::FSDirectoryWrapper;
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus FsyncWithDirOptions(const rocksdb::IOOptions&, rocksdb::IODebugContext*,
                                        const rocksdb::DirFsyncOptions&) override {
    return rocksdb::IOStatus::OK();
  }
};

class UnsyncedFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  UnsyncedFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "RolewatchUnsyncedFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* dbg) override {
    return unsynced(target()->NewWritableFile(name, options, file, dbg), file);
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* file,
                                       rocksdb::IODebugContext* dbg) override {
    return unsynced(target()->ReopenWritableFile(name, options, file, dbg), file);
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& name, const std::string& old_name,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* file,
                                      rocksdb::IODebugContext* dbg) override {
    return unsynced(target()->ReuseWritableFile(name, old_name, options, file, dbg), file);
  }
  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& options,
                                 std::unique_ptr<rocksdb::FSDirectory>* directory,
                                 rocksdb::IODebugContext* dbg) override {
    auto status = target()->NewDirectory(name, options, directory, dbg);
    if (status.ok()) *directory = std::make_unique<UnsyncedDirectory>(std::move(*directory));
    return status;
  }

 private:
  static rocksdb::IOStatus unsynced(rocksdb::IOStatus status,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file) {
    if (status.ok()) *file = std::make_unique<UnsyncedFile>(std::move(*file));
    return status;
  }
};

rocksdb::Options database_options(const StoreOptions& options) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  // Bounded memory: state lives on disk, a small cache and small memtables
  // keep the resident set flat however many actors are in state.
  db_options.write_buffer_size = 8u << 20;
  db_options.max_write_buffer_number = 2;
  // One budget for the memtables of all families, not 2 x 8 MB each.
  db_options.db_write_buffer_size = 32u << 20;
  // The families share one write-ahead log, and a log file goes only when
  // every family has flushed its part: quiet families (meta, offsets) pinned
  // 600 MB of log after 1M actors, which a restart then replayed (2.4 s).
  db_options.max_total_wal_size = 32u << 20;
  // After a crash, replay the log into memtables and flush them later, in
  // the background, instead of before the first batch.
  db_options.avoid_flush_during_recovery = true;
  // After a failed write RocksDB must not touch the failed files again
  // (Debian's build asserts, SIGABRT): no recovery of its own in the
  // background (Store::recover() resumes, when the run loop says), and no
  // flush at close (~Store flushes itself when healthy).
  db_options.max_bgerror_resume_count = 0;
  db_options.info_log = make_rocksdb_logger();
  db_options.avoid_flush_during_shutdown = true;
  db_options.max_open_files = 256;
  db_options.keep_log_file_num = 3;
  // Level 0 is compacted into level 1 at 8 files instead of 4: windows and
  // dedup keys arrive in random order, so every such compaction rewrites
  // all of level 1, and with 1M actors in state it took a third of the CPU
  // of a removals-only replay (docs/benchmarks.md, "Issue 14, the state
  // read ahead"). Reads check up to 8 pinned level-0 filters instead.
  db_options.level0_file_num_compaction_trigger = 8;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.cache_index_and_filter_blocks = true;
  // Most dedup lookups are misses (a new audit id): a filter answers them
  // without reading a data block.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  partition_index_and_filters(table);
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return db_options;
}

}  // namespace

std::string_view family_name(Family family) {
  return kFamilyNames[static_cast<int>(family)];
}

Batch::Batch(const std::vector<rocksdb::ColumnFamilyHandle*>* handles)
    : handles_(handles), batch_(std::make_unique<rocksdb::WriteBatch>()) {}
Batch::~Batch() = default;
Batch::Batch(Batch&&) noexcept = default;

void Batch::put(Family family, std::string_view key, std::string_view value) {
  batch_->Put((*handles_)[static_cast<int>(family)], slice(key), slice(value));
}

void Batch::erase(Family family, std::string_view key) {
  batch_->Delete((*handles_)[static_cast<int>(family)], slice(key));
}

std::size_t Batch::size() const {
  return batch_->Count();
}

namespace {

// A new database gets its families in one CreateColumnFamilies call: opening
// with create_missing_column_families creates them one at a time, each with
// its own synced OPTIONS file (~25 ms apiece here, most of a short replay).
Expected<rocksdb::DB*> open_database(const std::filesystem::path& dir,
                                     const rocksdb::Options& db_options,
                                     std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
  const bool fresh = !std::filesystem::exists(dir / "CURRENT");
  rocksdb::ColumnFamilyOptions family_options(db_options);
  std::vector<rocksdb::ColumnFamilyDescriptor> families{
      {rocksdb::kDefaultColumnFamilyName, family_options}};
  std::vector<std::string> names(kFamilyNames.begin(), kFamilyNames.end());
  if (!fresh) {
    for (const auto& name : names) families.emplace_back(name, family_options);
  }
  rocksdb::DB* raw = nullptr;
  auto status = rocksdb::DB::Open(db_options, dir.string(), families, &handles, &raw);
  if (!status.ok()) return rocks_error("cannot open state in " + dir.string(), status);
  if (!fresh) return raw;
  std::vector<rocksdb::ColumnFamilyHandle*> created;
  status = raw->CreateColumnFamilies(family_options, names, &created);
  handles.insert(handles.end(), created.begin(), created.end());
  if (status.ok()) return raw;
  for (auto* handle : handles) raw->DestroyColumnFamilyHandle(handle);
  delete raw;
  return rocks_error("cannot create state in " + dir.string(), status);
}

}  // namespace

Expected<std::unique_ptr<Store>> Store::open(const std::filesystem::path& dir,
                                             StoreOptions options) {
  std::error_code ec;
  // The state names every privileged account: a new directory is the
  // owner's only (0700). An existing one keeps what its owner chose.
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (!ec) std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  }
  if (ec) return make_error("cannot create state directory " + dir.string() + ": " + ec.message());

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  if (std::getenv("ROLEWATCH_ROCKSDB_STATISTICS") != nullptr) options.statistics = true;
  auto db_options = database_options(options);
  std::unique_ptr<rocksdb::Env> env;
  if (options.throwaway) {
    env = rocksdb::NewCompositeEnv(std::make_shared<UnsyncedFileSystem>());
    db_options.env = env.get();
  }
  std::shared_ptr<rocksdb::Statistics> statistics;
  if (options.statistics) statistics = db_options.statistics = rocksdb::CreateDBStatistics();
  auto raw = open_database(dir, db_options, handles);
  if (!raw) return raw.error();

  std::unique_ptr<Store> store(new Store());
  store->dir_ = dir;
  store->options_ = options;
  store->statistics_ = std::move(statistics);
  store->env_ = std::move(env);
  store->db_.reset(*raw);
  // Keep only our families, indexed by Family; the default one is unused.
  (*raw)->DestroyColumnFamilyHandle(handles.front());
  store->handles_.assign(handles.begin() + 1, handles.end());
  return store;
}

Store::~Store() {
  if (!db_) return;
  if (write_failed_) {
    // Closing would flush the write-ahead log writer that failed, which
    // Debian's RocksDB answers with an assertion (SIGABRT). The process is
    // ending with an error anyway: the database is left for the next open,
    // which replays the log up to the last write that succeeded.
    // Kept reachable from a never-freed holder, so LeakSanitizer (the asan
    // preset) sees an abandoned database, not a leak.
    // Its Env (a throwaway state's) stays with it: its threads may use it.
    struct Abandoned {
      rocksdb::DB* db;
      std::vector<rocksdb::ColumnFamilyHandle*> handles;
      rocksdb::Env* env;
    };
    static auto* abandoned = new std::vector<Abandoned>();
    abandoned->push_back({db_.release(), std::move(handles_), env_.release()});
    return;
  }
  if (statistics_) std::cerr << "rocksdb statistics:\n" << statistics_report();
  // A clean stop leaves no log to replay, so the next start is quick; a
  // throwaway directory is removed after close, its memtables with it.
  if (!options_.throwaway) db_->Flush(rocksdb::FlushOptions(), handles_);
  for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  db_->Close();
}

std::string Store::statistics_report() const {
  return statistics_ ? statistics_->ToString() : std::string();
}

Batch Store::make_batch() {
  return Batch(&handles_);
}

Expected<std::optional<std::string>> Store::get(Family family, std::string_view key) const {
  std::string value;
  auto status =
      db_->Get(rocksdb::ReadOptions(), handles_[static_cast<int>(family)], slice(key), &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  if (!status.ok()) return rocks_error("state read failed", status);
  return std::optional<std::string>(std::move(value));
}

// Keys per MultiGet call. Each value found pins its data block until copied
// out: a whole batch at once (thousands of keys, a 4 KB block each) held tens
// of MB beyond the block cache's budget (peak RSS 148 -> 180 MB, 1M actors).
constexpr std::size_t kMultiGetChunk = 128;

Expected<std::vector<std::optional<std::string>>> Store::multi_get(
    Family family, std::span<const std::string_view> keys) const {
  std::vector<std::optional<std::string>> found(keys.size());
  const bool sorted = std::is_sorted(keys.begin(), keys.end());
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(std::min(keys.size(), kMultiGetChunk));
  std::vector<rocksdb::Status> statuses(values.size());
  for (std::size_t start = 0; start < keys.size(); start += kMultiGetChunk) {
    const std::size_t count = std::min(kMultiGetChunk, keys.size() - start);
    db_->MultiGet(rocksdb::ReadOptions(), handles_[static_cast<int>(family)], count,
                  slices.data() + start, values.data(), statuses.data(), sorted);
    for (std::size_t i = 0; i < count; ++i) {
      if (statuses[i].IsNotFound()) continue;
      if (!statuses[i].ok()) return rocks_error("state read failed", statuses[i]);
      found[start + i].emplace(values[i].data(), values[i].size());
      values[i].Reset();  // unpins the block
    }
  }
  return found;
}

Status Store::write(Batch& batch) {
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync_writes && !options_.throwaway;
  write_options.disableWAL = options_.throwaway;
  if (write_failed_) return make_error("state write refused: the store has not recovered");
  auto status = db_->Write(write_options, batch.batch_.get());
  if (!status.ok()) {
    write_failed_ = true;
    return rocks_error("state write failed", status);
  }
  return ok();
}

Status Store::recover() {
  if (!write_failed_) return ok();
  auto status = db_->Resume();
  if (!status.ok()) return rocks_error("state recovery failed", status);
  write_failed_ = false;
  return ok();
}

Status Store::scan(Family family, std::string_view from, std::string_view to,
                   const Visitor& visit) const {
  rocksdb::ReadOptions read_options;
  std::string upper(to);
  rocksdb::Slice upper_slice(upper);
  if (!upper.empty()) read_options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(read_options, handles_[static_cast<int>(family)]));
  for (it->Seek(slice(from)); it->Valid(); it->Next()) {
    auto key = it->key();
    auto value = it->value();
    if (!visit({key.data(), key.size()}, {value.data(), value.size()})) break;
  }
  if (!it->status().ok()) return rocks_error("state scan failed", it->status());
  return ok();
}

std::string Store::offset_key(std::string_view topic, std::int32_t partition) {
  std::string key(topic);
  key.push_back('\0');
  key += encode_be32(static_cast<std::uint32_t>(partition));
  return key;
}

Expected<std::optional<std::int64_t>> Store::next_offset(std::string_view topic,
                                                         std::int32_t partition) const {
  auto position = partition_position(topic, partition);
  if (!position) return position.error();
  if (!position->has_value()) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>((*position)->next_offset);
}

Expected<std::optional<PartitionPosition>> Store::partition_position(std::string_view topic,
                                                                     std::int32_t partition) const {
  auto value = get(Family::offsets, offset_key(topic, partition));
  if (!value) return value.error();
  if (!value->has_value() || (*value)->size() < 8) return std::optional<PartitionPosition>();
  const std::string_view bytes = **value;
  PartitionPosition position{static_cast<std::int64_t>(decode_be64(bytes)), 0};
  if (bytes.size() >= 16) position.time = static_cast<std::int64_t>(decode_be64(bytes.substr(8)));
  return std::optional<PartitionPosition>(position);
}

std::string encode_partition_position(const PartitionPosition& position) {
  return encode_be64(static_cast<std::uint64_t>(position.next_offset)) +
         encode_be64(static_cast<std::uint64_t>(std::max<std::int64_t>(position.time, 0)));
}

std::uint64_t Store::estimated_bytes() const {
  std::uint64_t total = 0;
  for (auto* handle : handles_) {
    std::uint64_t live = 0;
    if (db_->GetIntProperty(handle, "rocksdb.estimate-live-data-size", &live)) total += live;
    std::uint64_t memtable = 0;
    if (db_->GetIntProperty(handle, "rocksdb.cur-size-all-mem-tables", &memtable)) {
      total += memtable;
    }
  }
  return total;
}

std::string encode_be64(std::uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

std::uint64_t decode_be64(std::string_view bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

std::string encode_be32(std::uint32_t value) {
  std::string out(4, '\0');
  for (int i = 3; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

std::uint32_t decode_be32(std::string_view bytes) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

}  // namespace rolewatch::state
