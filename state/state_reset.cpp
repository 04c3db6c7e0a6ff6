#include "state/state_reset.hpp"

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <utility>

#include "state/keys.hpp"
#include "state/offline_state.hpp"
#include "state/store.hpp"

namespace rolewatch::state {
namespace {

namespace fs = std::filesystem;

// Without a readable outbox sequence, how far past a damaged region to look
// for readable alerts again.
constexpr std::uint64_t kMaxProbes = 1u << 16;
constexpr std::size_t kAlertsPerBatch = 512;

struct KeptAlert {
  std::uint64_t sequence = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> deliveries;  // key, record
};

struct Salvage {
  std::vector<KeptAlert> alerts;
  std::uint64_t last_sequence = 0;  // the outbox sequence the new state continues from
  std::size_t unreadable = 0;
  std::vector<std::string> read_errors;
};

rocksdb::ReadOptions salvage_reads(const rocksdb::Slice* upper = nullptr) {
  rocksdb::ReadOptions options;
  options.verify_checksums = true;
  options.fill_cache = false;
  options.iterate_upper_bound = upper;
  return options;
}

std::string utc_stamp(std::chrono::system_clock::time_point now) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

// "DIR/" and "./DIR" name the same directory; its siblings need the name.
fs::path normalized(const fs::path& dir) {
  auto path = fs::absolute(dir).lexically_normal();
  if (path.filename().empty()) path = path.parent_path();
  return path;
}

fs::path unused_name(const std::string& base) {
  fs::path candidate = base;
  std::error_code ec;
  for (int n = 2; fs::exists(candidate, ec); ++n) candidate = base + "-" + std::to_string(n);
  return candidate;
}

std::optional<std::uint64_t> stored_sequence(OfflineDatabase& database) {
  auto* meta = database.handle(family_name(Family::meta));
  if (meta == nullptr) return std::nullopt;
  std::string value;
  auto status =
      database.db().Get(salvage_reads(), meta, std::string(keys::kOutboxSequence), &value);
  if (!status.ok() || value.size() != 8) return std::nullopt;
  return decode_be64(value);
}

// After a read error at `from`: the first sequence past the damaged region
// where reading works again (nullopt: none up to `bound`); the region is
// recorded as unreadable.
std::optional<std::uint64_t> skip_damage(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* outbox,
                                         std::uint64_t from, std::uint64_t bound,
                                         const std::string& error, Salvage& salvage) {
  std::optional<std::uint64_t> resume;
  for (std::uint64_t probe = from + 1; probe <= bound; ++probe) {
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(salvage_reads(), outbox));
    it->Seek(keys::outbox_key(probe));
    if (it->status().ok()) {
      resume = probe;
      break;
    }
  }
  const auto last = resume ? *resume - 1 : bound;
  salvage.read_errors.push_back("outbox sequences " + std::to_string(from) + ".." +
                                std::to_string(last) + " unreadable: " + error);
  return resume;
}

// Reads the outbox in sequence order, stepping over damaged blocks.
void read_outbox(OfflineDatabase& database, Salvage& salvage) {
  auto* outbox = database.handle(family_name(Family::outbox));
  if (outbox == nullptr) {
    salvage.read_errors.push_back("the outbox family is missing from the MANIFEST");
    return;
  }
  const auto known = stored_sequence(database);
  salvage.last_sequence = known.value_or(0);
  std::optional<std::uint64_t> cursor = 0;
  while (cursor) {
    std::unique_ptr<rocksdb::Iterator> it(database.db().NewIterator(salvage_reads(), outbox));
    for (it->Seek(keys::outbox_key(*cursor)); it->Valid(); it->Next()) {
      if (it->key().size() != 8) continue;
      const auto sequence = decode_be64({it->key().data(), 8});
      cursor = sequence + 1;
      salvage.last_sequence = std::max(salvage.last_sequence, sequence);
      std::string body = it->value().ToString();
      if (nlohmann::json::accept(body)) {
        salvage.alerts.push_back({sequence, std::move(body), {}});
      } else {
        ++salvage.unreadable;
      }
    }
    if (it->status().ok()) return;
    const auto bound = known ? std::max(*known, *cursor) : *cursor + kMaxProbes;
    cursor = skip_damage(database.db(), outbox, *cursor, bound, it->status().ToString(), salvage);
    if (cursor) salvage.last_sequence = std::max(salvage.last_sequence, *cursor - 1);
  }
}

// The per-sink delivery records of each kept alert: without them an alert
// is delivered again to every sink (same id, receivers deduplicate).
void read_deliveries(OfflineDatabase& database, Salvage& salvage) {
  auto* deliveries = database.handle(family_name(Family::deliveries));
  if (deliveries == nullptr) return;
  for (auto& alert : salvage.alerts) {
    const auto from = encode_be64(alert.sequence);
    const auto to = encode_be64(alert.sequence + 1);
    const rocksdb::Slice upper(to);
    std::unique_ptr<rocksdb::Iterator> it(
        database.db().NewIterator(salvage_reads(&upper), deliveries));
    for (it->Seek(from); it->Valid(); it->Next()) {
      alert.deliveries.emplace_back(it->key().ToString(), it->value().ToString());
    }
    if (!it->status().ok()) {
      alert.deliveries.clear();
      salvage.read_errors.push_back(
          "delivery records of outbox sequence " + std::to_string(alert.sequence) +
          " unreadable (it is sent to every sink again): " + it->status().ToString());
    }
  }
}

Salvage salvage_outbox(const fs::path& dir) {
  Salvage salvage;
  auto database = OfflineDatabase::open(dir, OpenMode::salvage);
  if (!database) {
    salvage.read_errors.push_back("no alert could be read: " + database.error().message);
    return salvage;
  }
  read_outbox(**database, salvage);
  read_deliveries(**database, salvage);
  return salvage;
}

Status write_fresh_state(const fs::path& dir, const Salvage& salvage) {
  std::error_code ec;
  fs::create_directory(dir, ec);
  if (!ec) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return make_error("cannot create " + dir.string() + ": " + ec.message());
  auto store = Store::open(dir);
  if (!store) return store.error();
  std::size_t next = 0;
  do {
    auto batch = (*store)->make_batch();
    if (next == 0) {
      batch.put(Family::meta, keys::kOutboxSequence, encode_be64(salvage.last_sequence));
    }
    const auto end = std::min(next + kAlertsPerBatch, salvage.alerts.size());
    for (; next < end; ++next) {
      const auto& alert = salvage.alerts[next];
      batch.put(Family::outbox, keys::outbox_key(alert.sequence), alert.body);
      for (const auto& [key, record] : alert.deliveries) batch.put(Family::deliveries, key, record);
    }
    if (auto written = (*store)->write(batch); !written) return written;
  } while (next < salvage.alerts.size());
  return ok();
}

Status move(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (!ec) return ok();
  std::string hint;
  if (ec == std::errc::device_or_resource_busy || ec == std::errc::cross_device_link) {
    hint = " (a mount point cannot be moved: point state.dir at a directory inside the volume)";
  }
  return make_error("cannot move " + from.string() + " to " + to.string() + ": " + ec.message() +
                    hint);
}

ResetReport moved_only(const fs::path& aside) {
  ResetReport report;
  report.moved_to = aside;
  return report;
}

ResetReport kept_report(const fs::path& aside, Salvage salvage) {
  ResetReport report;
  report.moved_to = aside;
  report.fresh_state = true;
  report.kept = salvage.alerts.size();
  for (const auto& alert : salvage.alerts) report.delivery_records += alert.deliveries.size();
  report.unreadable = salvage.unreadable;
  report.read_errors = std::move(salvage.read_errors);
  return report;
}

// Builds the new state beside DIR, so that DIR holds the damaged state until
// the kept alerts are safely written.
Expected<ResetReport> reset_beside(const fs::path& dir, const ResetOptions& options) {
  const auto aside = damaged_name(dir, options.now);
  if (!options.keep_outbox) {
    if (auto moved = move(dir, aside); !moved) return moved.error();
    return moved_only(aside);
  }
  auto salvage = salvage_outbox(dir);
  const auto fresh = unused_name(dir.string() + ".reset-" + utc_stamp(options.now));
  if (auto written = write_fresh_state(fresh, salvage); !written) {
    std::error_code ec;
    fs::remove_all(fresh, ec);  // our own half-written copy; the damaged state is untouched
    return make_error("cannot write the new state: " + written.error().message);
  }
  if (auto moved = move(dir, aside); !moved) return moved.error();
  if (auto moved = move(fresh, dir); !moved) {
    return make_error(moved.error().message + "; the damaged state is in " + aside.string() +
                      ", the kept alerts in " + fresh.string());
  }
  return kept_report(aside, std::move(salvage));
}

bool in_place_name(const fs::path& entry) {
  return entry.filename().string().starts_with("damaged-");
}

// A mount point (a volume) cannot be renamed: its files move into
// DIR/damaged-<UTC time> instead, which RocksDB ignores, and the new state
// is written in DIR itself. The kept alerts are read before anything moves.
Expected<ResetReport> reset_in_place(const fs::path& dir, const ResetOptions& options,
                                     std::unique_ptr<StateLock> lock) {
  Salvage salvage;
  if (options.keep_outbox) salvage = salvage_outbox(dir);
  const auto aside = unused_name((dir / ("damaged-" + utc_stamp(options.now))).string());
  std::error_code ec;
  fs::create_directory(aside, ec);
  if (!ec) fs::permissions(aside, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return make_error("cannot create " + aside.string() + ": " + ec.message());
  std::vector<fs::path> entries;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!in_place_name(entry.path())) entries.push_back(entry.path());
  }
  if (ec) return make_error("cannot list " + dir.string() + ": " + ec.message());
  for (const auto& entry : entries) {
    if (auto moved = move(entry, aside / entry.filename()); !moved) return moved.error();
  }
  // The new store takes DIR/LOCK, which this process holds (now moved aside).
  lock.reset();
  if (!options.keep_outbox) return moved_only(aside);
  if (auto written = write_fresh_state(dir, salvage); !written) {
    return make_error("cannot write the new state: " + written.error().message +
                      "; the damaged state is in " + aside.string());
  }
  return kept_report(aside, std::move(salvage));
}

