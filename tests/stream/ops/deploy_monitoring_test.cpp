// The Prometheus rules and the Grafana dashboard in deploy/ refer only to
// metrics rolewatch exports, and the rules pass promtool's checks and tests.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "stream/ops/metrics.hpp"

namespace {

const std::string kDeploy = std::string(ROLEWATCH_SOURCE_DIR) + "/deploy";

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::set<std::string> metric_names_in(const std::string& text) {
  std::set<std::string> names;
  std::regex name(R"(rolewatch_[a-z_]+)");
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

std::set<std::string> exported_metrics() {
  rolewatch::stream::Metrics metrics;
  metrics.delivery().add_sink("soar");
  metrics.declare_rules({"privileged-role-removal-burst"});
  metrics.set_consumer_lag(0, 0);
  metrics.set_alignment({.watermark = 1, .partitions = {{.partition = 0, .time = 1}}});
  std::set<std::string> names;
  std::istringstream in(metrics.scrape());
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("# TYPE ")) names.insert(line.substr(7, line.find(' ', 7) - 7));
  }
  return names;
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
  CHECK(std::system(
            ("promtool check rules " + kDeploy + "/prometheus/rolewatch-rules.yml > /dev/null")
                .c_str()) == 0);
  CHECK(std::system(("cd " + kDeploy +
                     "/prometheus && promtool test rules rolewatch-rules.test.yml > /dev/null")
                        .c_str()) == 0);
}

TEST_CASE("the alerting rules and the dashboard use only metrics rolewatch exports", "[metrics]") {
  auto exported = exported_metrics();
  auto rules = metric_names_in(read(kDeploy + "/prometheus/rolewatch-rules.yml"));
  auto dashboard_text = read(kDeploy + "/grafana/rolewatch-dashboard.json");
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
