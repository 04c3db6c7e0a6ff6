#pragma once
// What every fuzz target shares: logging off (the decoders log each bad
// input once, which would only slow the fuzzer down and flood its output)
// and the input as text.
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rolewatch::fuzz {

inline void quiet_logs() {
  spdlog::set_level(spdlog::level::off);
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace rolewatch::fuzz

#define ROLEWATCH_FUZZ_QUIET_INIT                                        \
  extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) { \
    rolewatch::fuzz::quiet_logs();                                       \
    return 0;                                                            \
  }
