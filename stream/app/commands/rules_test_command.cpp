#include "stream/app/commands/rules_test_command.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <map>
#include <ostream>

#include "state/base/log_escape.hpp"
#include "state/base/temp_dir.hpp"
#include "state/base/time.hpp"
#include "state/directory/csv_import.hpp"
#include "stream/app/rules_test/rules_test_cases.hpp"
#include "stream/app/rules_test/rules_test_match.hpp"
#include "stream/config/rules_loader.hpp"
#include "stream/pipeline/pipeline.hpp"
#include "stream/source/file_source.hpp"

namespace rolewatch::stream {
namespace {

using nlohmann::json;

constexpr std::size_t kBatchLines = 256;          // as replay's default
constexpr std::size_t kMaxLineBytes = 16u << 20;  // as replay's default

// The cases of every file with the rules each runs with, or the errors.
struct Suite {
  std::vector<RuleTestCase> cases;
  std::map<std::filesystem::path, RuleSet> rule_sets;  // "" : the default
  std::vector<std::string> errors;
};

void load_rules_once(Suite& suite, const std::filesystem::path& key,
                     const std::vector<std::filesystem::path>& files, const std::string& where) {
  if (suite.rule_sets.count(key) > 0) return;
  auto rules = load_rule_set(files);
  if (rules) {
    suite.rule_sets.emplace(key, std::move(*rules));
  } else {
    suite.errors.push_back(where + ": invalid rules: " + rules.error().message);
  }
}

Suite load_suite(const RulesTestOptions& options) {
  Suite suite;
  std::vector<std::filesystem::path> defaults;
  if (options.rules_file) defaults.push_back(*options.rules_file);
  load_rules_once(suite, "", defaults, "--rules");
  for (const auto& file : options.files) {
    auto cases = load_rule_test_file(file);
    if (!cases) {
      suite.errors.push_back(cases.error().message);
      continue;
    }
    for (auto& test : *cases) {
      if (test.rules) load_rules_once(suite, *test.rules, {*test.rules}, test.where.text());
      suite.cases.push_back(std::move(test));
    }
  }
  return suite;
}

Status write_input(const std::filesystem::path& path, const std::vector<std::string>& messages) {
  std::ofstream out(path);
  for (const auto& message : messages) out << message << '\n';
  out.close();
  if (!out) return make_error("cannot write the case's input to " + path.string());
  return ok();
}

Status import_eligibility(state::Store& store, const EligibilityInput& input) {
  auto imported =
      state::import_eligibility_csv(store, input.csv, *state::parse_event_time(input.as_of));
  if (!imported)
    return make_error("eligibility: " + imported.error().message, imported.error().code);
  return ok();
}

// The case's input through a fresh pipeline, as `replay` runs it; every
// document it wrote, in order.
Expected<std::vector<json>> run_case(const RuleTestCase& test, const RuleSet& rules) {
  state::TempDir work("rolewatch-rules-test");
  if (work.path().empty()) return make_error("cannot create a temporary directory");
  const auto input = work / "input.jsonl";
  if (auto written = write_input(input, test.messages); !written) return written.error();
  auto store = state::Store::open(work / "state", {.sync_writes = false});
  if (!store) return store.error();
  if (test.eligibility) {
    if (auto imported = import_eligibility(**store, *test.eligibility); !imported) {
      return imported.error();
    }
  }
  auto pipeline =
      Pipeline::make(**store, rules.bursts, {nullptr, rules::kDefaultTwinWindow, rules.activation});
  if (!pipeline) return pipeline.error();
  std::vector<json> documents;
  auto collect = [&](Expected<BatchResult> result) -> Status {
    if (!result) return result.error();
    for (const auto& document : result->documents) documents.push_back(json::parse(document));
    return ok();
  };
  FileSource source({input.string()}, (*pipeline)->clock(), kBatchLines, kMaxLineBytes);
  auto status = source.run([&](std::span<const SourceMessage> messages) {
    return collect((*pipeline)->process(messages));
  });
  if (status) status = collect((*pipeline)->flush(FlushScope::end_of_input));
  if (!status) return status.error();
  return documents;
}

std::string heading(const RuleTestCase& test) {
  return test.where.text() + " " + state::log_escaped(test.name);
}

}  // namespace

int rules_test_command(const RulesTestOptions& options, std::ostream& out) {
  auto suite = load_suite(options);
  for (const auto& error : suite.errors) spdlog::error("{}", error);
  if (!suite.errors.empty()) return exit_status(ExitCode::usage);
  std::size_t passed = 0, failed = 0;
  ExitCode worst = ExitCode::ok;
  for (const auto& test : suite.cases) {
    auto documents = run_case(test, suite.rule_sets.at(test.rules.value_or("")));
    if (!documents) {
      out << "ERROR " << heading(test) << ": " << state::log_escaped(documents.error().message)
          << '\n';
      ++failed;
      worst = std::max(worst, exit_code_for(documents.error()));
      continue;
    }
    const auto diff = compare_case(test, *documents);
    out << (diff.empty() ? "PASS " : "FAIL ") << heading(test) << '\n';
    for (const auto& line : diff) out << "    " << line << '\n';
    ++(diff.empty() ? passed : failed);
    if (!diff.empty()) worst = std::max(worst, ExitCode::failure);
  }
  out << suite.cases.size() << " case(s): " << passed << " passed, " << failed << " failed\n";
  out.flush();
  return exit_status(worst);
}

}  // namespace rolewatch::stream
