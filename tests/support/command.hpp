#pragma once
// Runs a shell command for end-to-end tests and captures what it printed.
#include <string>
#include <vector>

namespace support {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// `command` is run by /bin/sh; stdout and stderr are captured separately.
CommandResult run_shell(const std::string& command);

// Splits text into non-empty lines.
std::vector<std::string> lines_of(const std::string& text);

// Path of the built rolewatch executable and of the test fixtures.
std::string rolewatch_binary();
std::string fixture(const std::string& relative);

}  // namespace support
