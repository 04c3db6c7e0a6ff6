#include "stream/ops/http_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <regex>
#include <thread>

#include "stream/ops/background_errors.hpp"
#include "stream/ops/http_wire.hpp"

namespace rolewatch::stream {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kRecvChunk = 16 * 1024;
// After an error answer the rest of the request is read and dropped for a
// while, so that the client sees the answer rather than a reset.
constexpr auto kLinger = std::chrono::seconds(2);
constexpr std::size_t kMaxLingerBytes = 1 << 20;
constexpr std::array<std::string_view, 7> kRejectionNames = {
    "unauthorized", "target_too_long", "headers_too_large", "body_too_large",
    "timeout",      "malformed",       "overloaded"};

struct Route {
  std::string method;
  std::regex pattern;
  std::function<HttpReply(const HttpRequest&)> handler;
  bool probe = false;  // answered on the reading thread, never queued
};

// A connection whose request is still arriving, or whose error answer was
// sent and whose remaining input is being dropped (lingering).
struct Connection {
  int fd = -1;
  Clock::time_point deadline;
  HeadScanner head;
  std::string in;
  std::size_t head_end = 0;  // > 0 once the head is complete
  std::size_t body_length = 0;
  ParsedHead parsed;
  bool lingering = false;
  std::size_t dropped = 0;
};

struct Job {
  int fd = -1;
  const Route* route = nullptr;
  HttpRequest request;
  bool head_only = false;
};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

bool is_loopback(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    return (ntohl(v4.sin_addr.s_addr) >> 24) == 127;
  }
  const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address).sin6_addr;
  return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
}

// Sends `data` on a non-blocking socket until done, an error, or `deadline`.
void send_all(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    auto sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      data.remove_prefix(static_cast<std::size_t>(sent));
      continue;
    }
    if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return;
    pollfd wait{fd, POLLOUT, 0};
    ::poll(&wait, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1000)));
  }
}

Expected<int> open_listener(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  auto service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return make_error(std::string("cannot resolve ") + host + ": " + ::gai_strerror(rc));
  }
  std::string reason = "no address";
  int fd = -1;
  for (auto* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int yes = 1;  // address reuse only: SO_REUSEPORT would let a second instance share the port
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 128) != 0) {
      reason = std::strerror(errno);
      close_fd(fd);
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) return make_error(reason);
  return fd;
}

}  // namespace

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  auto it = headers.find(lower_case(name));
  if (it == headers.end()) return std::nullopt;
  return std::string_view(it->second);
}

struct HttpServer::Impl {
  HttpServerOptions options;
  std::string host;
  int port = 0;
  bool loopback = true;
  int listen_fd = -1;
  int wake_fd = -1;
  std::vector<std::unique_ptr<Route>> routes;
  std::array<prometheus::Counter*, kRejectionNames.size()> rejected{};

  std::atomic<bool> stopping{false};
  std::thread reader;
  std::vector<std::thread> workers;
  std::vector<Connection> connections;  // reader thread only, oldest first

  std::mutex jobs_mutex;
  std::condition_variable jobs_ready;
  std::deque<Job> jobs;

  ~Impl() {
    close_fd(listen_fd);
    close_fd(wake_fd);
  }

  void add(std::string method, const std::string& pattern, Handler handler, bool probe) {
    routes.push_back(std::make_unique<Route>(
        Route{std::move(method), std::regex(pattern), std::move(handler), probe}));
  }

  // /healthz and /readyz are cheap and answered on the reading thread;
  // /metrics reads the store's size estimate, so it goes to a worker.
  void add_probes(Metrics& metrics, const Readiness& readiness) {
    add(
        "GET", "/metrics",
        [&metrics](const HttpRequest&) {
          return HttpReply{200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()};
        },
        false);
    add(
        "GET", "/healthz",
        [](const HttpRequest&) {
          return HttpReply{200, "text/plain; charset=utf-8", "ok\n"};
        },
        true);
    add(
        "GET", "/readyz",
        [&readiness](const HttpRequest&) {
          auto report = readiness.check();
          std::string body = report.ready ? "ready\n" : "";
          for (const auto& reason : report.reasons) body += "not ready: " + reason + "\n";
          return HttpReply{report.ready ? 200 : 503, "text/plain; charset=utf-8", body};
        },
        true);
  }

  void count(HttpRejection reason) { rejected[static_cast<std::size_t>(reason)]->Increment(); }

  // ---- the reading thread ----

  void read_loop() {
    std::vector<pollfd> polled;
    while (!stopping) {
      polled.clear();
      polled.push_back({wake_fd, POLLIN, 0});
      polled.push_back({listen_fd, POLLIN, 0});
      for (const auto& connection : connections) polled.push_back({connection.fd, POLLIN, 0});
      if (::poll(polled.data(), polled.size(), poll_timeout_ms()) < 0 && errno != EINTR) {
        spdlog::error("{}: poll failed: {}", options.name, std::strerror(errno));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      if (stopping) break;
      for (std::size_t i = 0; i < connections.size(); ++i) {
        if (polled[i + 2].revents != 0) receive(connections[i]);
      }
      expire(Clock::now());
      std::erase_if(connections, [](const Connection& c) { return c.fd < 0; });
      if (polled[1].revents != 0) accept_all();
    }
  }

  int poll_timeout_ms() const {
    if (connections.empty()) return 1000;
    auto next = connections.front().deadline;
    for (const auto& connection : connections) next = std::min(next, connection.deadline);
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now());
    return static_cast<int>(std::clamp<std::int64_t>(left.count() + 1, 0, 1000));
  }

