#include "stream/runtime/stop_signal.hpp"

#include <csignal>
#include <cstdlib>
#include <thread>

namespace rolewatch::stream {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signals{0};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_stop_signal(int signal) {
  if (g_signals.fetch_add(1) > 0) std::_Exit(128 + signal);
  g_stop.store(true);
}

}  // namespace

void install_stop_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

void request_stop() {
  g_stop.store(true);
}

void clear_stop_request() {
  g_stop.store(false);
  g_signals.store(0);
}

bool stop_requested() {
  return g_stop.load();
}

const std::atomic<bool>& stop_flag() {
  return g_stop;
}

bool wait_for_stop(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!stop_requested() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return stop_requested();
}

}  // namespace rolewatch::stream
