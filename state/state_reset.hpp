#pragma once
// `rolewatch state reset [--keep-outbox]`: the way out of a damaged state
// (docs/live-stream-and-recovery.md "Corrupt state"). The damaged directory
// is moved aside, never deleted (DIR.damaged-<UTC time>), so nothing is
// lost that a later, better tool could still read. With keep_outbox, a new
// state is built next to it first, holding every undelivered alert (and
// labelled activation) of the outbox that can still be read, with its
// per-sink delivery records and the outbox sequence, and then takes DIR's
// place: the next `run` rebuilds the windows from the stream (restore) and
// still delivers those alerts. A mount point cannot be renamed: there the
// files move into DIR/damaged-<UTC time> and the new state is written in DIR.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "state/base/expected.hpp"

namespace rolewatch::state {

struct ResetOptions {
  bool keep_outbox = false;
  // Names the moved-aside directory.
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  // Move the files into DIR/damaged-<UTC time> instead of renaming DIR
  // (which a mount point refuses). Default: when DIR is a mount point.
  std::optional<bool> in_place;
};

struct ResetReport {
  std::filesystem::path moved_to;        // where the damaged state is now
  bool fresh_state = false;              // keep_outbox: a new state holds the kept alerts
  std::size_t kept = 0;                  // undelivered outbox entries copied
  std::size_t delivery_records = 0;      // their per-sink delivery records copied
  std::size_t unreadable = 0;            // outbox entries read but not JSON
  std::vector<std::string> read_errors;  // what could not be read at all, and where
};

// Errors: not_found / invalid_argument as state_check (nothing was moved);
// failure: the state is in use, or the new state could not be written or
// moved in place (the message says where everything is).
Expected<ResetReport> reset_state(const std::filesystem::path& dir, const ResetOptions& options);

// Whether DIR is a mount point (its own device, or listed in
// /proc/self/mountinfo, which also knows bind mounts).
bool is_mount_point(const std::filesystem::path& dir);

// "<dir>.damaged-YYYYMMDDTHHMMSSZ", with "-2", "-3", ... when taken.
std::filesystem::path damaged_name(const std::filesystem::path& dir,
                                   std::chrono::system_clock::time_point now);

}  // namespace rolewatch::state
