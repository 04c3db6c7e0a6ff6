#pragma once
// `rolewatch rules test FILE...`: a detection engineer's check of the rules
// (docs/rule-tests.md). Each case of each test file runs through the same
// pipeline as `replay`, on a fresh temporary state, and its alerts and
// labelled activations are compared with what the case expects. One line per
// case (PASS, or FAIL with the diff), then a summary.
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <vector>

namespace rolewatch::stream {

struct RulesTestOptions {
  std::vector<std::filesystem::path> files;
  // Rules for the cases that name none; the built-in rules when absent.
  std::optional<std::filesystem::path> rules_file;
};

// Exit codes: 0 every case passed; 1 a case failed (or could not run: state);
// 2 a test file, an input or rules file it names is unreadable or invalid
// (nothing runs; errors name FILE:LINE).
int rules_test_command(const RulesTestOptions& options, std::ostream& out);

}  // namespace rolewatch::stream
