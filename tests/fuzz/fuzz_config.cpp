// libFuzzer target: configuration YAML text through parse_config, as
// `rolewatch run --config` reads it, with an environment that has nothing in
// it (so ${VAR} references fail the way they would on an empty host). Every
// bad file must come back as an error, never an exception or a crash.
// Relative *_file and rules.files paths resolve against the working
// directory: scripts/fuzz.sh runs the target in an empty one.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "stream/config/config.hpp"
#include "tests/fuzz/fuzz_support.hpp"

ROLEWATCH_FUZZ_QUIET_INIT

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(rolewatch::fuzz::as_text(data, size));
  auto no_env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto config = rolewatch::stream::parse_config(text, no_env);
  // A configuration that loads can also be printed (redacted).
  if (config) (void)rolewatch::stream::redacted_dump(*config);
  return 0;
}
