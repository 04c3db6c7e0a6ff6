#include "support/tmpfs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace support {
namespace {

std::string size_option(std::uint64_t size_mb) {
  return "size=" + std::to_string(size_mb) + "m,mode=0755";
}

}  // namespace

std::unique_ptr<Tmpfs> Tmpfs::make(std::uint64_t size_mb, std::string& why) {
  std::unique_ptr<Tmpfs> tmpfs(new Tmpfs());
  const auto options = size_option(size_mb);
  if (::mount("tmpfs", tmpfs->path().c_str(), "tmpfs", 0, options.c_str()) != 0) {
    why = std::string("cannot mount a tmpfs here (needs CAP_SYS_ADMIN): ") + std::strerror(errno);
    return nullptr;
  }
  tmpfs->mounted_ = true;
  return tmpfs;
}

Tmpfs::~Tmpfs() {
  if (mounted_) ::umount2(path().c_str(), MNT_DETACH);
}

std::uint64_t Tmpfs::available_bytes() const {
  struct statvfs info {};
  if (::statvfs(path().c_str(), &info) != 0) throw std::runtime_error("statvfs failed");
  return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

void Tmpfs::fill_leaving(std::uint64_t leave_bytes) {
  const auto available = available_bytes();
  if (available <= leave_bytes) return;
  const auto filler = path() / "filler";
  int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd < 0) throw std::runtime_error("cannot create the filler file");
  const auto grow = static_cast<off_t>(available - leave_bytes);
  struct stat st {};
  ::fstat(fd, &st);
  const int rc = ::posix_fallocate(fd, st.st_size, grow);
  ::close(fd);
  if (rc != 0) throw std::runtime_error(std::string("fallocate failed: ") + std::strerror(rc));
}

void Tmpfs::remove_filler() {
  std::filesystem::remove(path() / "filler");
}

void Tmpfs::resize(std::uint64_t size_mb) {
  const auto options = size_option(size_mb);
  if (::mount("tmpfs", path().c_str(), "tmpfs", MS_REMOUNT, options.c_str()) != 0) {
    throw std::runtime_error(std::string("cannot remount the tmpfs: ") + std::strerror(errno));
  }
}

}  // namespace support
