// libFuzzer target: one message body (Event Hubs batch, bare record, Graph
// page, anything) through the audit decoder, as the Kafka source and replay
// feed it. The decoder promises never to throw on bad input; ASan/UBSan
// check the simdjson On-Demand walk, the UTF-8 repair and the normalizer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "stream/pipeline/audit_decoder.hpp"
#include "tests/fuzz/fuzz_support.hpp"

ROLEWATCH_FUZZ_QUIET_INIT

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // One decoder for the whole run, as in production: its reused buffers
  // must not carry anything from one message into the next.
  static rolewatch::stream::AuditDecoder decoder;
  rolewatch::stream::SourceMessage message;
  message.topic = "fuzz";
  message.payload = rolewatch::fuzz::as_text(data, size);
  std::uint64_t events = 0;
  auto counters = decoder.decode(
      message, [&](rolewatch::rules::RoleEvent&&) { ++events; },
      [](rolewatch::rules::EventTime) {});
  // Every event handed out is a role record the counters know about.
  if (events != counters.role_records) std::abort();
  return 0;
}
