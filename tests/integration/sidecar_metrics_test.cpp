// The sidecar on the live path: `rolewatch run` (in process, embedded broker)
// serving /metrics while records flow, scraped over HTTP like Prometheus does.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <thread>

#include "state/http_client.hpp"
#include "stream/embedded_broker.hpp"
#include "stream/message_publisher.hpp"
#include "stream/run_command.hpp"
#include "stream/sidecar.hpp"
#include "support/kafka_harness.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;

namespace {

constexpr const char* kTopic = "insights-logs-auditlogs";
const std::string kSample = std::string(ROLEWATCH_SOURCE_DIR) + "/deploy/demo/sample-attack.jsonl";

// A loopback port nothing listens on right now.
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string scrape(const std::string& url) {
  state::HttpClient client;
  auto response = client.send({"GET", url, {}, ""});
  return response && response->status == 200 ? response->body : std::string();
}

double value_of(const std::string& scrape, const std::string& series) {
  std::istringstream in(scrape);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

}  // namespace

TEST_CASE("a running sidecar's /metrics moves as the sample flows and passes promtool",
          "[kafka][metrics]") {
  auto broker = stream::EmbeddedBroker::start(kTopic, 4);
  REQUIRE(broker);
  support::TempDir dir;
  auto listen = "127.0.0.1:" + std::to_string(free_port());
  auto url = "http://" + listen + "/metrics";
  support::RunConfigSpec spec{
      (*broker)->bootstrap(), kTopic,   "metrics",
      dir / "state",          "static", "http: {listen: '" + listen + "'}\n"};
  auto config = support::run_config(spec);
  stream::Sidecar sidecar(config);
  std::atomic<bool> stop{false};
  stream::RunOptions options;
  options.install_signal_handlers = false;
  options.stop = &stop;
  int code = -1;
  std::thread runner([&] { code = stream::run(config, options, sidecar.hooks()); });

  std::ifstream sample(kSample);
  auto publisher = stream::MessagePublisher::open((*broker)->bootstrap());
  REQUIRE(publisher);
  REQUIRE(stream::publish_lines(**publisher, kTopic, 4, sample));
  std::string metrics;
  for (int i = 0; i < 300 && value_of(metrics, "rolewatch_messages_total") < 53; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    metrics = scrape(url);
  }
  stop = true;
  runner.join();
  CHECK(code == 0);
  CHECK(value_of(metrics, "rolewatch_messages_total") == 53);
  CHECK(value_of(metrics, "rolewatch_message_bytes_total") > 53 * 500);
  CHECK(value_of(metrics, "rolewatch_role_events_total{kind=\"remove-active\"}") > 0);
  CHECK(value_of(metrics, "rolewatch_alerts_total{rule=\"privileged-role-removal-burst\"}") == 1);
  CHECK(value_of(metrics, "rolewatch_batch_duration_seconds_count") > 0);
  CHECK(value_of(metrics, "rolewatch_state_write_duration_seconds_count") > 0);
  CHECK(value_of(metrics, "rolewatch_alert_broker_latency_seconds_count") == 1);
  CHECK(value_of(metrics, "rolewatch_last_message_timestamp_seconds") > 0);
  if (std::system("command -v promtool > /dev/null") == 0) {
    support::write_text(dir / "scrape.txt", metrics);
    CHECK(std::system(("promtool check metrics < " + (dir / "scrape.txt").string()).c_str()) == 0);
  }
}
