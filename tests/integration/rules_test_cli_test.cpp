// End-to-end: `rolewatch rules test FILE...` (docs/rule-tests.md) as a
// process: the shipped cases pass (also the ctest rule_tests_shipped), a
// wrong expectation fails with exit 1 and a readable diff, and a broken test
// file, input, rules file or eligibility CSV is exit 2 naming FILE:LINE.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "support/command.hpp"
#include "support/temp_dir.hpp"

using support::rolewatch_binary;
using support::run_shell;
namespace fs = std::filesystem;

namespace {

const std::string kShipped = std::string(ROLEWATCH_SOURCE_DIR) + "/rules/tests";

// A test file in `dir` whose cases read the shipped records.
fs::path write_test(const fs::path& dir, const std::string& yaml,
                    const std::string& name = "case.yaml") {
  fs::create_directories(dir / "records");
  for (const auto& entry : fs::directory_iterator(kShipped + "/records")) {
    fs::copy_file(entry.path(), dir / "records" / entry.path().filename(),
                  fs::copy_options::skip_existing);
  }
  const auto path = dir / name;
  std::ofstream(path) << yaml;
  return path;
}

support::CommandResult rules_test(const std::string& args) {
  return run_shell(rolewatch_binary() + " rules test " + args);
}

const std::string kThreeCase =
    "cases:\n"
    "  - name: three removals\n"
    "    files: [records/burst-three.jsonl]\n";

}  // namespace

TEST_CASE("the shipped rule tests pass, one PASS line per case and a summary") {
  auto result = rules_test(kShipped + "/*.yaml");
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("PASS " + kShipped + "/removal-burst.yaml:7 three Core Directory") !=
        std::string::npos);
  CHECK(result.out.find(" 0 failed\n") != std::string::npos);
  CHECK(result.out.find("FAIL") == std::string::npos);
}

TEST_CASE("a wrong expected count fails with exit 1 and a diff of expected and actual") {
  support::TempDir dir;
  auto file = write_test(dir.path(), kThreeCase +
                                         "    alerts:\n"
                                         "      - rule: privileged-role-removal-burst\n"
                                         "        count: 4\n");
  auto result = rules_test(file.string());
  INFO(result.out << result.err);
  CHECK(result.exit_code == 1);
  CHECK(result.out.find("FAIL " + file.string() + ":2 three removals\n") != std::string::npos);
  CHECK(result.out.find("    - expected alert (" + file.string() +
                        ":5): rule=privileged-role-removal-burst count=4\n") != std::string::npos);
  CHECK(result.out.find("    + actual alert: rule=privileged-role-removal-burst "
                        "actor=mallory@contoso.onmicrosoft.com severity=high status=firing "
                        "count=3 revisions=1 removed_targets=[") != std::string::npos);
  CHECK(result.out.find("1 case(s): 0 passed, 1 failed\n") != std::string::npos);
}

TEST_CASE("expect_no_alerts fails when the rules fire, listing the alert") {
  support::TempDir dir;
  auto file = write_test(dir.path(), kThreeCase + "    expect_no_alerts: true\n");
  auto result = rules_test(file.string());
  CHECK(result.exit_code == 1);
  CHECK(result.out.find("    - expected no alerts\n") != std::string::npos);
  CHECK(result.out.find("    + actual alert: rule=privileged-role-removal-burst") !=
        std::string::npos);
}

TEST_CASE("an alert that fires but is not listed fails the case") {
  support::TempDir dir;
  auto file = write_test(dir.path(), kThreeCase + "    activations: []\n    alerts: []\n");
  auto result = rules_test(file.string());
  CHECK(result.exit_code == 1);
  CHECK(result.out.find("    + actual alert:") != std::string::npos);
}

TEST_CASE("a wrong expected activation fails with the actual labels in the diff") {
  support::TempDir dir;
  auto file = write_test(dir.path(),
                         "cases:\n"
                         "  - name: labels\n"
                         "    files: [records/activations.jsonl]\n"
                         "    activations:\n"
                         "      - {principal: bob@contoso.com, eligibility: direct}\n"
                         "      - {principal: dave@contoso.com}\n");
  auto result = rules_test(file.string());
  INFO(result.out);
  CHECK(result.exit_code == 1);
  CHECK(result.out.find("    - expected activation (" + file.string() +
                        ":5): principal=bob@contoso.com eligibility=direct\n") !=
        std::string::npos);
  CHECK(result.out.find("    + actual activation: principal=bob@contoso.com "
                        "role=Privileged Role Administrator eligibility=none") !=
        std::string::npos);
}

TEST_CASE("the --rules option gives the rules of cases that name none") {
  support::TempDir dir;
  std::ofstream(dir.path() / "two.yaml") << "rules:\n"
                                            "  - id: two-is-enough\n"
                                            "    match: {kinds: [remove-active]}\n"
                                            "    threshold: 2\n";
  auto file = write_test(dir.path(),
                         "cases:\n"
                         "  - name: two removals\n"
                         "    files: [records/burst-two.jsonl]\n"
                         "    alerts: [{rule: two-is-enough, count: 2}]\n");
  CHECK(rules_test(file.string()).exit_code == 1);
  auto result = rules_test("--rules " + (dir.path() / "two.yaml").string() + " " + file.string());
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
}

