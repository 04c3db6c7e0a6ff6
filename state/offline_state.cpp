#include "state/offline_state.hpp"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/options.h>

#include <algorithm>

namespace rolewatch::state {
namespace {

namespace fs = std::filesystem;

// Opening read-only would still rotate the directory's LOG; this logger
// keeps the damaged directory exactly as it was found.
class SilentLogger : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
};

bool looks_like_rocksdb_file(const fs::path& file) {
  const auto name = file.filename().string();
  const auto ext = file.extension().string();
  return name == "CURRENT" || name.starts_with("MANIFEST-") || ext == ".sst" || ext == ".log";
}

rocksdb::Options offline_options(OpenMode mode) {
  rocksdb::Options options;
  options.create_if_missing = false;
  options.paranoid_checks = mode == OpenMode::verify;
  options.wal_recovery_mode = mode == OpenMode::verify
                                  ? rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords
                                  : rocksdb::WALRecoveryMode::kSkipAnyCorruptedRecords;
  options.info_log = std::make_shared<SilentLogger>();
  options.max_open_files = 256;
  return options;
}

}  // namespace

Status require_state_directory(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return make_error("no state directory at " + dir.string(), ErrorCode::not_found);
  }
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (looks_like_rocksdb_file(entry.path())) return ok();
  }
  if (ec) return make_error("cannot list " + dir.string() + ": " + ec.message());
  return make_error(dir.string() + " holds no RocksDB state (no CURRENT, MANIFEST, .sst or .log)",
                    ErrorCode::invalid_argument);
}

Expected<std::unique_ptr<StateLock>> StateLock::acquire(const fs::path& dir) {
  std::unique_ptr<StateLock> lock(new StateLock());
  lock->env_ = rocksdb::Env::Default();
  auto status = lock->env_->LockFile((dir / "LOCK").string(), &lock->lock_);
  if (!status.ok()) {
    lock->lock_ = nullptr;
    return make_error("the state in " + dir.string() +
                      " is in use (RocksDB's LOCK is held): stop the rolewatch using it first (" +
                      status.ToString() + ")");
  }
  return lock;
}

StateLock::~StateLock() {
  if (lock_ != nullptr) env_->UnlockFile(lock_);
}

Expected<std::unique_ptr<OfflineDatabase>> OfflineDatabase::open(const fs::path& dir,
                                                                 OpenMode mode) {
  auto options = offline_options(mode);
  std::unique_ptr<OfflineDatabase> database(new OfflineDatabase());
  auto status = rocksdb::DB::ListColumnFamilies(options, dir.string(), &database->names_);
  if (!status.ok()) return make_error("cannot read the MANIFEST: " + status.ToString());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const auto& name : database->names_) families.emplace_back(name, options);
  rocksdb::DB* raw = nullptr;
  status = rocksdb::DB::OpenForReadOnly(options, dir.string(), families, &database->handles_, &raw);
  if (!status.ok()) return make_error("cannot open the state: " + status.ToString());
  database->db_.reset(raw);
  return database;
}

OfflineDatabase::~OfflineDatabase() {
  for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  if (db_) db_->Close();
}

rocksdb::ColumnFamilyHandle* OfflineDatabase::handle(std::string_view name) const {
  auto it = std::find(names_.begin(), names_.end(), name);
  if (it == names_.end()) return nullptr;
  return handles_[static_cast<std::size_t>(it - names_.begin())];
}

}  // namespace rolewatch::state
