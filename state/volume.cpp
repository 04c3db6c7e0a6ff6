#include "state/volume.hpp"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

namespace rolewatch::state {

Expected<std::uint64_t> available_bytes(const std::filesystem::path& path) {
  struct statvfs info {};
  if (::statvfs(path.c_str(), &info) != 0) {
    return make_error("cannot read free space of " + path.string() + ": " + std::strerror(errno));
  }
  return static_cast<std::uint64_t>(info.f_bavail) * static_cast<std::uint64_t>(info.f_frsize);
}

}  // namespace rolewatch::state
