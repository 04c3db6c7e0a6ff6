#include "stream/delivery/sinks/standard_webhooks.hpp"

#include <catch2/catch.hpp>

using namespace rolewatch::stream;

TEST_CASE("the Standard Webhooks reference test vector signs to the published signature",
          "[delivery]") {
  // standard-webhooks/standard-webhooks libraries/python/tests/test_webhooks.py,
  // test_sign_function.
  auto signer = WebhookSigner::make({Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")});
  REQUIRE(signer);
  CHECK(signer->sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})") ==
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST_CASE("a secret without the whsec_ prefix signs the same, as in the reference library",
          "[delivery]") {
  auto signer = WebhookSigner::make({Secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")});
  REQUIRE(signer);
  CHECK(signer->sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})") ==
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST_CASE("several keys give several space-separated signatures so receivers can rotate keys",
          "[delivery]") {
  auto signer = WebhookSigner::make({Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
                                     Secret("whsec_" + base64_encode("another key of 24 bytes!"))});
  REQUIRE(signer);
  auto header = signer->sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})");
  auto space = header.find(' ');
  REQUIRE(space != std::string::npos);
  CHECK(header.substr(0, space) == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  CHECK(header.substr(space + 1).starts_with("v1,"));
  CHECK(header.substr(space + 1) != header.substr(0, space));
}

TEST_CASE("a signing secret that is not base64 is refused without being quoted", "[delivery]") {
  auto signer = WebhookSigner::make({Secret("whsec_not base64 at all!")});
  REQUIRE_FALSE(signer);
  CHECK(signer.error().message.find("not base64") == std::string::npos);
  CHECK(signer.error().message.find("whsec_not") == std::string::npos);
  CHECK(signer.error().message.find("#1") != std::string::npos);
}

TEST_CASE("GitHub's X-Hub-Signature-256 example reproduces exactly", "[delivery]") {
  // docs.github.com, "Validating webhook deliveries".
  CHECK(hub_signature_256("It's a Secret to Everybody", "Hello, World!") ==
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

TEST_CASE("base64 round-trips bytes of every length and rejects junk", "[delivery]") {
  for (const auto& bytes : std::vector<std::string>{"a", "ab", "abc", "abcd", {"\0\xff\x10", 3}}) {
    auto decoded = base64_decode(base64_encode(bytes));
    REQUIRE(decoded);
    CHECK(*decoded == bytes);
  }
  CHECK_FALSE(base64_decode("abc"));
  CHECK_FALSE(base64_decode("ab!d"));
}
