// The HTTP endpoint under hostile clients (issue 12, findings 1 and 3):
// reports need a bearer token or a loopback listener of their own; slow
// clients never delay /healthz; a request with a million headers is refused
// early with 431 without growing the resident set; bodies over the limit
// get 413; a non-loopback bind is warned about. Raw sockets play the
// attacker, all on 127.0.0.1.
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "state/net/http_client.hpp"
#include "state/store.hpp"
#include "stream/config/config.hpp"
#include "stream/ops/http_server.hpp"
#include "stream/runtime/run_stats.hpp"
#include "stream/runtime/sidecar.hpp"
#include "support/captured_log.hpp"
#include "support/scrape.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;
using namespace rolewatch::stream;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kToken = "s3cret-report-token-0123456789";

using support::CapturedLog;

// A raw TCP client: the attacker's side, byte by byte.
class RawClient {
 public:
  explicit RawClient(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  int fd() const { return fd_; }
  bool send(std::string_view text) {
    return ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
  }
  bool readable(int timeout_ms) const {
    pollfd wait{fd_, POLLIN, 0};
    return ::poll(&wait, 1, timeout_ms) == 1;
  }
  // Everything the server sends until it closes or `timeout` passes.
  std::string read_all(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::string out;
    auto deadline = Clock::now() + timeout;
    char buffer[4096];
    while (Clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (!readable(static_cast<int>(left.count()))) break;
      auto got = ::recv(fd_, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      out.append(buffer, static_cast<std::size_t>(got));
    }
    return out;
  }

 private:
  int fd_;
};

std::unique_ptr<HttpServer> serve(Metrics& metrics, const Readiness& readiness,
                                  HttpServerOptions options = {"127.0.0.1:0"}) {
  auto server = HttpServer::bind(options, metrics, readiness);
  REQUIRE(server);
  return std::move(*server);
}

state::HttpResponse get(const std::string& address, const std::string& path,
                        std::vector<state::HttpHeader> headers = {}) {
  state::HttpClient client;
  auto response = client.send({"GET", "http://" + address + path, std::move(headers), ""});
  REQUIRE(response);
  return std::move(*response);
}

long resident_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return -1;
}

// A sidecar started without Kafka: the HTTP side of `rolewatch run`.
struct RunningSidecar {
  explicit RunningSidecar(const std::string& http_yaml) {
    auto yaml = "source: {brokers: embedded, topic: t, group: g}\nstate: {dir: " +
                (dir.path() / "state").string() + "}\n" + http_yaml;
    auto parsed = parse_config(yaml);
    REQUIRE(parsed);
    config = std::move(*parsed);
    auto opened = state::Store::open(config.state_dir);
    REQUIRE(opened);
    store = std::move(*opened);
    sidecar = std::make_unique<Sidecar>(config);
    hooks = sidecar->hooks();
    RunContext context{config, *store, stats};
    auto status = hooks.started(context);
    REQUIRE(status);
  }
  ~RunningSidecar() { hooks.stopping(); }

  support::TempDir dir;
  Config config;
  std::unique_ptr<state::Store> store;
  RunStats stats;
  std::unique_ptr<Sidecar> sidecar;
  RunHooks hooks;
};

std::string write_token(const support::TempDir& dir) {
  auto path = (dir.path() / "token").string();
  std::ofstream(path) << kToken << "\n";
  return path;
}

}  // namespace

TEST_CASE("reports are off unless configured: the sidecar answers 404 for them", "[http]") {
  auto listen = "127.0.0.1:" + std::to_string(support::free_loopback_port());
  RunningSidecar running("http: {listen: '" + listen + "'}\n");
  CHECK(get(listen, "/v1/reports/synced").status == 404);
  CHECK(get(listen, "/v1/reports/synced", {{"Authorization", std::string("Bearer ") + kToken}})
            .status == 404);
  CHECK(get(listen, "/healthz").status == 200);
}

