#pragma once
// Text an attacker can put in an audit record that nlohmann::json cannot
// hold (lone UTF-16 surrogate escapes, invalid UTF-8, raw control bytes),
// for tests of the decoder's repairs. Build a record with kHostile where the
// text goes, serialize it, then splice the raw bytes in:
//
//   auto body = support::event_hubs_message({support::core_directory_removal(
//       {.actor = support::user(id, upn, "Mallory@HOSTILE@")})});
//   body = support::splice(body, R"(\udc00)");
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace support {

inline constexpr std::string_view kHostile = "@HOSTILE@";
// U+FFFD, UTF-8 encoded: what every bad sequence becomes.
inline constexpr std::string_view kFffd = "\xEF\xBF\xBD";

// `body` with every `placeholder` replaced by `raw`, byte for byte.
std::string splice(std::string body, std::string_view raw, std::string_view placeholder = kHostile);

struct HostileText {
  std::string_view name;
  std::string_view raw;       // spliced into a JSON string, as is
  std::string_view repaired;  // what the decoded field holds in its place
  // True when simdjson refuses the whole message (invalid UTF-8, a raw
  // control byte) so it is repaired and parsed again; false when only the
  // string does not decode and the field is repaired.
  bool whole_message;
};

// Lone high and low surrogates, a reversed pair, escaped and raw NUL, an
// unknown escape, an invalid byte, an overlong encoding, a sequence cut
// short.
const std::vector<HostileText>& hostile_texts();

// Captures what the default logger writes while it lives.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::vector<std::string> lines() { return sink_->last_formatted(); }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace support