TEST_CASE("record text in a diff is escaped, so it cannot forge a result line") {
  support::TempDir dir;
  std::string records;
  for (int i = 0; i < 3; ++i) {
    records += "      - properties: {id: hostile-" + std::to_string(i) +
               ", category: RoleManagement, result: success, activityDisplayName: Remove member "
               "from role, activityDateTime: '2025-03-04T10:1" +
               std::to_string(i) +
               ":00Z', loggedByService: Core Directory, initiatedBy: {user: {id: evil, "
               "userPrincipalName: \"x\\nPASS forged\"}}, targetResources: [{id: t" +
               std::to_string(i) +
               ", type: User, modifiedProperties: [{displayName: Role.TemplateId, oldValue: "
               "'\"62e90394-69f5-4237-9190-012177145e10\"'}]}]}\n";
  }
  auto file = write_test(dir.path(), "cases:\n  - name: hostile\n    records:\n" + records +
                                         "    expect_no_alerts: true\n");
  auto result = rules_test(file.string());
  INFO(result.out << result.err);
  CHECK(result.exit_code == 1);
  CHECK(result.out.find("actor=x\\nPASS forged") != std::string::npos);
  CHECK(result.out.find("\nPASS forged") == std::string::npos);
}

TEST_CASE("a broken test file is exit 2 with the file and line, and no case runs") {
  support::TempDir dir;
  struct Broken {
    std::string yaml, message;
  };
  auto [yaml, message] = GENERATE(
      Broken{kThreeCase + "    alert: [{count: 3}]\n",
             ":4: cases[0] 'three removals': unknown key 'alert'"},
      Broken{kThreeCase + "    alerts: [{count: 3, sevrity: high}]\n",
             ":4: cases[0] 'three removals'.alerts[0]: unknown key 'sevrity'"},
      Broken{kThreeCase + "    alerts: [{count: three}]\n",
             ":4: cases[0] 'three removals'.alerts[0].count: expected a count, got 'three'"},
      Broken{kThreeCase + "    alerts: [{status: fired}]\n",
             ":4: cases[0] 'three removals'.alerts[0].status: expected firing, updated or closed"},
      Broken{kThreeCase + "    expect_no_alerts: true\n    alerts: []\n",
             ":5: cases[0] 'three removals': alerts and expect_no_alerts: true conflict"},
      Broken{kThreeCase, ":2: cases[0] 'three removals': nothing to check"},
      Broken{
          "cases:\n  - name: x\n    files: [records/missing.jsonl]\n    expect_no_alerts: true\n",
          ":3: cases[0] 'x'.files: cannot read"},
      Broken{"cases:\n  - name: x\n    records: [not json]\n    expect_no_alerts: true\n",
             ":3: cases[0] 'x'.records[0]: not a JSON object"},
      Broken{"cases:\n  - files: [records/burst-two.jsonl]\n    expect_no_alerts: true\n",
             ":2: cases[0]: name is required"},
      Broken{"cases:\n  - name: x\n    expect_no_alerts: true\n",
             ":2: cases[0] 'x': no input (give files or records)"},
      Broken{"cases:\n  - name: x\n    files: [records/burst-two.jsonl]\n"
             "    eligibility: {csv: records/eligible.csv, as_of: yesterday}\n"
             "    expect_no_alerts: true\n",
             ":4: cases[0] 'x'.eligibility.as_of: expected an RFC 3339 time"},
      Broken{"cases:\n  - name: x\n    files: [records/burst-two.jsonl]\n"
             "    rules: nowhere.yaml\n    expect_no_alerts: true\n",
             ":2: invalid rules:"},
      Broken{"tests:\n  - name: x\n", ":1: test file: unknown key 'tests'"},
      Broken{"", ":1: test file: expected a mapping"},
      Broken{
          "cases:\n  - name: x\n    files: records/burst-two.jsonl\n    expect_no_alerts: true\n",
          ":3: cases[0] 'x'.files: expected a list"},
      Broken{"cases:\n  - name: [unclosed\n", ":3: "});
  auto file = write_test(dir.path(), yaml);
  auto result = rules_test(file.string());
  INFO(result.out << result.err);
  CHECK(result.exit_code == 2);
  CHECK(result.err.find(file.string() + message) != std::string::npos);
  CHECK(result.out.find("PASS") == std::string::npos);
}

TEST_CASE("a missing test file and a malformed eligibility CSV are exit 2") {
  support::TempDir dir;
  auto missing = rules_test((dir.path() / "absent.yaml").string());
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("absent.yaml: cannot read the test file") != std::string::npos);

  std::ofstream(dir.path() / "bad.csv") << "PrincipalId,Nothing\n1,2\n";
  auto file = write_test(dir.path(),
                         "cases:\n  - name: bad csv\n    files: [records/activations.jsonl]\n"
                         "    eligibility: {csv: bad.csv, as_of: '2025-03-04T06:00:00Z'}\n"
                         "    expect_no_alerts: true\n");
  auto result = rules_test(file.string());
  INFO(result.out << result.err);
  CHECK(result.exit_code == 2);
  CHECK(result.out.find("ERROR " + file.string() + ":2 bad csv: eligibility: bad.csv") !=
        std::string::npos);
}

TEST_CASE("rules test runs the documented example") {
  std::ifstream page(std::string(ROLEWATCH_SOURCE_DIR) + "/docs/rule-tests.md");
  std::string text((std::istreambuf_iterator<char>(page)), std::istreambuf_iterator<char>());
  const auto start = text.find("```yaml\n");
  REQUIRE(start != std::string::npos);
  const auto body = start + 8;
  const auto example = text.substr(body, text.find("```", body) - body);
  support::TempDir dir;
  auto file = write_test(dir.path(), example);
  auto result = rules_test(file.string());
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("2 case(s): 2 passed, 0 failed\n") != std::string::npos);
}
