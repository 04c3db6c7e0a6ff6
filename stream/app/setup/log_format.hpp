#pragma once
// The one place log lines get their shape, in either format of `log.format`
// (docs/configuration.md, "Logs"):
//
//   text: "2025-03-04T10:15:02.123Z warning <message, escaped>" (UTC), every
//     control character in the message a visible escape (state/base/log_escape);
//   json: one object per line,
//     {"time":"2025-03-04T10:15:02.123Z","level":"warning","logger":"rolewatch","message":"..."}
//     every string JSON-escaped: quotes, backslashes, control characters
//     (C0, DEL, C1), U+2028/U+2029 as \uXXXX, invalid UTF-8 as U+FFFD.
//
// So a newline or an ANSI sequence inside a UPN, a display name or any
// other text from a record can never forge a second line, a second JSON
// field or drive a terminal (docs/design.md §3: text from records is
// escaped in logs). Escaping the whole message in the formatter, rather
// than each field at each call, means no field can be missed. The log calls
// carry one formatted message, so those four fields are all a record holds.
//
// The level and the format come from the command line (--log-level,
// --log-format) or from the configuration's `log:` section; the command
// line wins.
#include <spdlog/common.h>
#include <spdlog/formatter.h>
#include <spdlog/logger.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "stream/config/config.hpp"

namespace rolewatch::stream {

std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format = LogFormat::text);

// A logger writing through `sink` with that formatter (the CLI's is stderr).
std::shared_ptr<spdlog::logger> make_logger(const std::string& name, spdlog::sink_ptr sink,
                                            LogFormat format = LogFormat::text);

// Appends `text` as the body of a JSON string (without the quotes).
void append_json_escaped(std::string_view text, std::string& out);

// "text" -> text, "json" -> json, else nothing.
std::optional<LogFormat> parse_log_format(std::string_view name);

// What the command line asked for (nullopt: the flag was not given).
struct LogFlags {
  std::optional<spdlog::level::level_enum> level;
  std::optional<LogFormat> format;
};

// Applies the flags to the default logger and remembers them, so that a
// configuration read later (apply_log_config) cannot override them.
void apply_log_flags(const LogFlags& flags);

// Applies log.level and log.format to the default logger, except what the
// command line set.
void apply_log_config(const LogConfig& log);

}  // namespace rolewatch::stream
