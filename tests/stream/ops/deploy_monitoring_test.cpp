// The Prometheus rules and the Grafana dashboard in deploy/ against what
// rolewatch exports: they refer only to exported metrics, every exported
// metric is documented and either on the dashboard or listed as left off
// with a reason (docs/metrics.md), every rule has promtool cases that fire
// it and cases that must not, and the rules pass promtool's checks and tests.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "stream/ops/http_server.hpp"
#include "stream/ops/metrics.hpp"
#include "stream/ops/readiness.hpp"

namespace {

const std::string kSource = ROLEWATCH_SOURCE_DIR;
const std::string kDeploy = kSource + "/deploy";
const std::string kRules = kDeploy + "/prometheus/rolewatch-rules.yml";
const std::string kRuleTests = kDeploy + "/prometheus/rolewatch-rules.test.yml";
const std::string kDashboard = kDeploy + "/grafana/rolewatch-dashboard.json";
const std::string kMetricsDoc = kSource + "/docs/metrics.md";
const char* kLeftOffHeading = "### Left off the dashboard";

std::string read(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Metric names in any text: rolewatch's own, and the process start time.
// Histogram series suffixes name their histogram.
std::set<std::string> metric_names_in(const std::string& text) {
  std::set<std::string> names;
  std::regex name(R"(rolewatch_[a-z_]+|process_start_time_seconds)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), name); it != std::sregex_iterator();
       ++it) {
    auto metric = it->str();
    for (const char* suffix : {"_bucket", "_count", "_sum"}) {
      if (metric.ends_with(suffix)) metric.resize(metric.size() - std::strlen(suffix));
    }
    names.insert(metric);
  }
  return names;
}

// What a scrape shows: the registry with every per-label series created,
// and the HTTP server's own counters.
std::set<std::string> scraped_metrics() {
  rolewatch::stream::Metrics metrics;
  metrics.delivery().add_sink("soar");
  metrics.declare_rules({"privileged-role-removal-burst"});
  metrics.set_consumer_lag(0, 0);
  metrics.set_alignment({.watermark = 1, .partitions = {{.partition = 0, .time = 1}}});
  rolewatch::stream::Readiness readiness;
  auto server = rolewatch::stream::HttpServer::bind({.listen = "127.0.0.1:0"}, metrics, readiness);
  REQUIRE(server);
  std::set<std::string> names;
  std::istringstream in(metrics.scrape());
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("# TYPE ")) names.insert(line.substr(7, line.find(' ', 7) - 7));
  }
  return names;
}

// Names registered anywhere under stream/ (a string literal that is a metric
// name): also catches a metric whose component the scrape above leaves out.
std::set<std::string> registered_metrics() {
  std::set<std::string> names;
  std::regex literal(R"re("(rolewatch_[a-z_]+|process_start_time_seconds)")re");
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kSource + "/stream")) {
    if (entry.path().extension() != ".cpp") continue;
    auto text = read(entry.path().string());
    for (auto it = std::sregex_iterator(text.begin(), text.end(), literal);
         it != std::sregex_iterator(); ++it) {
      names.insert((*it)[1].str());
    }
  }
  return names;
}

std::set<std::string> exported_metrics() {
  auto names = scraped_metrics();
  auto registered = registered_metrics();
  names.insert(registered.begin(), registered.end());
  return names;
}

// A markdown table's rows under `heading` (until the next heading): first
// column's backticked name -> second column.
std::map<std::string, std::string> table_under(const std::string& doc, const std::string& heading) {
  std::map<std::string, std::string> rows;
  auto start = doc.find(heading);
  if (start == std::string::npos) return rows;
  std::istringstream in(doc.substr(start + heading.size()));
  std::regex row(R"(^\| `([a-z_]+)` \|\s*(.*?)\s*\|\s*$)");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("#")) break;
    std::smatch match;
    if (std::regex_match(line, match, row)) rows[match[1].str()] = match[2].str();
  }
  return rows;
}

std::set<std::string> documented_metrics() {
  std::set<std::string> names;
  for (const auto& [name, rest] : table_under(read(kMetricsDoc), "## Metrics")) names.insert(name);
  return names;
}

std::set<std::string> alert_names() {
  std::set<std::string> names;
  for (const auto& group : YAML::LoadFile(kRules)["groups"]) {
    for (const auto& rule : group["rules"]) {
      if (rule["alert"]) names.insert(rule["alert"].as<std::string>());
    }
  }
  return names;
}

