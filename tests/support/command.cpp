#include "support/command.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "support/temp_dir.hpp"

namespace support {

CommandResult run_shell(const std::string& command) {
  TempDir dir;
  auto err_path = dir / "stderr";
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>" + err_path.string()).c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[65536];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path);
  std::stringstream text;
  text << err.rdbuf();
  result.err = text.str();
  return result;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::string rolewatch_binary() {
  return ROLEWATCH_BINARY;
}
std::string fixture(const std::string& relative) {
  return std::string(ROLEWATCH_TEST_FIXTURES) + "/" + relative;
}

}  // namespace support
