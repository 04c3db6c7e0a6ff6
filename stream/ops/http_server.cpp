#include "stream/ops/http_server.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

#include "stream/ops/httplib_include.hpp"

namespace rolewatch::stream {
namespace {

HttpRequest to_request(const httplib::Request& in) {
  HttpRequest request{in.method, in.path, {}, {}, in.body};
  for (std::size_t i = 1; i < in.matches.size(); ++i) request.captures.push_back(in.matches[i]);
  for (const auto& [key, value] : in.params) request.query.emplace(key, value);
  return request;
}

void reply(httplib::Response& out, const HttpReply& reply) {
  out.status = reply.status;
  out.set_content(reply.body, reply.content_type.c_str());
}

}  // namespace

Expected<std::pair<std::string, int>> parse_listen_address(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return make_error("http.listen: expected host:port, got \"" + listen + "\"");
  }
  auto host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = -1;
  auto text = std::string_view(listen).substr(colon + 1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port < 0 || port > 65535) {
    return make_error("http.listen: invalid port in \"" + listen + "\"");
  }
  return std::make_pair(host, port);
}

HttpServer::HttpServer() : server_(std::make_unique<httplib::Server>()) {}

HttpServer::~HttpServer() {
  stop();
}

Expected<std::unique_ptr<HttpServer>> HttpServer::bind(const HttpServerOptions& options,
                                                       Metrics& metrics,
                                                       const Readiness& readiness) {
  auto address = parse_listen_address(options.listen);
  if (!address) return address.error();
  std::unique_ptr<HttpServer> server(new HttpServer());
  auto threads = std::max<std::size_t>(options.threads, 1);
  server->server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server->server_->set_read_timeout(5, 0);
  server->server_->set_write_timeout(5, 0);
  server->server_->set_payload_max_length(1 << 20);
  // httplib's default also sets SO_REUSEPORT, which would let a second
  // instance bind the same port silently; address reuse alone is enough.
  server->server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server->host_ = address->first;
  if (address->second == 0) {
    server->port_ = server->server_->bind_to_any_port(server->host_);
  } else if (server->server_->bind_to_port(server->host_, address->second)) {
    server->port_ = address->second;
  }
  if (server->port_ <= 0) {
    return make_error("cannot listen on " + options.listen + " (address in use or not local?)");
  }
  server->add_builtin_routes(metrics, readiness);
  return server;
}

void HttpServer::add_builtin_routes(Metrics& metrics, const Readiness& readiness) {
  server_->Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& out) {
    out.set_content(metrics.scrape(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& out) {
    out.set_content("ok\n", "text/plain; charset=utf-8");
  });
  server_->Get("/readyz", [&readiness](const httplib::Request&, httplib::Response& out) {
    auto report = readiness.check();
    std::string body = report.ready ? "ready\n" : "";
    for (const auto& reason : report.reasons) body += "not ready: " + reason + "\n";
    out.status = report.ready ? 200 : 503;
    out.set_content(body, "text/plain; charset=utf-8");
  });
}

void HttpServer::route(const std::string& method, const std::string& pattern, Handler handler) {
  auto adapter = [handler = std::move(handler)](const httplib::Request& in,
                                                httplib::Response& out) {
    reply(out, handler(to_request(in)));
  };
  if (method == "POST") {
    server_->Post(pattern, std::move(adapter));
  } else {
    server_->Get(pattern, std::move(adapter));
  }
}

void HttpServer::start() {
  if (thread_.joinable()) return;
  auto finished = std::make_shared<std::atomic<bool>>(false);
  thread_ = std::thread([this, finished] {
    server_->listen_after_bind();
    *finished = true;
  });
  // stop() is a no-op until the server runs; wait so a quick stop() cannot hang the join.
  while (!server_->is_running() && !*finished) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  spdlog::info("serving /metrics, /healthz and /readyz on {}", address());
}

void HttpServer::stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

std::string HttpServer::address() const {
  auto host = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
  return host + ":" + std::to_string(port_);
}

}  // namespace rolewatch::stream
