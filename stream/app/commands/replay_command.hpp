#pragma once
// `rolewatch replay FILE...`: the live pipeline, fed from files.
#include <cstddef>
#include <cstdint>
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
  std::string twin_window = "2m";          // as the config's rules.twin_window
  std::size_t max_line_bytes = 16u << 20;  // longer lines are counted and skipped
  std::uint64_t min_free_mb = 256;         // as the config's state.min_free_mb
};

// Exit codes: 0 input processed (bad and over-long lines counted and
// skipped), 1 state failure (including a state volume below min_free_mb:
// a batch job stops rather than waits), 2 unreadable file or invalid rules.
int replay_command(const ReplayOptions& options);

}  // namespace rolewatch::stream
