#pragma once
// The test file format of `rolewatch rules test` (docs/rule-tests.md): a YAML
// file with a `cases:` list; each case gives input audit records (inline, or
// files relative to the test file), optionally a rules file and an
// eligibility CSV, and what the rules must raise. Read whole before anything
// runs, so a typo is exit 2 with file:line, never a case that passes by
// checking nothing: unknown keys are errors.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "state/base/expected.hpp"

namespace rolewatch::stream {

// Where in a test file something was written ("tests.yaml:12").
struct SourceLine {
  std::string file;
  int line = 0;  // 1-based
  std::string text() const { return file + ":" + std::to_string(line); }
};

// Only the fields given are compared (partial matching).
struct ExpectedAlert {
  SourceLine where;
  std::optional<std::string> rule, actor, severity, status;
  std::optional<std::uint32_t> count, revisions;
  std::optional<std::vector<std::string>> removed_targets;  // compared as a set
};

struct ExpectedActivation {
  SourceLine where;
  std::optional<std::string> principal, role, eligibility, ip_address;
  std::optional<bool> privileged, synced, new_ip;
};

struct EligibilityInput {
  std::filesystem::path csv;  // resolved against the test file's folder
  std::string as_of;          // RFC 3339: the snapshot's time
};

struct RuleTestCase {
  SourceLine where;
  std::string name;
  std::optional<std::filesystem::path> rules;  // resolved; none: --rules or built-in
  std::optional<EligibilityInput> eligibility;
  // The input, one Event Hubs message, bare record or Graph page per entry:
  // the files' messages first (in the order listed), then the inline records.
  std::vector<std::string> messages;
  bool expect_no_alerts = false;
  std::optional<std::vector<ExpectedAlert>> alerts;  // every alert, when given
  std::optional<std::vector<ExpectedActivation>> activations;
};

// Every case of one test file, or the first error as "FILE:LINE: message"
// (invalid_argument).
Expected<std::vector<RuleTestCase>> load_rule_test_file(const std::filesystem::path& file);

// The messages of an input file: the whole file when it is one JSON document
// (a pretty-printed fixture), else one per non-blank line (replay's format).
Expected<std::vector<std::string>> read_input_messages(const std::filesystem::path& file);

}  // namespace rolewatch::stream
