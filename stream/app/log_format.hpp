#pragma once
// The one place log lines get their shape: a timestamp, the level, and the
// message with every control character escaped (state/base/log_escape), so
// a newline or an ANSI sequence inside a UPN, a display name or any other
// text from a record can never forge a second line or drive a terminal
// (docs/design.md §3: text from records is escaped in logs). Escaping the
// whole message in the formatter, rather than each field at each call,
// means no field can be missed.
#include <spdlog/formatter.h>
#include <spdlog/logger.h>

#include <memory>
#include <string>

namespace rolewatch::stream {

// "2025-03-04T10:15:02.123Z warning <message, escaped>" (UTC).
std::unique_ptr<spdlog::formatter> make_log_formatter();

// A logger writing through `sink` with that formatter (the CLI's is stderr).
std::shared_ptr<spdlog::logger> make_logger(const std::string& name, spdlog::sink_ptr sink);

}  // namespace rolewatch::stream
