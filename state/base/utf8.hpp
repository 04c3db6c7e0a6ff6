#pragma once
// Repairing untrusted text instead of rejecting it: invalid UTF-8, JSON
// string escapes that do not decode (lone or reversed UTF-16 surrogates,
// unknown escapes, short \u sequences) and NUL become U+FFFD. The decoder
// uses these for descriptive fields (names, UPNs, reasons) and for whole
// messages, so one hostile string never hides a record (docs/design.md §3,
// "Input and decoding"). Every function reports whether it replaced anything.
#include <cstdint>
#include <string>
#include <string_view>

namespace rolewatch::state {

// U+FFFD REPLACEMENT CHARACTER, UTF-8 encoded.
inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// Appends the UTF-8 encoding of `code_point` (at most U+10FFFF; surrogates
// are the caller's business).
void append_utf8(std::string& out, std::uint32_t code_point);

// Appends `bytes` with each maximal ill-formed subsequence (Unicode §3.9:
// a bad lead byte, an overlong or surrogate encoding, a sequence cut short)
// replaced by one U+FFFD. NUL is valid UTF-8 and kept. True if anything was
// replaced.
bool append_repaired_utf8(std::string_view bytes, std::string& out);

// The body of a JSON string token as simdjson's raw_json_token() gives it
// ("\"text\"  " -> "text"): the opening quote, the closing quote and any
// whitespace after it removed.
std::string_view json_string_body(std::string_view token);

// Appends the decoded text of a JSON string body (without its quotes).
// Never fails: a lone surrogate (\ud800, \udc00; a reversed pair is two),
// NUL (escaped or raw) and each maximal invalid UTF-8 subsequence become one
// U+FFFD; of an unknown escape (\q) or a short one (\u12) the backslash
// (with the u) becomes U+FFFD and the rest is read as text; an unescaped
// quote is kept. True if anything was replaced or kept that a valid,
// NUL-free JSON string would not hold.
bool append_unescaped_json_lenient(std::string_view body, std::string& out);

// A JSON document with the bytes simdjson refuses before it parses anything
// repaired: invalid UTF-8 anywhere, and control characters (U+0000 to
// U+001F, which JSON requires escaped) inside strings, each become U+FFFD.
// Structure outside strings is left alone. True if anything was replaced.
bool append_repaired_json_document(std::string_view json, std::string& out);

}  // namespace rolewatch::state
