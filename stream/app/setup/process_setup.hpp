#pragma once
// Process-wide settings every command needs before it does anything else
// (issue 12, "Process"): a closed stdout or socket must become an error the
// caller handles, not a silent SIGPIPE death; and a process that holds
// secrets (`run`: Event Hubs keys, client secrets, webhook keys) must never
// write them into a core dump or expose its memory to same-user ptrace.

namespace rolewatch::stream {

// SIGPIPE ignored: writes to a closed pipe fail with EPIPE instead, which
// the stdout sink reports as a delivery error (and retries).
void ignore_sigpipe();

// prctl(PR_SET_DUMPABLE, 0) and RLIMIT_CORE 0: no core file on any abort
// path, no /proc/PID/mem for other processes of the same user. Returns
// false (and the caller logs) when the kernel refused.
bool forbid_core_dumps();

}  // namespace rolewatch::stream
