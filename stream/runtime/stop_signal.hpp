#pragma once
// The process-wide stop request: SIGTERM and SIGINT set it, long-running
// commands poll it between batches. A second signal exits at once (the state
// is consistent after every batch, so nothing is lost by that).
#include <atomic>
#include <chrono>

namespace rolewatch::stream {

void install_stop_signal_handlers();  // idempotent
void request_stop();
void clear_stop_request();  // for tests that run several commands in one process
bool stop_requested();
const std::atomic<bool>& stop_flag();

// Sleeps until a stop is requested or the timeout passes; true if stopped.
bool wait_for_stop(std::chrono::milliseconds timeout);

}  // namespace rolewatch::stream
