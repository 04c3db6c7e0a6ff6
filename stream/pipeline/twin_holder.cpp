#include "stream/pipeline/twin_holder.hpp"

#include <nlohmann/json.hpp>

#include "rules/role_event_json.hpp"
#include "state/keys.hpp"

namespace rolewatch::stream {
namespace {

using rules::EventTime;
using state::Family;
using state::keys::time_key;

std::string held_key_prefix(EventTime decide_at) {
  return state::keys::kHeldTwin + time_key(decide_at);
}

std::string held_key(const rules::RoleEvent& event, EventTime window) {
  return held_key_prefix(event.time + window) + event.audit_id;
}

bool near(EventTime a, EventTime b, EventTime window) {
  return a - b <= window && b - a <= window;
}

std::string mark_key(const std::string& key, const rules::RoleEvent& pim) {
  return state::keys::kPimMark + key + time_key(pim.time) + pim.audit_id;
}

std::string encode_held(const TwinHolder::Held& held) {
  nlohmann::json document{
      {"event", rules::event_to_json(held.event)}, {"restored", held.restored}, {"key", held.key}};
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<TwinHolder::Held> decode_held(std::string_view bytes) {
  auto document = nlohmann::json::parse(bytes, nullptr, false);
  if (!document.is_object() || !document.contains("event")) return std::nullopt;
  auto event = rules::event_from_json(document["event"]);
  if (!event) return std::nullopt;
  TwinHolder::Held held{std::move(*event), document.value("restored", false),
                        document.value("key", std::string())};
  if (held.key.empty()) return std::nullopt;
  return held;
}

}  // namespace

Status TwinHolder::load() {
  held_.clear();
  held_by_twin_.clear();
  batch_marks_.clear();
  std::string from(1, state::keys::kHeldTwin);
  std::string to(1, static_cast<char>(state::keys::kHeldTwin + 1));
  std::optional<Error> corrupt;
  auto status = store_.scan(Family::twins, from, to, [&](auto key, auto value) {
    auto held = decode_held(value);
    // A candidate we cannot read would silently drop a removal; refuse.
    if (!held) {
      corrupt = make_error("corrupt twin candidate in state: " + std::string(key.substr(9)));
      return false;
    }
    hold(std::string(key), std::move(*held));
    return true;
  });
  if (!status) return status;
  if (corrupt) return *corrupt;
  return ok();
}

void TwinHolder::hold(std::string at, Held held) {
  if (auto it = held_.find(at); it != held_.end()) unhold(it);
  held_by_twin_.emplace(held.key, at);
  held_.emplace(std::move(at), std::move(held));
}

std::map<std::string, TwinHolder::Held>::iterator TwinHolder::unhold(
    std::map<std::string, Held>::iterator it, std::vector<Held>* taken) {
  held_by_twin_.erase({it->second.key, it->first});
  if (taken != nullptr) taken->push_back(std::move(it->second));
  return held_.erase(it);
}

std::size_t TwinHolder::mark(const rules::RoleEvent& pim, const std::string& key,
                             state::Batch& batch) {
  auto mark = mark_key(key, pim);
  batch.put(Family::twins, mark, "");
  batch.put(Family::twins, state::keys::kPimMarkExpiry + time_key(pim.time) + mark, "");
  batch_marks_.emplace(key, pim.time);
  // Candidates within the window of the mark are decided from pim.time (one
  // window before it) to pim.time + 2 windows: only those are looked at.
  const auto from = held_by_twin_.lower_bound({key, held_key_prefix(pim.time)});
  const auto to = held_by_twin_.lower_bound({key, held_key_prefix(pim.time + 2 * window_ + 1)});
  std::vector<std::map<std::string, Held>::iterator> paired;  // erasing others keeps them valid
  for (auto it = from; it != to; ++it) {
    const auto held = held_.find(it->second);
    if (near(held->second.event.time, pim.time, window_)) paired.push_back(held);
  }
  for (const auto held : paired) {
    batch.erase(Family::twins, held->first);
    unhold(held);
  }
  return paired.size();
}

Expected<bool> TwinHolder::stored_mark_near(const std::string& key, EventTime time) const {
  const auto prefix = state::keys::kPimMark + key;
  bool found = false;
  auto status = store_.scan(Family::twins, prefix + time_key(time - window_),
                            prefix + time_key(time + window_ + 1), [&](auto, auto) {
                              found = true;
                              return false;
                            });
  if (!status) return status.error();
  return found;
}

bool TwinHolder::batch_mark_near(const std::string& key, EventTime time) const {
  auto it = batch_marks_.lower_bound({key, time - window_});
  return it != batch_marks_.end() && it->first == key && near(it->second, time, window_);
}

Expected<bool> TwinHolder::pair_or_hold(const rules::RoleEvent& candidate, const std::string& key,
                                        bool restored, state::Batch& batch) {
  if (batch_mark_near(key, candidate.time)) return true;
  auto stored = stored_mark_near(key, candidate.time);
  if (!stored) return stored.error();
  if (*stored) return true;
  Held held{candidate, restored, key};
  auto at = held_key(candidate, window_);
  batch.put(Family::twins, at, encode_held(held));
  hold(std::move(at), std::move(held));
  return false;
}

std::vector<TwinHolder::Held> TwinHolder::release_due(EventTime watermark, bool all,
                                                      state::Batch& batch) {
  std::vector<Held> due;
  const auto limit = state::keys::kHeldTwin + time_key(watermark);
  for (auto it = held_.begin(); it != held_.end();) {
    // Keys order by decision time: stop at the first not yet due.
    if (!all && it->first.compare(0, limit.size(), limit) > 0) break;
    batch.erase(Family::twins, it->first);
    it = unhold(it, &due);
  }
  return due;
}

Status TwinHolder::expire(EventTime horizon, state::Batch& batch) {
  std::string from(1, state::keys::kPimMarkExpiry);
  auto to = state::keys::kPimMarkExpiry + time_key(horizon);
  return store_.scan(Family::twins, from, to, [&](auto key, auto) {
    batch.erase(Family::twins, key.substr(9));
    batch.erase(Family::twins, key);
    return true;
  });
}

}  // namespace rolewatch::stream
