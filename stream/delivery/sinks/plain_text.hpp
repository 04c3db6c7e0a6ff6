#pragma once
// Text from audit records shown to people through renderers that read
// Markdown (Teams' Adaptive Card TextBlocks and FactSets, Alertmanager
// annotations that templates put into Slack, Teams or HTML mail): it must
// show as the characters it is, never as formatting, a link or a second
// line (docs/design.md §3: text from records is plain text in cards).
//
//   - control characters become visible escapes (state/base/log_escape);
//   - Markdown's special characters (\ ` * _ [ ] ( ) # > < & ~ |) get a
//     backslash, as CommonMark reads "\*" as a literal "*"; a "-", "+" or
//     "1." that would start a list item is escaped too;
//   - URLs cannot become links: a WORD JOINER (U+2060, invisible) goes after
//     the ":" of "://" and after "www", which autolinking needs adjacent.
#include <string>
#include <string_view>

namespace rolewatch::stream {

// U+2060 WORD JOINER, UTF-8 encoded.
inline constexpr std::string_view kWordJoiner = "\xE2\x81\xA0";

std::string plain_text(std::string_view text);

}  // namespace rolewatch::stream
