// Catching, logging and counting background threads' exceptions: see
// background_errors.hpp.
#include "stream/ops/background_errors.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <exception>
#include <string>

namespace rolewatch::stream {
namespace {

std::array<std::atomic<std::uint64_t>, kBackgroundThreads> g_errors{};

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 200)) {
    auto byte = static_cast<unsigned char>(c);
    out.push_back(byte >= 0x20 && byte < 0x7f ? c : '?');
  }
  return out;
}

}  // namespace

std::string_view to_string(BackgroundThread thread) {
  switch (thread) {
    case BackgroundThread::refresher:
      return "eligibility_refresher";
    case BackgroundThread::sender:
      return "outbox_sender";
    case BackgroundThread::periodic:
      return "periodic_task";
    case BackgroundThread::http:
      return "http_server";
  }
  return "unknown";
}

void record_background_error(BackgroundThread thread, std::string_view what) {
  ++g_errors[static_cast<std::size_t>(thread)];
  spdlog::error("{}: unexpected error, carrying on: {}", to_string(thread), printable(what));
}

std::uint64_t background_errors(BackgroundThread thread) {
  return g_errors[static_cast<std::size_t>(thread)].load();
}

bool run_guarded(BackgroundThread thread, const std::function<void()>& task) {
  try {
    task();
    return true;
  } catch (const std::exception& e) {
    record_background_error(thread, e.what());
  } catch (...) {
    record_background_error(thread, "an exception of unknown type");
  }
  return false;
}

}  // namespace rolewatch::stream
