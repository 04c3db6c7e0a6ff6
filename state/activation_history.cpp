#include "state/activation_history.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "state/base/json_writer.hpp"
#include "state/keys.hpp"

namespace rolewatch::state {
namespace {

using nlohmann::json;

constexpr std::string_view kNewestKey = "newest";

std::string joined(std::string_view prefix, std::initializer_list<std::string_view> parts) {
  std::string key(prefix);
  bool first = true;
  for (auto part : parts) {
    if (!first) key.push_back('\0');
    key += part;
    first = false;
  }
  return key;
}

std::string principal_key(std::string_view principal_id) {
  return joined("u/", {principal_id});
}

// Values are JSON with keys in sorted order (what nlohmann's dump wrote
// before, so older state reads the same), written without a DOM.
std::string encode(const LastActivation& last) {
  JsonWriter out;
  out.begin_object()
      .key("a")
      .string(last.audit_id)
      .key("ip")
      .string(last.ip_address)
      .key("rn")
      .string(last.role_display_name)
      .key("t")
      .number(std::int64_t{last.time})
      .key("upn")
      .string(last.user_principal_name);
  return out.end_object().take();
}

std::string encode(const IpSighting& sighting) {
  JsonWriter out;
  out.begin_object()
      .key("f")
      .number(std::int64_t{sighting.first_seen})
      .key("l")
      .number(std::int64_t{sighting.last_seen})
      .key("n")
      .number(sighting.count);
  return out.end_object().take();
}

std::string encode(const PrincipalHistory& principal) {
  JsonWriter out;
  out.begin_object()
      .key("f")
      .number(std::int64_t{principal.first_activation})
      .key("upn")
      .string(principal.user_principal_name);
  return out.end_object().take();
}

std::optional<PrincipalHistory> decode_principal(std::string_view value) {
  auto doc = json::parse(value, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  return PrincipalHistory{doc.value("f", Micros{0}), doc.value("upn", "")};
}

IpSighting merged(std::optional<IpSighting> sighting, Micros time) {
  if (!sighting) return IpSighting{time, time, 1};
  sighting->first_seen = std::min(sighting->first_seen, time);
  sighting->last_seen = std::max(sighting->last_seen, time);
  ++sighting->count;
  return *sighting;
}

}  // namespace

std::string last_activation_key(std::string_view principal_id, std::string_view role) {
  return joined("l/", {principal_id, role});
}
std::string ip_key(std::string_view principal_id, std::string_view ip) {
  return joined("i/", {principal_id, ip});
}
std::string role_ip_key(std::string_view principal_id, std::string_view role, std::string_view ip) {
  return joined("r/", {principal_id, role, ip});
}

std::optional<LastActivation> decode_last_activation(std::string_view value) {
  auto doc = json::parse(value, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  return LastActivation{doc.value("t", Micros{0}), doc.value("a", ""), doc.value("ip", ""),
                        doc.value("upn", ""), doc.value("rn", "")};
}

std::optional<IpSighting> decode_ip_sighting(std::string_view value) {
  auto doc = json::parse(value, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  return IpSighting{doc.value("f", Micros{0}), doc.value("l", Micros{0}),
                    doc.value("n", std::uint64_t{0})};
}

Expected<std::optional<std::string>> ActivationHistory::read(const std::string& key) const {
  if (auto it = pending_.find(key); it != pending_.end()) {
    return std::optional<std::string>(it->second);
  }
  if (auto it = fetched_.find(key); it != fetched_.end()) return it->second;
  return store_.get(Family::activations, key);
}

Expected<ActivationHistory::Fetched> ActivationHistory::fetch(
    std::span<const ActivationRecord> activations) const {
  if (activations.empty()) return Fetched{};
  std::vector<std::string> keys{std::string(kNewestKey)};
  for (const auto& activation : activations) {
    const auto& id = activation.principal_id;
    keys.push_back(last_activation_key(id, activation.role_template_id));
    keys.push_back(principal_key(id));
    if (activation.ip_address.empty()) continue;
    keys.push_back(ip_key(id, activation.ip_address));
    keys.push_back(role_ip_key(id, activation.role_template_id, activation.ip_address));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::vector<std::string_view> views(keys.begin(), keys.end());
  auto found = store_.multi_get(Family::activations, views);
  if (!found) return found.error();
  Fetched fetched;
  fetched.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    fetched.emplace(std::move(keys[i]), std::move((*found)[i]));
  }
  return fetched;
}

void ActivationHistory::adopt(Fetched fetched) {
  if (fetched_.empty()) {
    fetched_ = std::move(fetched);
    return;
  }
  fetched_.merge(fetched);  // a key read twice in a batch: the same committed value
}

void ActivationHistory::stage(Batch& batch, const std::string& key, std::string value) {
  batch.put(Family::activations, key, value);
  pending_[key] = std::move(value);
}

// Decodes a stored value, or reports which kind of record is corrupt.
template <typename T, typename Decode>
Expected<std::optional<T>> decoded(Expected<std::optional<std::string>> value, Decode decode,
                                   const char* what) {
  if (!value) return value.error();
  if (!value->has_value()) return std::optional<T>();
  auto result = decode(**value);
  if (!result) return make_error(std::string("corrupt ") + what + " in activation history");
  return result;
}

Expected<std::optional<LastActivation>> ActivationHistory::last_activation(
    std::string_view principal_id, std::string_view role_template_id) const {
  return decoded<LastActivation>(read(last_activation_key(principal_id, role_template_id)),
                                 decode_last_activation, "last activation");
}

Expected<std::optional<IpSighting>> ActivationHistory::ip_sighting(std::string_view principal_id,
                                                                   std::string_view ip) const {
  return decoded<IpSighting>(read(ip_key(principal_id, ip)), decode_ip_sighting, "IP sighting");
}

Expected<std::optional<PrincipalHistory>> ActivationHistory::principal(
    std::string_view principal_id) const {
  return decoded<PrincipalHistory>(read(principal_key(principal_id)), decode_principal,
                                   "principal history");
}

Status ActivationHistory::record(Batch& batch, const ActivationRecord& activation) {
  const auto& id = activation.principal_id;
  auto last = last_activation(id, activation.role_template_id);
  if (!last) return last.error();
  if (!*last || (*last)->time <= activation.time) {
    stage(batch, last_activation_key(id, activation.role_template_id),
          encode(LastActivation{activation.time, activation.audit_id, activation.ip_address,
                                activation.user_principal_name, activation.role_display_name}));
  }
  auto known = principal(id);
  if (!known) return known.error();
  if (!*known || (*known)->first_activation > activation.time) {
    stage(batch, principal_key(id),
          encode(PrincipalHistory{activation.time, activation.user_principal_name}));
  }
  if (!activation.ip_address.empty()) {
    auto sighting = ip_sighting(id, activation.ip_address);
    if (!sighting) return sighting.error();
    stage(batch, ip_key(id, activation.ip_address), encode(merged(*sighting, activation.time)));
    auto per_role_key = role_ip_key(id, activation.role_template_id, activation.ip_address);
    auto per_role = decoded<IpSighting>(read(per_role_key), decode_ip_sighting, "IP sighting");
    if (!per_role) return per_role.error();
    stage(batch, per_role_key, encode(merged(*per_role, activation.time)));
  }
  auto newest = read(std::string(kNewestKey));
  if (!newest) return newest.error();
  if (!newest->has_value() || (*newest)->size() < 8 ||
      static_cast<Micros>(decode_be64(**newest)) < activation.time) {
    stage(batch, std::string(kNewestKey),
          encode_be64(static_cast<std::uint64_t>(std::max<Micros>(activation.time, 0))));
  }
  return ok();
}

Expected<Micros> ActivationHistory::newest_activation(const Store& store) {
  auto value = store.get(Family::activations, kNewestKey);
  if (!value) return value.error();
  if (!value->has_value() || (*value)->size() < 8) return Micros{0};
  return static_cast<Micros>(decode_be64(**value));
}

Expected<Micros> newest_event_time(const Store& store) {
  auto newest = ActivationHistory::newest_activation(store);
  if (!newest) return newest.error();
  Micros result = *newest;
  for (auto key : keys::kWatermarkKeys) {
    auto watermark = store.get(Family::meta, key);
    if (!watermark) return watermark.error();
    if (watermark->has_value() && (*watermark)->size() >= 8) {
      result = std::max(result, static_cast<Micros>(decode_be64(**watermark)));
    }
  }
  return result;
}

}  // namespace rolewatch::state
