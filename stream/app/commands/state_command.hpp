#pragma once
// `rolewatch state check --state-dir DIR` and `rolewatch state reset
// --state-dir DIR [--keep-outbox]`: the state tools of
// docs/live-stream-and-recovery.md "Corrupt state", printing the reports of
// state/state_check and state/state_reset.
#include <filesystem>
#include <ostream>

namespace rolewatch::stream {

struct StateToolOptions {
  std::filesystem::path state_dir;
  bool keep_outbox = false;  // reset only
};

// Exit codes: 0 clean, 1 damage found or the state is in use, 2 no state
// directory there.
int state_check_command(const StateToolOptions& options, std::ostream& out);
// Exit codes: 0 moved aside (and alerts kept), 1 in use or a write failed,
// 2 no state directory there.
int state_reset_command(const StateToolOptions& options, std::ostream& out);

}  // namespace rolewatch::stream
