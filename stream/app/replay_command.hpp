#pragma once
// `rolewatch replay FILE...`: the live pipeline, fed from files.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace rolewatch::stream {

struct ReplayOptions {
  std::vector<std::string> files;                   // "-" is standard input
  std::optional<std::filesystem::path> state_dir;   // fresh temporary state when absent
  std::optional<std::filesystem::path> rules_file;  // compiled-in rules when absent
  std::size_t batch_lines = 256;
  std::string twin_window = "2m";  // as the config's rules.twin_window
};

// Exit codes: 0 input processed (bad lines counted and skipped), 1 state
// failure, 2 unreadable file or invalid rules.
int replay_command(const ReplayOptions& options);

}  // namespace rolewatch::stream