TEST_CASE(
    "reports on the main listener need the bearer token: none or a wrong one is 401 and "
    "counted, the right one 200",
    "[http]") {
  support::TempDir tokens;
  auto token_file = write_token(tokens);
  auto listen = "127.0.0.1:" + std::to_string(support::free_loopback_port());
  CapturedLog log;
  RunningSidecar running("http:\n  listen: '" + listen + "'\n  reports: {token_file: '" +
                         token_file + "'}\n");
  auto none = get(listen, "/v1/reports/synced");
  CHECK(none.status == 401);
  REQUIRE(none.header("WWW-Authenticate"));
  CHECK_THAT(std::string(*none.header("WWW-Authenticate")), Catch::StartsWith("Bearer"));
  auto wrong =
      get(listen, "/v1/reports/synced", {{"Authorization", "Bearer not-the-token-at-all"}});
  CHECK(wrong.status == 401);
  CHECK_THAT(std::string(*wrong.header("WWW-Authenticate")), Catch::Contains("invalid_token"));
  // A prefix of the token, the token with a suffix, and another scheme are all wrong.
  auto prefix = std::string(kToken).substr(0, 10);
  CHECK(get(listen, "/v1/reports/synced", {{"Authorization", "Bearer " + prefix}}).status == 401);
  CHECK(
      get(listen, "/v1/reports/synced", {{"Authorization", std::string("Bearer ") + kToken + "x"}})
          .status == 401);
  CHECK(get(listen, "/v1/reports/synced", {{"Authorization", std::string("Basic ") + kToken}})
            .status == 401);
  // Unknown reports are not revealed before authentication.
  CHECK(get(listen, "/v1/reports/nope").status == 401);

  auto right =
      get(listen, "/v1/reports/synced", {{"Authorization", std::string("Bearer ") + kToken}});
  CHECK(right.status == 200);
  CHECK(right.body == "[]");
  CHECK(get(listen, "/v1/reports/nope", {{"Authorization", std::string("bearer ") + kToken}})
            .status == 404);

  auto scrape = get(listen, "/metrics").body;
  CHECK(support::metric_value(
            scrape, "rolewatch_http_requests_rejected_total{reason=\"unauthorized\"}") == 6);
  CHECK(scrape.find(kToken) == std::string::npos);
  if (std::system("command -v promtool > /dev/null") == 0) {
    auto file = tokens.path() / "scrape.txt";
    std::ofstream(file) << scrape;
    CHECK(std::system(("promtool check metrics < " + file.string()).c_str()) == 0);
  }
  CHECK(log.text().find(kToken) == std::string::npos);
  CHECK_THAT(log.text(), Catch::Contains("reports on " + listen + " (bearer token required)"));
}

TEST_CASE("reports on a loopback listener of their own need no token and leave the main listener",
          "[http]") {
  auto listen = "127.0.0.1:" + std::to_string(support::free_loopback_port());
  auto reports = "127.0.0.1:" + std::to_string(support::free_loopback_port());
  RunningSidecar running("http:\n  listen: '" + listen + "'\n  reports: {listen: '" + reports +
                         "'}\n");
  CHECK(get(reports, "/v1/reports/synced").status == 200);
  CHECK(get(reports, "/metrics").status == 404);  // probes stay on the main listener
  CHECK(get(listen, "/v1/reports/synced").status == 404);
  CHECK(get(listen, "/healthz").status == 200);
}

TEST_CASE("reports on their own listener with a token_file need the token there", "[http]") {
  support::TempDir tokens;
  auto token_file = write_token(tokens);
  auto listen = "127.0.0.1:" + std::to_string(support::free_loopback_port());
  auto reports = "127.0.0.1:" + std::to_string(support::free_loopback_port());
  RunningSidecar running("http:\n  listen: '" + listen + "'\n  reports: {listen: '" + reports +
                         "', token_file: '" + token_file + "'}\n");
  CHECK(get(reports, "/v1/reports/synced").status == 401);
  CHECK(get(reports, "/v1/reports/synced", {{"Authorization", std::string("Bearer ") + kToken}})
            .status == 200);
}

