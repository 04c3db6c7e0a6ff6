#include "state/state_check.hpp"

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/metadata.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>

#include "state/delivery_record.hpp"
#include "state/group_window.hpp"
#include "state/offline_state.hpp"
#include "state/store.hpp"

namespace rolewatch::state {
namespace {

namespace fs = std::filesystem;
using ValueCheck = std::function<bool(std::string_view key, std::string_view value)>;

bool is_json(std::string_view key, std::string_view value) {
  return key.size() == 8 && nlohmann::json::accept(value);
}

// What rolewatch wrote into each family it can decode cheaply; the others
// (meta, indexes, eligibility, activations, twins) are checked by checksum only.
ValueCheck value_check(std::string_view family) {
  if (family == family_name(Family::windows)) {
    return [](auto, auto value) { return decode_group_window(value).has_value(); };
  }
  if (family == family_name(Family::deliveries)) {
    return [](auto key, auto value) {
      return key.size() > 8 && decode_delivery_record(value).has_value();
    };
  }
  if (family == family_name(Family::outbox) || family == family_name(Family::dead_letters)) {
    return is_json;
  }
  if (family == family_name(Family::offsets)) {
    return [](auto, auto value) { return value.size() == 8 || value.size() == 16; };
  }
  if (family == family_name(Family::dedup)) {
    return [](auto, auto value) { return value.size() == 8; };
  }
  return nullptr;
}

rocksdb::ReadOptions verifying_reads() {
  rocksdb::ReadOptions options;
  options.verify_checksums = true;
  options.fill_cache = false;
  return options;
}

// Every family rolewatch creates must be there; a missing one means a
// MANIFEST that lost it, or a directory from something else.
void check_families_present(const OfflineDatabase& database, CheckReport& report) {
  for (int i = 0; i < kFamilyCount; ++i) {
    auto name = family_name(static_cast<Family>(i));
    if (database.handle(name) == nullptr) {
      report.problems.push_back({"family " + std::string(name), "missing from the MANIFEST"});
    }
  }
}

// Each live table file on its own, so that every damaged file is named,
// not only the first.
void check_table_files(OfflineDatabase& database, CheckReport& report) {
  std::vector<rocksdb::LiveFileMetaData> files;
  database.db().GetLiveFilesMetaData(&files);
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.file_number < b.file_number; });
  rocksdb::Options options;
  for (const auto& file : files) {
    TableFileCheck checked{fs::path(file.directory) / file.relative_filename,
                           file.column_family_name, file.size, true};
    rocksdb::SstFileReader reader(options);
    auto status = reader.Open(checked.path.string());
    if (status.ok()) status = reader.VerifyChecksum(verifying_reads());
    if (!status.ok()) {
      checked.ok = false;
      report.problems.push_back(
          {checked.path.string(), "family " + checked.family + ": " + status.ToString()});
    }
    report.table_files.push_back(std::move(checked));
  }
}

std::string printable_key(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : key.substr(0, 48)) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

// Reads every key of one family through the database (memtables from the
// logs, then the tables, with checksums verified) and decodes its values.
FamilyCheck check_family(OfflineDatabase& database, const std::string& name, CheckReport& report) {
  FamilyCheck family{name};
  const auto decodes = value_check(name);
  std::string first_bad;
  std::unique_ptr<rocksdb::Iterator> it(
      database.db().NewIterator(verifying_reads(), database.handle(name)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ++family.keys;
    std::string_view key(it->key().data(), it->key().size());
    if (decodes && !decodes(key, {it->value().data(), it->value().size()})) {
      if (family.undecodable++ == 0) first_bad = printable_key(key);
    }
  }
  if (!it->status().ok()) {
    family.read_error = true;
    report.problems.push_back({"family " + name, "read stopped after " +
                                                     std::to_string(family.keys) +
                                                     " keys: " + it->status().ToString()});
  }
  if (family.undecodable > 0) {
    report.problems.push_back({"family " + name, std::to_string(family.undecodable) +
                                                     " value(s) rolewatch cannot decode (first "
                                                     "key: " +
                                                     first_bad + ")"});
  }
  return family;
}

}  // namespace

Expected<CheckReport> check_state(const fs::path& dir) {
  if (auto found = require_state_directory(dir); !found) return found.error();
  auto lock = StateLock::acquire(dir);
  if (!lock) return lock.error();
  CheckReport report;
  report.dir = dir;
  auto database = OfflineDatabase::open(dir, OpenMode::verify);
  if (!database) {
    report.problems.push_back({"open", database.error().message});
    // Open it as a salvage would, so that the rest is checked and every
    // damaged file named, not only the first one the open stumbled on.
    database = OfflineDatabase::open(dir, OpenMode::salvage);
    if (!database) return report;
  }
  report.opened = true;
  check_families_present(**database, report);
  check_table_files(**database, report);
  for (const auto& name : (*database)->family_names()) {
    report.families.push_back(check_family(**database, name, report));
  }
  return report;
}

}  // namespace rolewatch::state
