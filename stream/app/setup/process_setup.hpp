#pragma once
// Process-wide settings every command needs before it does anything else
// (issue 12, "Process"): a closed stdout or socket must become an error the
// caller handles, not a silent SIGPIPE death; a process that holds secrets
// (`run`: Event Hubs keys, client secrets, webhook keys) must never write
// them into a core dump or expose its memory to same-user ptrace; and only
// a batch job trades resident memory for fewer page faults (issue 14).

namespace rolewatch::stream {

// SIGPIPE ignored: writes to a closed pipe fail with EPIPE instead, which
// the stdout sink reports as a delivery error (and retries).
void ignore_sigpipe();

// prctl(PR_SET_DUMPABLE, 0) and RLIMIT_CORE 0: no core file on any abort
// path, no /proc/PID/mem for other processes of the same user. Returns
// false (and the caller logs) when the kernel refused.
bool forbid_core_dumps();

// Whether the kernel may back this process's memory with transparent huge
// pages (prctl PR_SET_THP_DISABLE; jemalloc asks for them on all its memory,
// stream/app/main.cpp). main() turns them off for every command: a
// long-running `run` keeps 4 KiB pages and the resident set that
// docs/design.md §6 budgets (huge pages added 8-16 MB to each replay
// measured). `replay`, a batch job whose system time went to page faults,
// turns them on. Returns false when the kernel refused.
bool allow_huge_pages(bool allowed);

}  // namespace rolewatch::stream
