#pragma once
// The sidecar's HTTP endpoint: /metrics (Prometheus text format), /healthz
// (the process is alive), /readyz (state open, partitions assigned, writes
// succeeding, outbox below its threshold), and the routes added with route()
// (the reports). Listens on 127.0.0.1:9464 unless configured otherwise, and
// warns at start when it binds an address other hosts can reach.
//
// A small HTTP/1.1 server of its own rather than cpp-httplib's: Debian's
// compiled cpp-httplib 0.11.4 keeps every header line of a request (no count
// or total limit: 1M headers grew the resident set by 250 MB), its timeouts
// apply to each read (a client sending one byte every few seconds holds a
// worker forever), and its task queue is unbounded. Here one thread reads
// every request head without blocking, under a deadline and byte, header
// and body limits (408, 414, 431, 413), and answers /healthz and /readyz
// itself, so slow or huge requests never delay a probe; complete requests
// for other routes go to a fixed pool of workers through a bounded queue
// (503 beyond). Every response closes its connection.
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "state/base/expected.hpp"
#include "stream/config/http_config.hpp"
#include "stream/ops/http_wire.hpp"
#include "stream/ops/metrics.hpp"
#include "stream/ops/readiness.hpp"

namespace rolewatch::stream {

struct HttpServerOptions {
  std::string listen = "127.0.0.1:9464";  // host:port; port 0 picks a free one
  std::size_t threads = 4;                // workers for /metrics and added routes
  bool probes = true;                     // serve /metrics, /healthz, /readyz
  HttpLimits limits = {};
  std::string name = "http";  // in logs: which listener ("http", "http.reports")
};

// Why the server refused a request, as counted in
// rolewatch_http_requests_rejected_total{reason}.
enum class HttpRejection {
  unauthorized,       // 401: a route's credentials check failed
  target_too_long,    // 414
  headers_too_large,  // 431: too many header lines or bytes
  body_too_large,     // 413
  timeout,            // 408: the request did not arrive within read_timeout
  malformed,          // 400, 411, 501
  overloaded,         // 503, or a connection dropped to make room
};

class HttpServer {
 public:
  using Handler = std::function<HttpReply(const HttpRequest&)>;

  // Binds the socket now, so that a taken port is reported at startup; logs
  // a warning when the address is not loopback.
  static Expected<std::unique_ptr<HttpServer>> bind(const HttpServerOptions& options,
                                                    Metrics& metrics, const Readiness& readiness);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // method: GET or POST (GET routes answer HEAD too); pattern: an ECMAScript
  // regex over the whole path, e.g. R"(/v1/reports/([a-z-]+))". Only before start().
  void route(const std::string& method, const std::string& pattern, Handler handler);
  // Serves on background threads until stop(); accepts once it returns.
  void start();
  void stop();

  // Counts a refusal decided by a route (e.g. a missing bearer token).
  void count_rejection(HttpRejection reason);

  int port() const;
  std::string address() const;  // "host:port", for logs and tests

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rolewatch::stream
