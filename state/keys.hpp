#pragma once
// The RocksDB key layouts of the meta family and the time-ordered indexes,
// in one place (the other families' layouts live with their modules:
// store.hpp for offsets, group_window, activation_history, eligibility).
//
//   meta "watermark"           be64(event time): the pipeline's clock
//   meta "stream_time"         the same, as state written before watermarks
//   meta "outbox_sequence"     be64: the last outbox sequence number
//   meta "kafka_mute_until/" + offset key   be64(offset): restore mute mark
//   window_expiry, dedup_expiry   time_key(event time) + key -> ""
//   meta "open_alert/" + rule/group   "": a window with an alert still to
//                       close or an update owed (the pipeline's timers)
//   outbox              outbox_key(sequence) -> alert or activation JSON
//                       (read and cleared by state/outbox_store)
//   twins "h" + time_key(decide at) + audit id -> held MS-PIM twin candidate
//   twins "m" + twin key + time_key(event time) + audit id -> "": a PIM record
//   twins "x" + time_key(event time) + mark key -> "": marks by age, to expire
#include <cstdint>
#include <string>
#include <string_view>

#include "state/store.hpp"

namespace rolewatch::state::keys {

inline constexpr std::string_view kWatermark = "watermark";
inline constexpr std::string_view kLegacyStreamTime = "stream_time";
// Newest first: where the watermark is read from.
inline constexpr std::string_view kWatermarkKeys[] = {kWatermark, kLegacyStreamTime};
inline constexpr std::string_view kOutboxSequence = "outbox_sequence";

inline constexpr std::string_view kOpenAlertPrefix = "open_alert/";
inline std::string open_alert(std::string_view window_key) {
  return std::string(kOpenAlertPrefix) + std::string(window_key);
}

inline constexpr char kHeldTwin = 'h';
inline constexpr char kPimMark = 'm';
inline constexpr char kPimMarkExpiry = 'x';

inline std::string mute_mark(std::string_view topic, std::int32_t partition) {
  return "kafka_mute_until/" + Store::offset_key(topic, partition);
}

inline std::string outbox_key(std::uint64_t sequence) {
  return encode_be64(sequence);
}

// Index keys sort by time; times before the epoch (none in Entra) clamp to 0.
inline std::string time_key(std::int64_t time) {
  return encode_be64(static_cast<std::uint64_t>(time < 0 ? 0 : time));
}

}  // namespace rolewatch::state::keys
