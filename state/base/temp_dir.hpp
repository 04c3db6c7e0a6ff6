#pragma once
// A fresh directory under $TMPDIR that removes itself (replay and demo
// state, tests).
#include <filesystem>
#include <string>

namespace rolewatch::state {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "rolewatch");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Empty when the directory could not be created.
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace rolewatch::state
