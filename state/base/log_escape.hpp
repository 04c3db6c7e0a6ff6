#pragma once
// Making untrusted text inert in a log line (docs/design.md §3, "Input and
// decoding": text from records is escaped in logs). Every control character
// that could end a line, forge a new one or drive a terminal becomes a
// visible escape: C0 (U+0000 to U+001F: \n, \r, \t and \xNN for the rest,
// ESC included), DEL (\x7f), C1 (U+0080 to U+009F, \u0085 ...) and the
// Unicode line and paragraph separators (\u2028, \u2029). A backslash stays
// a single backslash: the output is for people reading logs, not a parser,
// and keeping it unchanged keeps Windows paths and regexes readable. Bytes
// that are not valid UTF-8 become \xNN too. Everything else passes through.
#include <string>
#include <string_view>

namespace rolewatch::state {

// Appends `text` with every control character escaped; true if anything was.
bool append_log_escaped(std::string_view text, std::string& out);

std::string log_escaped(std::string_view text);

}  // namespace rolewatch::state
