#include "stream/app/setup/log_format.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>

#include "state/base/log_escape.hpp"
#include "state/base/time.hpp"
#include "state/base/utf8.hpp"

namespace rolewatch::stream {
namespace {

// %~ : the message text with control characters as visible escapes.
constexpr char kEscapedMessageFlag = '~';

class EscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&,
              spdlog::memory_buf_t& out) override {
    escaped_.clear();
    state::append_log_escaped(std::string_view(message.payload.data(), message.payload.size()),
                              escaped_);
    out.append(escaped_.data(), escaped_.data() + escaped_.size());
  }

  std::unique_ptr<spdlog::custom_flag_formatter> clone() const override {
    return std::make_unique<EscapedMessage>();
  }

 private:
  std::string escaped_;  // reused; a formatter is used by one sink under its lock
};

std::unique_ptr<spdlog::formatter> make_text_formatter() {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<EscapedMessage>(kEscapedMessageFlag);
  formatter->set_pattern(std::string("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %") + kEscapedMessageFlag);
  return formatter;
}

// "2025-03-04T10:15:02.123Z": the text format's time, to the millisecond.
std::string log_time(spdlog::log_clock::time_point time) {
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  auto text = state::format_event_time(micros);  // "...:02.123456Z"
  text.erase(text.size() - 4, 3);
  return text;
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += out.size() == 1 ? "\"" : ",\"";
  out += name;
  out += "\":\"";
  append_json_escaped(value, out);
  out += '"';
}

// One JSON object per record; only its strings vary, and each is escaped.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& out) override {
    line_ = "{";
    append_field(line_, "time", log_time(message.time));
    auto level = spdlog::level::to_string_view(message.level);
    append_field(line_, "level", std::string_view(level.data(), level.size()));
    append_field(line_, "logger",
                 std::string_view(message.logger_name.data(), message.logger_name.size()));
    append_field(line_, "message",
                 std::string_view(message.payload.data(), message.payload.size()));
    line_ += "}\n";
    out.append(line_.data(), line_.data() + line_.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }

 private:
  std::string line_;  // reused, as EscapedMessage's
};

constexpr char kHex[] = "0123456789abcdef";

void append_unicode_escape(std::string& out, std::uint32_t code_point) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(code_point >> shift) & 0xF]);
}

// One character of valid UTF-8 starting at text[at]: escaped when JSON
// requires it or when it could end a line or drive a terminal; returns the
// bytes consumed.
std::size_t append_json_character(std::string_view text, std::size_t at, std::string& out) {
  auto c = static_cast<unsigned char>(text[at]);
  switch (c) {
    case '"':
      out += "\\\"";
      return 1;
    case '\\':
      out += "\\\\";
      return 1;
    case '\n':
      out += "\\n";
      return 1;
    case '\r':
      out += "\\r";
      return 1;
    case '\t':
      out += "\\t";
      return 1;
    default:
      break;
  }
  if (c < 0x20 || c == 0x7F) {
    append_unicode_escape(out, c);
    return 1;
  }
  auto next = at + 1 < text.size() ? static_cast<unsigned char>(text[at + 1]) : 0;
  if (c == 0xC2 && next >= 0x80 && next <= 0x9F) {  // C1: U+0080 to U+009F
    append_unicode_escape(out, next);
    return 2;
  }
  if (c == 0xE2 && next == 0x80 && at + 2 < text.size() &&
      (text[at + 2] == '\xA8' || text[at + 2] == '\xA9')) {  // U+2028, U+2029
    append_unicode_escape(out, text[at + 2] == '\xA8' ? 0x2028 : 0x2029);
    return 3;
  }
  out.push_back(static_cast<char>(c));
  return 1;
}

std::mutex flags_mutex;
LogFlags pinned_flags;  // what the command line set; the configuration cannot override it

void apply(spdlog::level::level_enum level, LogFormat format) {
  spdlog::set_level(level);
  spdlog::default_logger()->set_formatter(make_log_formatter(format));
}

}  // namespace

void append_json_escaped(std::string_view text, std::string& out) {
  std::string valid;
  if (state::append_repaired_utf8(text, valid)) text = valid;
  for (std::size_t at = 0; at < text.size();) at += append_json_character(text, at, out);
}

std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format) {
  if (format == LogFormat::json) return std::make_unique<JsonFormatter>();
  return make_text_formatter();
}

std::shared_ptr<spdlog::logger> make_logger(const std::string& name, spdlog::sink_ptr sink,
                                            LogFormat format) {
  auto logger = std::make_shared<spdlog::logger>(name, std::move(sink));
  logger->set_formatter(make_log_formatter(format));
  return logger;
}

std::optional<LogFormat> parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::text;
  if (name == "json") return LogFormat::json;
  return std::nullopt;
}

void apply_log_flags(const LogFlags& flags) {
  std::lock_guard lock(flags_mutex);
  pinned_flags = flags;
  apply(flags.level.value_or(spdlog::level::info), flags.format.value_or(LogFormat::text));
}

void apply_log_config(const LogConfig& log) {
  std::lock_guard lock(flags_mutex);
  apply(pinned_flags.level.value_or(spdlog::level::from_str(log.level)),
        pinned_flags.format.value_or(log.format));
}

}  // namespace rolewatch::stream
