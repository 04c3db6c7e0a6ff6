#include "stream/app/rules_test/rules_test_cases.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "state/base/time.hpp"

namespace rolewatch::stream {
namespace {

using nlohmann::json;

// A mistake in the test file, at a line; becomes "FILE:LINE: message".
struct FormatError {
  int line;
  std::string message;
};

// 1-based; an empty document (no mark) is line 1.
int line_of(const YAML::Node& node) {
  return std::max(node.Mark().line, 0) + 1;
}

[[noreturn]] void fail(const YAML::Node& node, std::string message) {
  throw FormatError{line_of(node), std::move(message)};
}

void require_map(const YAML::Node& node, const std::string& what) {
  if (!node.IsMap()) fail(node, what + ": expected a mapping");
}

// Unknown keys are errors: a misspelt expectation must not pass silently.
void check_keys(const YAML::Node& node, std::initializer_list<std::string_view> allowed,
                const std::string& what) {
  require_map(node, what);
  for (const auto& entry : node) {
    const auto key = entry.first.as<std::string>();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string known;
    for (auto name : allowed) known += (known.empty() ? "" : ", ") + std::string(name);
    fail(entry.first, what + ": unknown key '" + key + "' (known: " + known + ")");
  }
}

template <typename T>
T scalar(const YAML::Node& node, const std::string& what, const char* expected) {
  if (!node.IsScalar()) fail(node, what + ": expected " + expected);
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    fail(node, what + ": expected " + expected + ", got '" + node.Scalar() + "'");
  }
}

std::string text(const YAML::Node& node, const std::string& what) {
  return scalar<std::string>(node, what, "a string");
}

template <typename T>
void optional_field(const YAML::Node& map, const char* key, std::optional<T>& out,
                    const std::string& what, const char* expected) {
  if (auto node = map[key]) out = scalar<T>(node, what + "." + key, expected);
}

std::vector<std::string> text_list(const YAML::Node& node, const std::string& what) {
  if (!node.IsSequence()) fail(node, what + ": expected a list");
  std::vector<std::string> items;
  for (const auto& item : node) items.push_back(text(item, what));
  return items;
}

// Plain YAML scalars take their JSON type (null, booleans, numbers); quoted
// ones stay strings, so a record written in YAML is the record in JSON.
json scalar_json(const YAML::Node& node) {
  const auto& value = node.Scalar();
  if (node.Tag() == "!") return value;
  if (value == "~" || value == "null" || value == "Null" || value == "NULL") return nullptr;
  if (value == "true" || value == "True") return true;
  if (value == "false" || value == "False") return false;
  auto number = json::parse(value, nullptr, false);
  if (number.is_number()) return number;
  return value;
}

json to_json(const YAML::Node& node) {
  if (node.IsNull()) return nullptr;
  if (node.IsScalar()) return scalar_json(node);
  if (node.IsSequence()) {
    json list = json::array();
    for (const auto& item : node) list.push_back(to_json(item));
    return list;
  }
  json object = json::object();
  for (const auto& entry : node) object[entry.first.as<std::string>()] = to_json(entry.second);
  return object;
}

// An inline record: a YAML mapping, or a string holding the JSON text.
std::string inline_message(const YAML::Node& node, const std::string& what) {
  if (node.IsMap()) return to_json(node).dump();
  if (!node.IsScalar()) fail(node, what + ": expected a record (a mapping or a JSON string)");
  auto parsed = json::parse(node.Scalar(), nullptr, false);
  if (!parsed.is_object()) fail(node, what + ": not a JSON object: " + node.Scalar());
  return parsed.dump();
}

ExpectedAlert read_alert(const YAML::Node& node, const SourceLine& where, const std::string& what) {
  check_keys(node, {"rule", "actor", "severity", "status", "count", "revisions", "removed_targets"},
             what);
  ExpectedAlert alert{{where.file, line_of(node)}, {}, {}, {}, {}, {}, {}, {}};
  optional_field(node, "rule", alert.rule, what, "a string");
  optional_field(node, "actor", alert.actor, what, "a string");
  optional_field(node, "severity", alert.severity, what, "a string");
  optional_field(node, "status", alert.status, what, "a string");
  optional_field(node, "count", alert.count, what, "a count");
  optional_field(node, "revisions", alert.revisions, what, "a count");
  if (auto targets = node["removed_targets"]) {
    alert.removed_targets = text_list(targets, what + ".removed_targets");
  }
  if (alert.status && *alert.status != "firing" && *alert.status != "updated" &&
      *alert.status != "closed") {
    fail(node["status"], what + ".status: expected firing, updated or closed");
  }
  return alert;
}

ExpectedActivation read_activation(const YAML::Node& node, const SourceLine& where,
                                   const std::string& what) {
  check_keys(node,
             {"principal", "role", "eligibility", "ip_address", "privileged", "synced", "new_ip"},
             what);
  ExpectedActivation activation{{where.file, line_of(node)}, {}, {}, {}, {}, {}, {}, {}};
  optional_field(node, "principal", activation.principal, what, "a string");
  optional_field(node, "role", activation.role, what, "a string");
  optional_field(node, "eligibility", activation.eligibility, what, "a string");
  optional_field(node, "ip_address", activation.ip_address, what, "a string");
  optional_field(node, "privileged", activation.privileged, what, "true or false");
  optional_field(node, "synced", activation.synced, what, "true or false");
  optional_field(node, "new_ip", activation.new_ip, what, "true or false");
  return activation;
}

template <typename T, typename Read>
std::vector<T> read_list(const YAML::Node& node, const SourceLine& where, const std::string& what,
                         Read read) {
  if (!node.IsSequence()) fail(node, what + ": expected a list");
  std::vector<T> items;
  for (std::size_t i = 0; i < node.size(); ++i) {
    items.push_back(read(node[i], where, what + "[" + std::to_string(i) + "]"));
  }
  return items;
}

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& relative) {
  std::filesystem::path path(relative);
  return path.is_absolute() ? path : base / path;
}

