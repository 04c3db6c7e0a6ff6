#pragma once
// A scratch directory for one test, removed when it goes out of scope: the
// product's TempDir (state/base), throwing when it cannot be created.
#include <stdexcept>

#include "state/base/temp_dir.hpp"

namespace support {

class TempDir : public rolewatch::state::TempDir {
 public:
  TempDir() : rolewatch::state::TempDir("rolewatch-test") {
    if (path().empty()) throw std::runtime_error("cannot create a test directory");
  }
};

}  // namespace support
