#include "stream/ops/http_server.hpp"

#include <catch2/catch.hpp>

#include "state/net/http_client.hpp"
#include "stream/ops/background_errors.hpp"
#include "stream/ops/http_wire.hpp"
#include "support/scrape.hpp"

using namespace rolewatch;
using namespace rolewatch::stream;

namespace {

state::HttpResponse get(const HttpServer& server, const std::string& path) {
  state::HttpClient client;
  auto response = client.send({"GET", "http://" + server.address() + path, {}, ""});
  REQUIRE(response);
  return std::move(*response);
}

std::unique_ptr<HttpServer> serve(Metrics& metrics, const Readiness& readiness) {
  auto server = HttpServer::bind({"127.0.0.1:0", 2}, metrics, readiness);
  REQUIRE(server);
  return std::move(*server);
}

}  // namespace

TEST_CASE("/healthz answers while the process runs and /metrics serves the registry", "[metrics]") {
  Metrics metrics;
  Readiness readiness;
  auto server = serve(metrics, readiness);
  server->start();
  CHECK(server->port() > 0);
  auto health = get(*server, "/healthz");
  CHECK(health.status == 200);
  CHECK(health.body == "ok\n");
  auto scrape = get(*server, "/metrics");
  CHECK(scrape.status == 200);
  CHECK_THAT(std::string(*scrape.header("Content-Type")),
             Catch::StartsWith("text/plain; version=0.0.4"));
  CHECK_THAT(scrape.body, Catch::Contains("# TYPE rolewatch_messages_total counter"));
  server->stop();
}

TEST_CASE(
    "/readyz is ready only with state open, partitions assigned, writes working and a short "
    "outbox",
    "[metrics]") {
  Metrics metrics;
  Readiness readiness;
  auto server = serve(metrics, readiness);
  server->start();
  auto first = get(*server, "/readyz");
  CHECK(first.status == 503);
  CHECK_THAT(first.body, Catch::Contains("state is not open"));
  CHECK_THAT(first.body, Catch::Contains("no partitions assigned"));

  readiness.set_state_open(true);
  readiness.set_partitions_assigned(true);
  CHECK(get(*server, "/readyz").status == 200);

  std::size_t pending = 150;
  readiness.set_outbox_source([&] { return pending; });
  auto full = get(*server, "/readyz");
  CHECK(full.status == 503);
  CHECK_THAT(full.body, Catch::Contains("outbox holds 150 undelivered alerts (threshold 100)"));
  pending = 3;
  readiness.set_write_failing(true);
  CHECK_THAT(get(*server, "/readyz").body, Catch::Contains("state writes are failing"));
  readiness.set_write_failing(false);
  CHECK(get(*server, "/readyz").status == 200);
}

TEST_CASE("more routes can be added for reports before the server starts", "[metrics]") {
  Metrics metrics;
  Readiness readiness;
  auto server = serve(metrics, readiness);
  server->route("GET", R"(/v1/reports/([a-z-]+))", [](const HttpRequest& request) {
    return HttpReply{200, "application/json",
                     "{\"report\":\"" + request.captures.at(0) + "\",\"days\":\"" +
                         request.query.find("days")->second + "\"}"};
  });
  server->start();
  auto reply = get(*server, "/v1/reports/stale-eligible?days=30");
  CHECK(reply.status == 200);
  CHECK(reply.body == R"({"report":"stale-eligible","days":"30"})");
  CHECK(get(*server, "/v1/nothing").status == 404);
}

TEST_CASE("a handler that throws is a 500, counted, and the server carries on", "[http]") {
  Metrics metrics;
  Readiness readiness;
  auto server = serve(metrics, readiness);
  server->route("GET", "/v1/reports/broken",
                [](const HttpRequest&) -> HttpReply { throw std::runtime_error("boom"); });
  server->start();
  const auto before = background_errors(BackgroundThread::http);
  CHECK(get(*server, "/v1/reports/broken").status == 500);
  CHECK(background_errors(BackgroundThread::http) - before == 1);
  CHECK(get(*server, "/healthz").status == 200);
}

TEST_CASE("a listen address that is taken or malformed is an error at startup", "[metrics]") {
  Metrics metrics;
  Readiness readiness;
  auto first = serve(metrics, readiness);
  auto taken = HttpServer::bind({first->address(), 1}, metrics, readiness);
  REQUIRE_FALSE(taken);
  CHECK_THAT(taken.error().message, Catch::Contains("cannot listen on"));
  CHECK_FALSE(HttpServer::bind({"no-port", 1}, metrics, readiness));
  CHECK_FALSE(HttpServer::bind({"127.0.0.1:99999", 1}, metrics, readiness));
  auto v6 = parse_listen_address("[::1]:9464");
  REQUIRE(v6);
  CHECK(v6->first == "::1");
  CHECK(v6->second == 9464);
}