EligibilityInput read_eligibility(const YAML::Node& node, const std::filesystem::path& base,
                                  const std::string& what) {
  check_keys(node, {"csv", "as_of"}, what);
  if (!node["csv"] || !node["as_of"]) fail(node, what + ": needs csv and as_of");
  EligibilityInput input{resolve(base, text(node["csv"], what + ".csv")),
                         text(node["as_of"], what + ".as_of")};
  if (!state::parse_event_time(input.as_of)) {
    fail(node["as_of"], what + ".as_of: expected an RFC 3339 time such as 2025-03-04T06:00:00Z");
  }
  if (!std::filesystem::is_regular_file(input.csv)) {
    fail(node["csv"], what + ".csv: cannot read " + input.csv.string());
  }
  return input;
}

void read_inputs(const YAML::Node& node, const std::filesystem::path& base, RuleTestCase& test,
                 const std::string& what) {
  if (auto files = node["files"]) {
    for (const auto& name : text_list(files, what + ".files")) {
      auto messages = read_input_messages(resolve(base, name));
      if (!messages) fail(files, what + ".files: " + messages.error().message);
      test.messages.insert(test.messages.end(), messages->begin(), messages->end());
    }
  }
  if (auto records = node["records"]) {
    if (!records.IsSequence()) fail(records, what + ".records: expected a list");
    for (std::size_t i = 0; i < records.size(); ++i) {
      test.messages.push_back(
          inline_message(records[i], what + ".records[" + std::to_string(i) + "]"));
    }
  }
}

void read_expectations(const YAML::Node& node, const SourceLine& where, RuleTestCase& test,
                       const std::string& what) {
  if (auto none = node["expect_no_alerts"]) {
    test.expect_no_alerts = scalar<bool>(none, what + ".expect_no_alerts", "true or false");
  }
  if (auto alerts = node["alerts"]) {
    if (test.expect_no_alerts) fail(alerts, what + ": alerts and expect_no_alerts: true conflict");
    test.alerts = read_list<ExpectedAlert>(alerts, where, what + ".alerts", read_alert);
  }
  if (auto activations = node["activations"]) {
    test.activations =
        read_list<ExpectedActivation>(activations, where, what + ".activations", read_activation);
  }
  if (!test.expect_no_alerts && !test.alerts && !test.activations) {
    fail(node, what + ": nothing to check (give alerts, expect_no_alerts or activations)");
  }
}

RuleTestCase read_case(const YAML::Node& node, const std::string& file,
                       const std::filesystem::path& base, std::size_t index) {
  std::string what = "cases[" + std::to_string(index) + "]";
  require_map(node, what);
  RuleTestCase test;
  test.where = {file, line_of(node)};
  if (!node["name"]) fail(node, what + ": name is required");
  test.name = text(node["name"], what + ".name");
  what += " '" + test.name + "'";
  check_keys(node,
             {"name", "rules", "eligibility", "files", "records", "alerts", "expect_no_alerts",
              "activations"},
             what);
  if (auto rules = node["rules"]) test.rules = resolve(base, text(rules, what + ".rules"));
  if (auto eligibility = node["eligibility"]) {
    test.eligibility = read_eligibility(eligibility, base, what + ".eligibility");
  }
  read_inputs(node, base, test, what);
  if (test.messages.empty()) fail(node, what + ": no input (give files or records)");
  read_expectations(node, test.where, test, what);
  return test;
}

std::vector<RuleTestCase> read_cases(const YAML::Node& root, const std::string& file,
                                     const std::filesystem::path& base) {
  check_keys(root, {"cases"}, "test file");
  auto cases = root["cases"];
  if (!cases) fail(root, "test file: cases is required");
  if (!cases.IsSequence() || cases.size() == 0) fail(cases, "cases: expected a non-empty list");
  std::vector<RuleTestCase> tests;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    tests.push_back(read_case(cases[i], file, base, i));
  }
  return tests;
}

}  // namespace

Expected<std::vector<RuleTestCase>> load_rule_test_file(const std::filesystem::path& file) {
  const auto name = file.string();
  if (!std::filesystem::is_regular_file(file)) {
    return make_error(name + ": cannot read the test file", ErrorCode::invalid_argument);
  }
  try {
    auto root = YAML::LoadFile(name);
    return read_cases(root, name, file.parent_path());
  } catch (const FormatError& e) {
    return make_error(name + ":" + std::to_string(e.line) + ": " + e.message,
                      ErrorCode::invalid_argument);
  } catch (const YAML::Exception& e) {
    return make_error(name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg,
                      ErrorCode::invalid_argument);
  }
}

Expected<std::vector<std::string>> read_input_messages(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in || !std::filesystem::is_regular_file(file)) {
    return make_error("cannot read " + file.string(), ErrorCode::invalid_argument);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const auto content = buffer.str();
  auto whole = json::parse(content, nullptr, false);
  if (whole.is_object()) return std::vector<std::string>{whole.dump()};
  std::vector<std::string> messages;
  std::istringstream lines(content);
  for (std::string line; std::getline(lines, line);) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) messages.push_back(line);
  }
  return messages;
}

}  // namespace rolewatch::stream