// Mount points as /proc/self/mountinfo lists them (its fifth field, with
// spaces and the like escaped as \ooo); it also knows bind mounts, which
// share their parent's device.
bool listed_as_mount_point(const fs::path& dir) {
  std::ifstream mounts("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mounts, line)) {
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i < 5 && fields >> field; ++i) {
    }
    std::string unescaped;
    for (std::size_t i = 0; i < field.size(); ++i) {
      if (field[i] == '\\' && i + 3 < field.size()) {
        unescaped.push_back(static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8)));
        i += 3;
      } else {
        unescaped.push_back(field[i]);
      }
    }
    if (unescaped == dir.string()) return true;
  }
  return false;
}

}  // namespace

bool is_mount_point(const fs::path& dir) {
  std::error_code ec;
  const auto real = fs::canonical(dir, ec);
  if (ec) return false;
  struct stat self {};
  struct stat parent {};
  if (::stat(real.c_str(), &self) == 0 && ::stat(real.parent_path().c_str(), &parent) == 0 &&
      self.st_dev != parent.st_dev) {
    return true;
  }
  return listed_as_mount_point(real);
}

fs::path damaged_name(const fs::path& dir, std::chrono::system_clock::time_point now) {
  return unused_name(normalized(dir).string() + ".damaged-" + utc_stamp(now));
}

Expected<ResetReport> reset_state(const fs::path& given, const ResetOptions& options) {
  if (auto found = require_state_directory(given); !found) return found.error();
  const auto dir = normalized(given);
  auto lock = StateLock::acquire(dir);
  if (!lock) return lock.error();
  if (options.in_place.value_or(is_mount_point(dir))) {
    return reset_in_place(dir, options, std::move(*lock));
  }
  return reset_beside(dir, options);
}

}  // namespace rolewatch::state