TEST_CASE("eight slow clients holding half-sent requests do not delay /healthz", "[http]") {
  Metrics metrics;
  Readiness readiness;
  auto server = serve(metrics, readiness);
  server->start();
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 8; ++i) {
    slow.push_back(std::make_unique<RawClient>(server->port()));
    REQUIRE(
        slow.back()->send(i % 2 == 0 ? "GET /metr" : "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Sl"));
  }
  for (int round = 0; round < 3; ++round) {
    auto began = Clock::now();
    auto health = get(server->address(), "/healthz");
    CHECK(health.status == 200);
    CHECK(Clock::now() - began < std::chrono::seconds(1));
    CHECK(get(server->address(), "/readyz").status == 503);  // answered, and honest
  }
  // The slow ones are still waiting: none of them was answered or dropped.
  for (const auto& client : slow) CHECK_FALSE(client->readable(0));
}

TEST_CASE("more stalled connections than the server keeps open make room for a probe", "[http]") {
  Metrics metrics;
  Readiness readiness;
  HttpServerOptions options{"127.0.0.1:0"};
  options.limits.max_connections = 4;
  auto server = serve(metrics, readiness, options);
  server->start();
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 12; ++i) {
    slow.push_back(std::make_unique<RawClient>(server->port()));
    REQUIRE(slow.back()->send("GET /healthz HTTP/1.1\r\n"));
  }
  auto began = Clock::now();
  CHECK(get(server->address(), "/healthz").status == 200);
  CHECK(Clock::now() - began < std::chrono::seconds(1));
  CHECK(support::metric_value(metrics.scrape(),
                              "rolewatch_http_requests_rejected_total{reason=\"overloaded\"}") >=
        8);
}

TEST_CASE("a client trickling its request byte by byte gets 408 at the request deadline",
          "[http]") {
  Metrics metrics;
  Readiness readiness;
  HttpServerOptions options{"127.0.0.1:0"};
  options.limits.read_timeout = std::chrono::milliseconds(300);
  auto server = serve(metrics, readiness, options);
  server->start();
  RawClient client(server->port());
  std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: aaaaaaaaaa\r\n\r\n";
  bool answered = false;
  // Each byte arrives well within any per-read timeout; the whole request would take 5 s.
  for (char c : request) {
    if (client.readable(0)) {
      answered = true;
      break;
    }
    client.send(std::string(1, c));
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
  }
  CHECK(answered);
  CHECK_THAT(client.read_all(), Catch::StartsWith("HTTP/1.1 408 "));
  CHECK(support::metric_value(metrics.scrape(),
                              "rolewatch_http_requests_rejected_total{reason=\"timeout\"}") == 1);
}

