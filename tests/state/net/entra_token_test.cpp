// A token endpoint is a peer too: an absurd lifetime claim must not overflow
// the clock (which made every call fetch a new token) or keep a token for
// ever.
#include "state/net/entra_token.hpp"

#include <catch2/catch.hpp>

#include "support/http_receiver.hpp"

using namespace rolewatch::state;

namespace {

std::size_t fetches_for(const std::string& lifetime_field) {
  support::HttpReceiver endpoint;
  endpoint.set_fallback(
      {200, R"({"access_token": "tok", "token_type": "Bearer", )" + lifetime_field + "}"});
  TokenConfig config;
  config.tenant_id = "tenant";
  config.client_id = "client";
  config.client_secret = "s3cret";
  config.authority = endpoint.url("");
  HttpClient http;
  TokenProvider tokens(config, http);
  for (int i = 0; i < 3; ++i) REQUIRE(tokens.token());
  return endpoint.count();
}

}  // namespace

TEST_CASE("a token's claimed lifetime is held to a day, so huge claims cannot overflow",
          "[net][token]") {
  CHECK(fetches_for(R"("expires_in": 3599)") == 1);
  CHECK(fetches_for(R"("expires_in": 9223372036854775807)") == 1);  // cached, 24 h
  CHECK(fetches_for(R"("expires_in": "9223372036854775807")") == 1);
  CHECK(fetches_for(R"("expires_on": 9223372036854775807)") == 1);
  CHECK(fetches_for(R"("expires_in": -5)") == 3);  // already expired: fetched each time
}