TEST_CASE("a request head is found in bytes arriving one at a time, with CRLF or bare LF",
          "[http]") {
  HttpLimits limits;
  for (std::string text :
       {"GET /a HTTP/1.1\r\nHost: x\r\n\r\nBODY", "GET /a HTTP/1.1\nHost: x\n\nBODY"}) {
    HeadScanner scanner;
    std::string in;
    HeadScan last = HeadScan::incomplete;
    for (char c : text) {
      in.push_back(c);
      last = scanner.scan(in, limits);
      if (last != HeadScan::incomplete) break;
    }
    CHECK(last == HeadScan::complete);
    CHECK(text.substr(scanner.end()) == "BODY");
  }
  HeadScanner endless;
  CHECK(endless.scan("GET /" + std::string(5000, 'a'), limits) == HeadScan::target_too_long);
}

TEST_CASE("request heads are parsed strictly: one length, no folding, origin-form targets",
          "[http]") {
  HttpLimits limits;
  auto head = parse_head(
      "GET /v1/reports/st%61le?days=30&now=2025-01-01T00%3A00%3A00Z&x=a+b HTTP/1.1\r\n"
      "Host: h\r\nAUTHORIZATION:  Bearer abc \r\n\r\n",
      limits);
  REQUIRE(head.status == 0);
  CHECK(head.method == "GET");
  CHECK(head.path == "/v1/reports/stale");
  CHECK(head.query.find("now")->second == "2025-01-01T00:00:00Z");
  CHECK(head.query.find("x")->second == "a b");
  CHECK(head.headers.find("authorization")->second == "Bearer abc");
  auto status = [&](const std::string& text) { return parse_head(text, limits).status; };
  CHECK(status("POST /e HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n") == 400);
  CHECK(status("POST /e HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n") == 0);
  CHECK(status("POST /e HTTP/1.1\r\nContent-Length: -1\r\n\r\n") == 400);
  CHECK(status("POST /e HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") == 411);
  CHECK(status("POST /e HTTP/1.1\r\nContent-Length: 65537\r\n\r\n") == 413);
  CHECK(status("GET /e HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n") == 400);
  CHECK(status("GET /e HTTP/1.1\r\nBad Name: 1\r\n\r\n") == 400);
  CHECK(status("GET http://evil/e HTTP/1.1\r\n\r\n") == 400);
  CHECK(status("GET /e HTTP/2.0\r\n\r\n") == 400);
  CHECK(status("get /e HTTP/1.1\r\n\r\n") == 400);
  CHECK(status("GET  /e HTTP/1.1\r\n\r\n") == 400);
  CHECK(status("GET /" + std::string(4096, 'a') + " HTTP/1.1\r\n\r\n") == 414);
}

TEST_CASE("HEAD gets headers only, a known path with another method 405, garbage 400", "[http]") {
  Metrics metrics;
  Readiness readiness;
  auto server = serve(metrics, readiness);
  server->start();
  state::HttpClient client;
  auto head = client.send({"HEAD", "http://" + server->address() + "/healthz", {}, ""});
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->body.empty());
  auto post = client.send({"POST", "http://" + server->address() + "/healthz", {}, "x"});
  REQUIRE(post);
  CHECK(post->status == 405);
  auto garbage =
      client.send({"GET", "http://" + server->address() + "/healthz", {{"Bad Name", "1"}}, ""});
  REQUIRE(garbage);
  CHECK(garbage->status == 400);
  CHECK(support::metric_value(metrics.scrape(),
                              "rolewatch_http_requests_rejected_total{reason=\"malformed\"}") == 1);
}

TEST_CASE("the server's limits default to the values docs/eligibility-and-reports.md lists",
          "[http]") {
  HttpLimits limits;
  CHECK(limits.max_target_bytes == 4096);
  CHECK(limits.max_head_bytes == 16384);
  CHECK(limits.max_headers == 64);
  CHECK(limits.max_body_bytes == 65536);
  CHECK(limits.read_timeout == std::chrono::seconds(10));
  CHECK(limits.write_timeout == std::chrono::seconds(10));
  CHECK(limits.max_connections == 256);
  CHECK(limits.max_queued == 32);
  CHECK(HttpServerOptions{}.threads == 4);
  CHECK(HttpServerOptions{}.listen == "127.0.0.1:9464");
}