TEST_CASE(
    "a request with a million headers is refused with 431 after a few kilobytes, without "
    "growing the resident set",
    "[http]") {
  Metrics metrics;
  Readiness readiness;
  auto server = serve(metrics, readiness);
  server->start();
  auto before = resident_kb();
  RawClient client(server->port());
  REQUIRE(client.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  std::string chunk;
  for (int i = 0; i < 1000; ++i) chunk += "X-Header-" + std::to_string(i) + ": value\r\n";
  std::size_t sent = 0;
  // 1,000,000 header lines (about 20 MB) unless the server answers first.
  for (int i = 0; i < 1000 && !client.readable(0); ++i) {
    if (!client.send(chunk)) break;
    sent += chunk.size();
  }
  auto answer = client.read_all();
  auto after = resident_kb();
  CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 431 "));
  CHECK(sent < 4 * 1024 * 1024);  // refused long before the end
  CHECK(after - before < 10 * 1024);
  CHECK(support::metric_value(
            metrics.scrape(),
            "rolewatch_http_requests_rejected_total{reason=\"headers_too_large\"}") == 1);
  CHECK(get(server->address(), "/healthz").status == 200);
}

TEST_CASE("65 header lines or a head over 16 KiB is 431; 64 short ones are fine", "[http]") {
  Metrics metrics;
  Readiness readiness;
  auto server = serve(metrics, readiness);
  server->start();
  auto request = [&](int headers, std::size_t value_bytes) {
    RawClient client(server->port());
    std::string text = "GET /healthz HTTP/1.1\r\n";
    for (int i = 0; i < headers; ++i) {
      text += "X-" + std::to_string(i) + ": " + std::string(value_bytes, 'v') + "\r\n";
    }
    client.send(text + "\r\n");
    return client.read_all();
  };
  CHECK_THAT(request(64, 10), Catch::StartsWith("HTTP/1.1 200 "));
  CHECK_THAT(request(65, 10), Catch::StartsWith("HTTP/1.1 431 "));
  CHECK_THAT(request(2, 9000), Catch::StartsWith("HTTP/1.1 431 "));
}

TEST_CASE("a body over the limit is 413 before it is read; one within it reaches the route",
          "[http]") {
  Metrics metrics;
  Readiness readiness;
  auto server = serve(metrics, readiness);
  server->route("POST", "/echo", [](const HttpRequest& request) {
    return HttpReply{200, "text/plain", std::to_string(request.body.size())};
  });
  server->start();
  RawClient big(server->port());
  big.send("POST /echo HTTP/1.1\r\nContent-Length: 65537\r\n\r\n");
  CHECK_THAT(big.read_all(), Catch::StartsWith("HTTP/1.1 413 "));
  RawClient fits(server->port());
  fits.send("POST /echo HTTP/1.1\r\nContent-Length: 65536\r\n\r\n" + std::string(65536, 'b'));
  auto answer = fits.read_all();
  CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 200 "));
  CHECK_THAT(answer, Catch::EndsWith("\r\n\r\n65536"));
  RawClient chunked(server->port());
  chunked.send("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  CHECK_THAT(chunked.read_all(), Catch::StartsWith("HTTP/1.1 411 "));
  CHECK(support::metric_value(
            metrics.scrape(),
            "rolewatch_http_requests_rejected_total{reason=\"body_too_large\"}") == 1);
}

TEST_CASE("busy workers do not delay the probes, and requests beyond the bounded queue get 503",
          "[http]") {
  Metrics metrics;
  Readiness readiness;
  HttpServerOptions options{"127.0.0.1:0", 1};
  options.limits.max_queued = 1;
  auto server = serve(metrics, readiness, options);
  std::mutex mutex;
  std::condition_variable released_cv;
  bool released = false;
  std::atomic<int> entered{0};
  server->route("GET", "/slow", [&](const HttpRequest&) {
    ++entered;
    std::unique_lock lock(mutex);
    released_cv.wait(lock, [&] { return released; });
    return HttpReply{200, "text/plain", "done"};
  });
  server->start();
  RawClient first(server->port());
  first.send("GET /slow HTTP/1.1\r\n\r\n");
  for (int i = 0; i < 500 && entered == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(entered == 1);
  RawClient queued(server->port());
  queued.send("GET /slow HTTP/1.1\r\n\r\n");
  RawClient refused(server->port());
  refused.send("GET /slow HTTP/1.1\r\n\r\n");
  auto answer = refused.read_all();
  CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 503 "));
  CHECK_THAT(answer, Catch::Contains("Retry-After: 1\r\n"));
  CHECK(get(server->address(), "/healthz").status == 200);
  {
    std::lock_guard lock(mutex);
    released = true;
  }
  released_cv.notify_all();
  CHECK_THAT(first.read_all(), Catch::EndsWith("done"));
  CHECK_THAT(queued.read_all(), Catch::EndsWith("done"));
}

TEST_CASE("a listener on a non-loopback address logs a warning, a loopback one does not",
          "[http]") {
  Metrics metrics;
  Readiness readiness;
  {
    CapturedLog log;
    auto wide = HttpServer::bind({"0.0.0.0:0"}, metrics, readiness);
    REQUIRE(wide);
    CHECK_THAT(log.text(), Catch::Contains("[warning]"));
    CHECK_THAT(log.text(), Catch::Contains("an address other hosts can reach"));
  }
  CapturedLog log;
  auto local = HttpServer::bind({"127.0.0.1:0"}, metrics, readiness);
  REQUIRE(local);
  CHECK(log.text().find("[warning]") == std::string::npos);
}
