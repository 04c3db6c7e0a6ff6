// libFuzzer target: a Microsoft Graph $batch answer through
// parse_batch_answer, the check the Graph client applies before trusting
// one (issue 12, finding 4: a numeric `id` used to throw in the refresher
// thread). The first byte picks the pending requests the answer must match
// (how many, and every index or every other one, as when only some inner
// requests are sent again); the rest is the body. A malformed answer must
// be an error; an accepted one answers each pending request exactly once.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "state/directory/graph_client.hpp"
#include "tests/fuzz/fuzz_support.hpp"

ROLEWATCH_FUZZ_QUIET_INIT

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t count = 1 + data[0] % 20;  // Graph's $batch carries 1 to 20
  const std::size_t stride = (data[0] & 0x80) ? 2 : 1;
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < count; ++i) pending.push_back(i * stride);
  const std::string body(rolewatch::fuzz::as_text(data + 1, size - 1));

  auto answers = rolewatch::state::parse_batch_answer(body, pending);
  if (!answers) return 0;
  if (answers->size() != pending.size()) std::abort();
  std::vector<std::size_t> seen;
  for (const auto& answer : *answers) seen.push_back(answer.index);
  std::sort(seen.begin(), seen.end());
  if (seen != pending) std::abort();
  return 0;
}
