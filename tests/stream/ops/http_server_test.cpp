#include "stream/ops/http_server.hpp"

#include <catch2/catch.hpp>

#include "state/net/http_client.hpp"

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