// Per alert name: how many promtool cases expect it to fire, and how many
// expect it silent.
struct CaseCount {
  int firing = 0;
  int silent = 0;
};
std::map<std::string, CaseCount> alert_test_cases() {
  std::map<std::string, CaseCount> cases;
  for (const auto& test : YAML::LoadFile(kRuleTests)["tests"]) {
    for (const auto& check : test["alert_rule_test"]) {
      auto& count = cases[check["alertname"].as<std::string>()];
      auto expected = check["exp_alerts"];
      (expected && expected.size() > 0 ? count.firing : count.silent) += 1;
    }
  }
  return cases;
}

bool have_promtool() {
  return std::system("command -v promtool > /dev/null") == 0;
}

}  // namespace

TEST_CASE("the sidecar's Prometheus alerting rules pass promtool check rules and their unit tests",
          "[metrics]") {
  if (!have_promtool()) {
    WARN("skipped: promtool is not installed (apt-get install prometheus)");
    return;
  }
  CHECK(std::system(("promtool check rules " + kRules + " > /dev/null").c_str()) == 0);
  CHECK(std::system(("cd " + kDeploy +
                     "/prometheus && promtool test rules rolewatch-rules.test.yml > /dev/null")
                        .c_str()) == 0);
}

TEST_CASE("the alerting rules and the dashboard use only metrics rolewatch exports", "[metrics]") {
  auto exported = exported_metrics();
  auto rules = metric_names_in(read(kRules));
  auto dashboard_text = read(kDashboard);
  auto dashboard = nlohmann::json::parse(dashboard_text);
  CHECK(dashboard["panels"].size() >= 20);
  auto used = metric_names_in(dashboard_text);
  used.insert(rules.begin(), rules.end());
  for (const auto& name : used) {
    INFO(name);
    CHECK(exported.contains(name));
  }
  CHECK(rules.size() >= 6);
}

TEST_CASE("every exported metric is documented, and every documented one is exported",
          "[metrics]") {
  auto exported = exported_metrics();
  auto documented = documented_metrics();
  CHECK(exported.size() >= 50);
  for (const auto& name : exported) {
    INFO(name << " is exported but not in docs/metrics.md's table");
    CHECK(documented.contains(name));
  }
  for (const auto& name : documented) {
    INFO(name << " is in docs/metrics.md but not exported");
    CHECK(exported.contains(name));
  }
}

TEST_CASE("every exported metric is on the dashboard or left off it with a reason", "[metrics]") {
  auto on_dashboard = metric_names_in(read(kDashboard));
  auto left_off = table_under(read(kMetricsDoc), kLeftOffHeading);
  REQUIRE_FALSE(left_off.empty());  // the table exists and parses
  for (const auto& name : exported_metrics()) {
    INFO(name << ": add a panel, or a row with a reason under \"" << kLeftOffHeading
              << "\" in docs/metrics.md");
    CHECK((on_dashboard.contains(name) || left_off.contains(name)));
  }
  for (const auto& [name, reason] : left_off) {
    INFO(name << " is listed as left off");
    CHECK_FALSE(on_dashboard.contains(name));
    CHECK(reason.size() >= 20);
  }
}

TEST_CASE("every alerting rule has promtool cases that fire it and cases that must not",
          "[metrics]") {
  auto alerts = alert_names();
  auto cases = alert_test_cases();
  CHECK(alerts.size() >= 13);
  for (const auto& alert : alerts) {
    INFO(alert);
    CHECK(cases[alert].firing >= 1);
    CHECK(cases[alert].silent >= 1);
  }
  for (const auto& [alert, count] : cases) {
    INFO(alert << " is tested but not a rule");
    CHECK(alerts.contains(alert));
  }
}

TEST_CASE("the rules select the scrape job docs/metrics.md names, and only it", "[metrics]") {
  auto rules = read(kRules);
  auto doc = read(kMetricsDoc);
  std::regex job_matcher(R"re(job\s*=~?\s*"([^"]*)")re");
  int matchers = 0;
  for (auto it = std::sregex_iterator(rules.begin(), rules.end(), job_matcher);
       it != std::sregex_iterator(); ++it) {
    ++matchers;
    INFO(it->str());
    CHECK((*it)[1].str() == "rolewatch");
  }
  CHECK(matchers >= 3);
  CHECK(doc.find("`job_name: rolewatch`") != std::string::npos);
  CHECK(doc.find("replace `job=\"rolewatch\"`") != std::string::npos);
}
