#pragma once
// `rolewatch backfill --config FILE --since T [--until T] [--dry-run]`:
// the Graph audit log (auditLogs/directoryAudits) of a past range through
// the same pipeline and state as `run` (docs/backfill.md). A new deployment
// sees the 30 days Graph keeps instead of the hub's 1-7; a gap after an
// outage longer than the hub's retention is filled.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

namespace rolewatch::stream {

struct BackfillOptions {
  std::filesystem::path config_file;
  std::string since;                 // RFC 3339
  std::optional<std::string> until;  // RFC 3339; none: up to now
  bool dry_run = false;              // alerts on `out`, nothing delivered, state untouched
  std::size_t page_size = 1000;      // $top
  // Not on the command line: tests shorten them.
  std::chrono::milliseconds progress_interval{5'000};
  std::chrono::milliseconds delivery_wait{30'000};  // for the sinks, after the last page
};

// Exit codes: 0 the range is processed; 1 runtime failure (Graph, state) or
// interrupted (SIGINT/SIGTERM): the same command again continues from the
// last committed page; 2 invalid command line or configuration.
int backfill_command(const BackfillOptions& options, std::ostream& out);

}  // namespace rolewatch::stream
