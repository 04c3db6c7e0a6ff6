#include "state/net/http_client.hpp"

#include <catch2/catch.hpp>

#include "support/http_receiver.hpp"

using namespace rolewatch::state;

TEST_CASE("a request carries its method, headers and body, and the answer its status and headers",
          "[delivery]") {
  support::HttpReceiver receiver;
  receiver.set_fallback({202, "accepted", {{"Retry-After", "7"}, {"X-Thing", "yes"}}});
  HttpClient client;
  auto response =
      client.send({"POST", receiver.url("/in?x=1"), {{"X-Custom", "value"}}, "{\"a\":1}"});
  REQUIRE(response);
  CHECK(response->status == 202);
  CHECK(response->body == "accepted");
  REQUIRE(response->header("retry-after"));
  CHECK(*response->header("RETRY-AFTER") == "7");
  CHECK_FALSE(response->header("X-Missing"));
  auto got = receiver.requests();
  REQUIRE(got.size() == 1);
  CHECK(got[0].method == "POST");
  CHECK(got[0].path == "/in");
  CHECK(got[0].body == "{\"a\":1}");
  CHECK(got[0].header("x-custom") == "value");
  CHECK(got[0].header("Expect").empty());
}

TEST_CASE("several threads can share one client", "[delivery]") {
  support::HttpReceiver receiver;
  HttpClient client;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto response = client.send({"POST", receiver.url(), {}, "x"});
        if (response && response->status == 200) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(ok == 40);
  CHECK(receiver.count() == 40);
}

TEST_CASE("a refused connection is an error that never shows the URL's query", "[delivery]") {
  int port = 0;
  {
    support::HttpReceiver receiver;
    port = receiver.port();
  }
  HttpClient client;
  auto url = "http://user:pw@127.0.0.1:" + std::to_string(port) + "/flow?sp=x&sig=SECRETSIG";
  auto response = client.send({"POST", url, {}, "x"});
  REQUIRE_FALSE(response);
  CHECK(response.error().message.find("SECRETSIG") == std::string::npos);
  CHECK(response.error().message.find("pw@") == std::string::npos);
  CHECK(response.error().message.find("127.0.0.1") != std::string::npos);
}

TEST_CASE("URLs are logged without credentials, query or fragment", "[delivery]") {
  CHECK(redact_url("https://prod-1.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/"
                   "paths/invoke?api-version=2016-06-01&sig=abc") ==
        "https://prod-1.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/"
        "invoke?<redacted>");
  CHECK(redact_url("http://u:p@host:9093/api") == "http://host:9093/api");
  CHECK(redact_url("http://host/x#frag") == "http://host/x?<redacted>");
  CHECK(redact_url("http://host") == "http://host");
}
