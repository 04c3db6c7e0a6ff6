#pragma once
// `rolewatch eligibility import FILE.csv --state-dir DIR [--as-of TIME]` and
// `rolewatch eligibility refresh --config FILE [--state-dir DIR]`.
#include <filesystem>
#include <optional>
#include <string>

namespace rolewatch::stream {

struct EligibilityImportOptions {
  std::filesystem::path file;
  std::filesystem::path state_dir;
  std::optional<std::string> as_of;  // RFC 3339; default: now
};
// Exit codes: 0 imported, 1 state failure, 2 unreadable or malformed CSV.
int eligibility_import_command(const EligibilityImportOptions& options);

struct EligibilityRefreshOptions {
  std::filesystem::path config_file;
  std::optional<std::filesystem::path> state_dir;  // default: the config's state.dir
};
// Exit codes: 0 refreshed, 1 Graph or state failure (old snapshot kept),
// 2 invalid configuration.
int eligibility_refresh_command(const EligibilityRefreshOptions& options);

}  // namespace rolewatch::stream
