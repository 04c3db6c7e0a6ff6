#pragma once
// Unexpected failures on background threads (the eligibility refresher, the
// outbox sender's dispatcher and workers, periodic tasks, the HTTP server):
// an exception that reaches a thread's top would call std::terminate, so
// each thread runs its work through run_guarded(), which catches
// everything, logs it, counts it (rolewatch_background_errors_total{thread},
// read by ops/metrics on every scrape), and lets the thread carry on after a
// backoff of its own choosing. Counts are process-wide: a thread has no
// Metrics to hand, and there is one process.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace rolewatch::stream {

enum class BackgroundThread { refresher, sender, periodic, http };
inline constexpr std::size_t kBackgroundThreads = 4;

// The metric's `thread` label: eligibility_refresher, outbox_sender,
// periodic_task, http_server.
std::string_view to_string(BackgroundThread thread);

// Logs one unexpected failure (its message shortened to printable ASCII:
// exception texts here come from libraries, never from our secrets) and
// counts it.
void record_background_error(BackgroundThread thread, std::string_view what);

// How many were recorded so far for `thread`, in this process.
std::uint64_t background_errors(BackgroundThread thread);

// Runs `task`; any exception is recorded as above. True when the task
// returned normally.
bool run_guarded(BackgroundThread thread, const std::function<void()>& task);

}  // namespace rolewatch::stream
