// libFuzzer target: an eligibility export (CSV) through the parser that
// `rolewatch eligibility import` uses: delimiter detection, RFC 4180
// quoting, BOM, header lookup, the field and line bounds. All rows or one
// error naming its line, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "state/directory/csv_import.hpp"
#include "tests/fuzz/fuzz_support.hpp"

ROLEWATCH_FUZZ_QUIET_INIT

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto rows = rolewatch::state::parse_eligibility_csv(rolewatch::fuzz::as_text(data, size));
  // An error always says which line it is about.
  if (!rows && rows.error().message.find("line ") == std::string::npos) std::abort();
  return 0;
}
