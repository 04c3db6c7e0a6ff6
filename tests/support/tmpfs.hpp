#pragma once
// A small tmpfs mounted for one test, to run out of disk for real (issue 12,
// "Disk full"): RocksDB, the file sink and the run loop meet ENOSPC exactly
// as on a full volume. Mounting needs CAP_SYS_ADMIN (CI runs as root); where
// it is refused, make() says why and the test reports it as skipped.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "support/temp_dir.hpp"

namespace support {

class Tmpfs {
 public:
  // Null (with `why` set) when this machine does not allow the mount.
  static std::unique_ptr<Tmpfs> make(std::uint64_t size_mb, std::string& why);
  ~Tmpfs();  // unmounts (lazily, if something still holds a file)

  const std::filesystem::path& path() const { return dir_.path(); }
  std::uint64_t available_bytes() const;
  // Takes all but `leave_bytes` of the free space with a filler file.
  void fill_leaving(std::uint64_t leave_bytes);
  void remove_filler();
  // Grows the mount (remount), as an operator extending a volume would.
  void resize(std::uint64_t size_mb);

 private:
  Tmpfs() = default;
  TempDir dir_;
  bool mounted_ = false;
};

}  // namespace support
