#pragma once
// Free space on the volume that holds the state (docs/security.md, "Disk
// full"): RocksDB must never meet a full disk mid-write, so the run loop
// checks this before each batch and pauses below a reserve.
#include <cstdint>
#include <filesystem>

#include "state/base/expected.hpp"

namespace rolewatch::state {

// Bytes an unprivileged writer can still use on the volume of `path`
// (statvfs: f_bavail x f_frsize).
Expected<std::uint64_t> available_bytes(const std::filesystem::path& path);

}  // namespace rolewatch::state
