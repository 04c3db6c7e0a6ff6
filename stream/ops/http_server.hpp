#pragma once
// The sidecar's HTTP endpoint (cpp-httplib): /metrics (Prometheus text
// format), /healthz (the process is alive), /readyz (state open, partitions
// assigned, writes succeeding, outbox below its threshold). Listens on
// 127.0.0.1:9464 unless configured otherwise: loopback keeps the reports
// and metrics private until an operator chooses to expose them.
// More routes (e.g. /v1/reports/...) are added with route() before start().
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "state/base/expected.hpp"
#include "stream/ops/metrics.hpp"
#include "stream/ops/readiness.hpp"

namespace httplib {
class Server;
}

namespace rolewatch::stream {

struct HttpServerOptions {
  std::string listen = "127.0.0.1:9464";  // host:port; port 0 picks a free one
  std::size_t threads = 2;
};

struct HttpRequest {
  std::string method;
  std::string path;
  std::vector<std::string> captures;  // regex groups of the route pattern
  std::multimap<std::string, std::string> query;
  std::string body;
};

struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

class HttpServer {
 public:
  using Handler = std::function<HttpReply(const HttpRequest&)>;

  // Binds the socket now, so that a taken port is reported at startup.
  static Expected<std::unique_ptr<HttpServer>> bind(const HttpServerOptions& options,
                                                    Metrics& metrics, const Readiness& readiness);
  ~HttpServer();

  // method: GET or POST; pattern: an ECMAScript regex over the path, e.g.
  // R"(/v1/reports/([a-z-]+))". Only before start().
  void route(const std::string& method, const std::string& pattern, Handler handler);
  // Serves on a background thread until stop(); returns once it accepts.
  void start();
  void stop();

  int port() const { return port_; }
  std::string address() const;  // "host:port", for logs and tests

 private:
  HttpServer();
  void add_builtin_routes(Metrics& metrics, const Readiness& readiness);

  std::unique_ptr<httplib::Server> server_;
  std::string host_;
  int port_ = 0;
  std::thread thread_;
};

// "host:port" or "[v6]:port" -> host and port; errors name the value (not a secret).
Expected<std::pair<std::string, int>> parse_listen_address(const std::string& listen);

}  // namespace rolewatch::stream