  void accept_all() {
    for (;;) {
      int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0 && (errno == EMFILE || errno == ENFILE)) return out_of_descriptors();
      if (fd < 0) return;  // EAGAIN: nothing more waiting
      if (connections.size() >= options.limits.max_connections) {
        // The oldest connection is the slowest: it makes room for a probe.
        count(HttpRejection::overloaded);
        close_fd(connections.front().fd);
        connections.erase(connections.begin());
      }
      Connection connection;
      connection.fd = fd;
      connection.deadline = Clock::now() + options.limits.read_timeout;
      connections.push_back(std::move(connection));
    }
  }

  // The listening socket stays readable while accept fails: drop the oldest
  // connection to make room, or wait a little, rather than spin.
  void out_of_descriptors() {
    count(HttpRejection::overloaded);
    if (connections.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      return;
    }
    close_fd(connections.front().fd);
    connections.erase(connections.begin());
  }

  void expire(Clock::time_point now) {
    for (auto& connection : connections) {
      if (connection.fd < 0 || now < connection.deadline) continue;
      if (connection.lingering) {
        close_fd(connection.fd);
      } else {
        refuse(connection, HttpRejection::timeout, 408, "the request took too long\n");
      }
    }
  }

  void receive(Connection& connection) {
    char buffer[kRecvChunk];
    auto got = ::recv(connection.fd, buffer, sizeof buffer, 0);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (got <= 0) return close_fd(connection.fd);
    if (connection.lingering) {
      connection.dropped += static_cast<std::size_t>(got);
      if (connection.dropped > kMaxLingerBytes) close_fd(connection.fd);
      return;
    }
    connection.in.append(buffer, static_cast<std::size_t>(got));
    advance(connection);
  }

  // Moves a connection on with what has arrived: head limits, then the body.
  void advance(Connection& connection) {
    const auto& limits = options.limits;
    if (connection.head_end == 0) {
      auto scan = connection.head.scan(connection.in, limits);
      if (scan == HeadScan::target_too_long) {
        return refuse(connection, HttpRejection::target_too_long, 414, "request target too long\n");
      }
      if (scan == HeadScan::too_large) {
        return refuse(connection, HttpRejection::headers_too_large, 431,
                      "request headers too large\n");
      }
      if (scan == HeadScan::incomplete) return;
      if (!start_body(connection)) return;
    }
    if (connection.in.size() - connection.head_end < connection.body_length) return;
    dispatch(connection);
  }

  // The head is complete: parse it and check the announced body.
  bool start_body(Connection& connection) {
    connection.head_end = connection.head.end();
    auto parsed =
        parse_head(std::string_view(connection.in).substr(0, connection.head_end), options.limits);
    if (parsed.status != 0) {
      auto reason = parsed.status == 414   ? HttpRejection::target_too_long
                    : parsed.status == 413 ? HttpRejection::body_too_large
                                           : HttpRejection::malformed;
      refuse(connection, reason, parsed.status, parsed.error + "\n");
      return false;
    }
    connection.body_length = parsed.content_length;
    connection.parsed = std::move(parsed);
    return true;
  }

  // Answers an error, then lingers: reads and drops input until the client
  // closes, kLinger passes or kMaxLingerBytes arrive.
  void refuse(Connection& connection, HttpRejection reason, int status, std::string body) {
    count(reason);
    answer(connection, HttpReply{status, "text/plain; charset=utf-8", std::move(body)}, false);
  }

  void answer(Connection& connection, const HttpReply& reply, bool head_only) {
    auto wire = render_response(reply, head_only);
    ::send(connection.fd, wire.data(), wire.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(connection.fd, SHUT_WR);
    connection.lingering = true;
    connection.in.clear();
    connection.in.shrink_to_fit();
    connection.deadline = Clock::now() + kLinger;
  }

  void dispatch(Connection& connection) {
    auto& parsed = connection.parsed;
    HttpRequest request{parsed.method,
                        parsed.path,
                        {},
                        std::move(parsed.query),
                        connection.in.substr(connection.head_end, connection.body_length),
                        std::move(parsed.headers)};
    bool head_only = request.method == "HEAD";
    bool path_known = false;
    const Route* chosen = nullptr;
    for (const auto& route : routes) {
      std::smatch match;
      if (!std::regex_match(request.path, match, route->pattern)) continue;
      path_known = true;
      if (route->method != request.method && !(head_only && route->method == "GET")) continue;
      for (std::size_t i = 1; i < match.size(); ++i) request.captures.push_back(match[i].str());
      chosen = route.get();
      break;
    }
    if (chosen == nullptr) {
      int status = path_known ? 405 : 404;
      return answer(connection,
                    {status, "text/plain; charset=utf-8",
                     path_known ? "method not allowed\n" : "not found\n"},
                    head_only);
    }
    if (chosen->probe) return answer(connection, call(*chosen, request), head_only);
    enqueue(connection, chosen, std::move(request), head_only);
  }

  void enqueue(Connection& connection, const Route* route, HttpRequest request, bool head_only) {
    {
      std::lock_guard lock(jobs_mutex);
      if (jobs.size() < options.limits.max_queued) {
        jobs.push_back(Job{connection.fd, route, std::move(request), head_only});
        connection.fd = -1;  // the job owns it now
      }
    }
    if (connection.fd < 0) return jobs_ready.notify_one();
    count(HttpRejection::overloaded);
    answer(connection,
           {503, "text/plain; charset=utf-8", "busy, try again\n", {{"Retry-After", "1"}}},
           head_only);
  }

  // ---- workers ----

  HttpReply call(const Route& route, const HttpRequest& request) {
    HttpReply reply{500, "text/plain; charset=utf-8", "internal error\n"};
    // Logged and counted in rolewatch_background_errors_total{thread="http_server"}.
    run_guarded(BackgroundThread::http, [&] { reply = route.handler(request); });
    return reply;
  }

  void work() {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(jobs_mutex);
        jobs_ready.wait(lock, [this] { return stopping || !jobs.empty(); });
        if (stopping) return;  // stop() closes what is still queued
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      auto reply = call(*job.route, job.request);
      send_all(job.fd, render_response(reply, job.head_only),
               Clock::now() + options.limits.write_timeout);
      ::shutdown(job.fd, SHUT_WR);
      close_fd(job.fd);
    }
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  stop();
}

