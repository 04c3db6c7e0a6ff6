#include "state/eligibility_snapshot.hpp"

#include <nlohmann/json.hpp>

namespace rolewatch::state {
namespace {

using nlohmann::json;

constexpr std::string_view kCurrentKey = "current";
constexpr std::string_view kGenerationPrefix = "g/";

std::string generation_prefix(std::uint64_t generation) {
  return std::string(kGenerationPrefix) + encode_be64(generation) + "/";
}

// Successor of a prefix for scan upper bounds ("g/" N "/" -> "g/" N "0").
std::string prefix_end(std::string prefix) {
  prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

std::string row_key(std::uint64_t generation, const Assignment& row) {
  std::string key = generation_prefix(generation);
  for (std::string_view part :
       {std::string_view(row.principal_id), std::string_view(row.role_template_id),
        std::string_view(row.directory_scope_id), to_string(row.type),
        std::string_view(row.inherited_from)}) {
    key += part;
    key.push_back('\0');
  }
  return key;
}

json optional_bool(const std::optional<bool>& value) {
  return value ? json(*value) : json();
}
std::optional<bool> bool_or_null(const json& value) {
  return value.is_boolean() ? std::optional<bool>(value.get<bool>()) : std::nullopt;
}

std::string encode_row(const Assignment& row) {
  return json{{"p", row.principal_id},
              {"pt", row.principal_type},
              {"upn", row.user_principal_name},
              {"sync", optional_bool(row.on_premises_sync)},
              {"en", optional_bool(row.account_enabled)},
              {"r", row.role_template_id},
              {"rn", row.role_display_name},
              {"s", row.directory_scope_id},
              {"g", row.inherited_from},
              {"t", to_string(row.type)},
              {"b", row.start},
              {"e", row.end}}
      .dump();
}

std::optional<Assignment> decode_row(std::string_view value) {
  auto doc = json::parse(value, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  Assignment row;
  row.principal_id = doc.value("p", "");
  row.principal_type = doc.value("pt", "");
  row.user_principal_name = doc.value("upn", "");
  row.on_premises_sync = bool_or_null(doc.value("sync", json()));
  row.account_enabled = bool_or_null(doc.value("en", json()));
  row.role_template_id = doc.value("r", "");
  row.role_display_name = doc.value("rn", "");
  row.directory_scope_id = doc.value("s", "/");
  row.inherited_from = doc.value("g", "");
  row.type = assignment_type_from_string(doc.value("t", "")).value_or(AssignmentType::eligible);
  row.start = doc.value("b", Micros{0});
  row.end = doc.value("e", Micros{0});
  return row;
}

std::string encode_info(const SnapshotInfo& info) {
  return json{{"generation", info.generation},
              {"fetchedAt", info.fetched_at},
              {"source", info.source},
              {"assignments", info.assignments}}
      .dump();
}

std::optional<SnapshotInfo> decode_info(std::string_view value) {
  auto doc = json::parse(value, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  return SnapshotInfo{doc.value("generation", std::uint64_t{0}), doc.value("fetchedAt", Micros{0}),
                      doc.value("source", ""), doc.value("assignments", std::uint64_t{0})};
}

std::string principal_role_key(std::string_view principal, std::string_view role) {
  std::string key(principal);
  key.push_back('\0');
  key += role;
  return key;
}

}  // namespace

EligibilitySnapshot::EligibilitySnapshot(std::vector<Assignment> rows,
                                         std::optional<SnapshotInfo> info)
    : rows_(std::move(rows)), info_(std::move(info)) {
  index();
}

void EligibilitySnapshot::index() {
  by_principal_role_.clear();
  by_principal_.clear();
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    by_principal_role_.emplace(principal_role_key(rows_[i].principal_id, rows_[i].role_template_id),
                               i);
    by_principal_.emplace(rows_[i].principal_id, i);
  }
}

// One scan over the whole family: "current" sorts before "g/", and a RocksDB
// iterator reads one point-in-time view, so the pointer and the rows agree
// even while a refresh swaps generations.
Expected<EligibilitySnapshot> EligibilitySnapshot::load(const Store& store) {
  std::optional<SnapshotInfo> info;
  std::string prefix;
  std::vector<Assignment> rows;
  bool corrupt = false;
  auto status = store.scan(Family::eligibility, "", "", [&](std::string_view key, auto value) {
    if (key == kCurrentKey) {
      info = decode_info(value);
      if (!info) return !(corrupt = true);
      prefix = generation_prefix(info->generation);
      return true;
    }
    if (!info || !key.starts_with(prefix)) return true;
    auto row = decode_row(value);
    if (!row) return !(corrupt = true);
    rows.push_back(std::move(*row));
    return true;
  });
  if (!status) return status.error();
  if (corrupt) return make_error("corrupt eligibility snapshot in state");
  return EligibilitySnapshot(std::move(rows), info);
}

std::vector<const Assignment*> EligibilitySnapshot::find(std::string_view principal_id,
                                                         std::string_view role_template_id) const {
  std::vector<const Assignment*> found;
  auto [begin, end] =
      by_principal_role_.equal_range(principal_role_key(principal_id, role_template_id));
  for (auto it = begin; it != end; ++it) found.push_back(&rows_[it->second]);
  return found;
}

const Assignment* EligibilitySnapshot::any_of_principal(std::string_view principal_id) const {
  auto it = by_principal_.find(std::string(principal_id));
  return it == by_principal_.end() ? nullptr : &rows_[it->second];
}

Expected<std::optional<SnapshotInfo>> read_snapshot_info(const Store& store) {
  auto value = store.get(Family::eligibility, kCurrentKey);
  if (!value) return value.error();
  if (!value->has_value()) return std::optional<SnapshotInfo>();
  auto info = decode_info(**value);
  if (!info) return make_error("corrupt eligibility snapshot pointer in state");
  return info;
}

Expected<SnapshotInfo> write_snapshot(Store& store, const std::vector<Assignment>& rows,
                                      SnapshotInfo info) {
  auto previous = read_snapshot_info(store);
  if (!previous) return previous.error();
  info.generation = *previous ? (*previous)->generation + 1 : 1;
  info.assignments = rows.size();
  auto batch = store.make_batch();
  if (*previous) {
    auto old_prefix = generation_prefix((*previous)->generation);
    auto status = store.scan(Family::eligibility, old_prefix, prefix_end(old_prefix),
                             [&](std::string_view key, auto) {
                               batch.erase(Family::eligibility, key);
                               return true;
                             });
    if (!status) return status.error();
  }
  for (const auto& row : rows) {
    batch.put(Family::eligibility, row_key(info.generation, row), encode_row(row));
  }
  batch.put(Family::eligibility, kCurrentKey, encode_info(info));
  if (auto status = store.write(batch); !status) return status.error();
  return info;
}

Expected<std::shared_ptr<const EligibilitySnapshot>> EligibilitySnapshotCache::current() {
  auto info = read_snapshot_info(store_);
  if (!info) return info.error();
  std::uint64_t generation = *info ? (*info)->generation : 0;
  if (generation != generation_) {
    auto loaded = EligibilitySnapshot::load(store_);
    if (!loaded) return loaded.error();
    generation_ = loaded->info() ? loaded->info()->generation : 0;
    snapshot_ = std::make_shared<const EligibilitySnapshot>(std::move(*loaded));
  }
  return snapshot_;
}

}  // namespace rolewatch::state