Expected<std::unique_ptr<HttpServer>> HttpServer::bind(const HttpServerOptions& options,
                                                       Metrics& metrics,
                                                       const Readiness& readiness) {
  auto address = parse_listen_address(options.listen);
  if (!address) return make_error(options.name + ".listen: " + address.error().message);
  auto fd = open_listener(address->first, address->second);
  if (!fd) return make_error("cannot listen on " + options.listen + ": " + fd.error().message);
  auto impl = std::make_unique<Impl>();
  impl->listen_fd = *fd;
  impl->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  impl->options = options;
  impl->options.threads = std::max<std::size_t>(options.threads, 1);
  impl->host = address->first;
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  ::getsockname(*fd, reinterpret_cast<sockaddr*>(&bound), &length);
  impl->port = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in&>(bound).sin_port
                                                : reinterpret_cast<sockaddr_in6&>(bound).sin6_port);
  impl->loopback = is_loopback(bound);
  auto& family = prometheus::BuildCounter()
                     .Name("rolewatch_http_requests_rejected_total")
                     .Help("HTTP requests refused, by reason (unauthorized, limits, timeouts)")
                     .Register(*metrics.registry());
  for (std::size_t i = 0; i < kRejectionNames.size(); ++i) {
    impl->rejected[i] = &family.Add({{"reason", std::string(kRejectionNames[i])}});
  }
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(impl)));
  if (options.probes) server->impl_->add_probes(metrics, readiness);
  if (!server->impl_->loopback) {
    spdlog::warn(
        "{}: listening on {}, an address other hosts can reach: only /metrics, /healthz, /readyz "
        "and token-protected reports should be exposed; prefer 127.0.0.1 behind a proxy",
        options.name, server->address());
  }
  return server;
}

void HttpServer::route(const std::string& method, const std::string& pattern, Handler handler) {
  impl_->add(method == "POST" ? "POST" : "GET", pattern, std::move(handler), false);
}

void HttpServer::start() {
  if (impl_->reader.joinable()) return;
  for (std::size_t i = 0; i < impl_->options.threads; ++i) {
    impl_->workers.emplace_back([impl = impl_.get()] { impl->work(); });
  }
  impl_->reader = std::thread([impl = impl_.get()] { impl->read_loop(); });
  spdlog::info("{}: serving on {}", impl_->options.name, address());
}

void HttpServer::stop() {
  if (!impl_ || !impl_->reader.joinable()) return;
  impl_->stopping = true;
  std::uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(impl_->wake_fd, &one, sizeof one);
  impl_->reader.join();
  impl_->jobs_ready.notify_all();
  for (auto& worker : impl_->workers) worker.join();
  impl_->workers.clear();
  for (auto& connection : impl_->connections) close_fd(connection.fd);
  impl_->connections.clear();
  for (auto& job : impl_->jobs) close_fd(job.fd);
  impl_->jobs.clear();
}

void HttpServer::count_rejection(HttpRejection reason) {
  impl_->count(reason);
}

int HttpServer::port() const {
  return impl_->port;
}

std::string HttpServer::address() const {
  auto host = impl_->host.find(':') != std::string::npos ? "[" + impl_->host + "]" : impl_->host;
  return host + ":" + std::to_string(impl_->port);
}

}  // namespace rolewatch::stream
