// Event Hubs authentication: the librdkafka properties of each mode, and
// Entra ID tokens fetched from a local token endpoint that checks the grant
// (SASL itself cannot be tested: the embedded broker has none).
#include "stream/source/kafka/event_hubs_auth.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "stream/source/kafka/kafka_properties.hpp"
#include "support/fake_graph.hpp"
#include "support/httplib_include.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch::stream;

namespace {

constexpr const char* kBrokers = "contoso-hub.servicebus.windows.net:9093";
constexpr const char* kScope = "https://contoso-hub.servicebus.windows.net/.default";
constexpr const char* kTenant = "tenant-1";
constexpr const char* kClient = "client-1";
constexpr const char* kSecret = "CL1ENT-S3CRET";

// Entra's token endpoint, as far as rolewatch uses it: checks the client
// credentials grant for the Event Hubs scope and records the assertions.
class TokenEndpoint {
 public:
  TokenEndpoint() {
    server_.Post(R"(/([^/]+)/oauth2/v2.0/token)",
                 [this](const auto& req, auto& res) { handle(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~TokenEndpoint() {
    server_.stop();
    thread_.join();
  }

  std::string authority() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> assertions() const {
    std::lock_guard lock(mutex_);
    return assertions_;
  }
  int requests() const { return requests_.load(); }
  std::atomic<int> expires_in{3599};

 private:
  void handle(const httplib::Request& req, httplib::Response& res) {
    ++requests_;
    auto param = [&](const char* name) { return req.get_param_value(name); };
    bool client = req.matches[1] == kTenant && param("client_id") == kClient &&
                  param("grant_type") == "client_credentials" && param("scope") == kScope;
    bool secret = param("client_secret") == kSecret;
    bool assertion = param("client_assertion_type") ==
                         "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" &&
                     !param("client_assertion").empty();
    if (assertion) {
      std::lock_guard lock(mutex_);
      assertions_.push_back(param("client_assertion"));
    }
    if (client && (secret || assertion)) {
      nlohmann::json body = {{"token_type", "Bearer"},
                             {"expires_in", expires_in.load()},
                             {"access_token", "eyJ0.token-" + std::to_string(requests_.load())}};
      res.set_content(body.dump(), "application/json");
      return;
    }
    res.status = 401;
    res.set_content(
        R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."})",
        "application/json");
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<std::string> assertions_;
  std::atomic<int> requests_{0};
};

AuthConfig client_secret_auth(const std::string& authority, const std::string& secret = kSecret) {
  AuthConfig auth;
  auth.mode = AuthMode::client_secret;
  auth.tenant_id = kTenant;
  auth.client_id = kClient;
  auth.client_secret = Secret(secret);
  auth.authority_host = authority;
  return auth;
}

constexpr const char* kResource = "https://contoso-hub.servicebus.windows.net";

// Managed identity towards the fake's IMDS endpoint, for Event Hubs' resource.
AuthConfig managed_identity_auth(const support::FakeGraph& fake) {
  AuthConfig auth;
  auth.mode = AuthMode::managed_identity;
  auth.managed_identity_endpoint = fake.imds_endpoint();
  return auth;
}

// Asks librdkafka's client for a token through the refresher, as KafkaClient
// does; true once the callback has set one.
bool client_obtains_token(EventHubsTokenRefresher& refresher) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  // SASL without TLS towards a closed port: only the token matters here.
  REQUIRE(apply_properties(*conf, {{"bootstrap.servers", "127.0.0.1:9"},
                                   {"security.protocol", "SASL_PLAINTEXT"},
                                   {"sasl.mechanisms", "OAUTHBEARER"},
                                   {"log_level", "0"}})
              .has_value());
  REQUIRE(attach_token_refresher(*conf, &refresher).has_value());
  std::string errstr;
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), errstr));
  REQUIRE(producer);
  REQUIRE(enable_background_token_refresh(*producer).has_value());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (refresher.successes() == 0 && refresher.failures() == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return refresher.successes() >= 1;
}

}  // namespace

TEST_CASE("the Event Hubs token scope is derived from the bootstrap host", "[kafka]") {
  CHECK(event_hubs_resource(kBrokers) == "https://contoso-hub.servicebus.windows.net");
  CHECK(event_hubs_resource("a.servicebus.chinacloudapi.cn:9093,b:9093") ==
        "https://a.servicebus.chinacloudapi.cn");
  AuthConfig auth = client_secret_auth("https://login.microsoftonline.com");
  CHECK(event_hubs_token_config(auth, kBrokers).resource ==
        "https://contoso-hub.servicebus.windows.net");
  auth.scope = "https://other.servicebus.windows.net/.default";
  CHECK(event_hubs_token_config(auth, kBrokers).resource == "https://other.servicebus.windows.net");
}

TEST_CASE("a connection string becomes SASL PLAIN with the $ConnectionString user", "[kafka]") {
  AuthConfig auth;
  auth.mode = AuthMode::connection_string;
  auth.connection_string = Secret(
      "Endpoint=sb://contoso-hub.servicebus.windows.net/;SharedAccessKeyName=l;SharedAccessKey=k");
  auto properties = auth_properties(auth);
  CHECK(property_value(properties, "security.protocol") == "SASL_SSL");
  CHECK(property_value(properties, "sasl.mechanisms") == "PLAIN");
  CHECK(property_value(properties, "sasl.username") == "$ConnectionString");
  CHECK(property_value(properties, "sasl.password") == auth.connection_string.reveal());
  CHECK(properties.back().sensitive);
}

TEST_CASE("Entra ID modes use SASL OAUTHBEARER and put no secret in a property", "[kafka]") {
  for (auto mode :
       {AuthMode::client_secret, AuthMode::workload_identity, AuthMode::managed_identity}) {
    AuthConfig auth = client_secret_auth("https://login.microsoftonline.com");
    auth.mode = mode;
    auto properties = auth_properties(auth);
    CHECK(property_value(properties, "security.protocol") == "SASL_SSL");
    CHECK(property_value(properties, "sasl.mechanisms") == "OAUTHBEARER");
    for (const auto& property : properties)
      CHECK(property.value.find(kSecret) == std::string::npos);
  }
}

TEST_CASE("consumer properties follow Microsoft's recommendations and the user overrides them",
          "[kafka]") {
  SourceConfig source;
  source.brokers = kBrokers;
  source.topic = "insights-logs-auditlogs";
  source.group = "rolewatch";
  source.properties = {{"session.timeout.ms", "45000", false}};
  auto properties = consumer_properties(source, kBrokers);
  CHECK(property_value(properties, "bootstrap.servers") == kBrokers);
  CHECK(property_value(properties, "group.id") == "rolewatch");
  CHECK(property_value(properties, "partition.assignment.strategy") == "cooperative-sticky");
  CHECK(property_value(properties, "enable.auto.offset.store") == "false");
  CHECK(property_value(properties, "enable.auto.commit") == "true");
  CHECK(property_value(properties, "socket.keepalive.enable") == "true");
  CHECK(property_value(properties, "metadata.max.age.ms") == "180000");
  CHECK(property_value(properties, "connections.max.idle.ms") == "180000");
  CHECK(property_value(properties, "heartbeat.interval.ms") == "3000");
  CHECK(property_value(properties, "max.poll.interval.ms") == "300000");
  CHECK(property_value(properties, "auto.offset.reset") == "earliest");
  CHECK(property_value(properties, "session.timeout.ms") == "45000");  // user's value wins

  source.brokers = "embedded";
  source.properties.clear();
  auto embedded = consumer_properties(source, "127.0.0.1:1234");
  CHECK(property_value(embedded, "fetch.wait.max.ms") == "10");
  CHECK(property_value(embedded, "session.timeout.ms") == "6000");
}

TEST_CASE("an invalid sensitive property is reported without its value", "[kafka]") {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  auto status = apply_properties(*conf, {{"ssl.key.password.nonexistent", "S3CRET", true}});
  REQUIRE_FALSE(status.has_value());
  CHECK(status.error().message.find("S3CRET") == std::string::npos);
}

TEST_CASE("a client-secret token is fetched with the client credentials grant", "[kafka]") {
  TokenEndpoint endpoint;
  rolewatch::state::HttpClient http;
  rolewatch::state::TokenProvider tokens(
      event_hubs_token_config(client_secret_auth(endpoint.authority()), kBrokers), http);
  auto token = tokens.token();
  REQUIRE(token.has_value());
  CHECK(*token == "eyJ0.token-1");
  CHECK(endpoint.requests() == 1);
}

TEST_CASE("a rejected token request says why and never shows the secret", "[kafka]") {
  TokenEndpoint endpoint;
  rolewatch::state::HttpClient http;
  rolewatch::state::TokenProvider tokens(
      event_hubs_token_config(client_secret_auth(endpoint.authority(), "WRONG-S3CRET"), kBrokers),
      http);
  auto token = tokens.token();
  REQUIRE_FALSE(token.has_value());
  CHECK(token.error().message.find("invalid_client") != std::string::npos);
  CHECK(token.error().message.find("WRONG-S3CRET") == std::string::npos);
}

TEST_CASE("workload identity re-reads the federated token file for every fetch", "[kafka]") {
  TokenEndpoint endpoint;
  endpoint.expires_in = 60;  // inside the provider's refresh margin: every call fetches
  support::TempDir dir;
  auto file = dir / "azure-identity-token";
  std::ofstream(file) << "projected-jwt-1";
  AuthConfig auth = client_secret_auth(endpoint.authority());
  auth.mode = AuthMode::workload_identity;
  auth.client_secret = Secret();
  auth.token_file = file.string();
  rolewatch::state::HttpClient http;
  rolewatch::state::TokenProvider tokens(event_hubs_token_config(auth, kBrokers), http);
  REQUIRE(tokens.token().has_value());
  std::ofstream(file, std::ios::trunc) << "projected-jwt-2";  // kubelet rotated it
  REQUIRE(tokens.token().has_value());
  CHECK(endpoint.assertions() == std::vector<std::string>{"projected-jwt-1", "projected-jwt-2"});
}

TEST_CASE("librdkafka's OAUTHBEARER refresh callback is served from the token endpoint",
          "[kafka]") {
  TokenEndpoint endpoint;
  auto refresher = make_token_refresher(client_secret_auth(endpoint.authority()), kBrokers);
  REQUIRE(refresher);
  CHECK(client_obtains_token(*refresher));
  CHECK(refresher->successes() >= 1);
  CHECK(refresher->failures() == 0);
  CHECK(endpoint.requests() >= 1);
}

TEST_CASE("a managed identity asks IMDS for the namespace's token with Metadata: true",
          "[kafka][managed-identity]") {
  support::FakeGraph fake;
  fake.set_managed_identity(kResource);
  auto config = event_hubs_token_config(managed_identity_auth(fake), kBrokers);
  CHECK(config.mode == rolewatch::state::TokenMode::managed_identity);
  CHECK(config.resource == kResource);  // no "/.default": IMDS takes a resource
  rolewatch::state::HttpClient http;
  rolewatch::state::TokenProvider tokens(config, http);
  REQUIRE(tokens.token().has_value());
  REQUIRE(tokens.token().has_value());  // cached: IMDS said expires_in 86399
  CHECK(fake.grants() == std::vector<std::string>{"imds"});
  CHECK(fake.token_requests() == 1);

  // The fake refuses a token for another resource, as IMDS would not give
  // Event Hubs' audience for Graph's.
  fake.set_managed_identity("https://graph.microsoft.com");
  rolewatch::state::TokenProvider wrong(config, http);
  auto refused = wrong.token();
  REQUIRE_FALSE(refused.has_value());
  CHECK_THAT(refused.error().message, Catch::StartsWith("token endpoint answered HTTP 400"));
}

TEST_CASE("a user-assigned managed identity is chosen by client_id", "[kafka][managed-identity]") {
  support::FakeGraph fake;
  fake.set_managed_identity(kResource, "mi-client-1");
  rolewatch::state::HttpClient http;
  auto auth = managed_identity_auth(fake);
  rolewatch::state::TokenProvider system_assigned(event_hubs_token_config(auth, kBrokers), http);
  CHECK_FALSE(system_assigned.token().has_value());
  auth.client_id = "mi-client-1";
  rolewatch::state::TokenProvider user_assigned(event_hubs_token_config(auth, kBrokers), http);
  CHECK(user_assigned.token().has_value());
}

TEST_CASE("an App Service or Container Apps identity sends X-IDENTITY-HEADER and reads expires_on",
          "[kafka][managed-identity]") {
  support::FakeGraph fake;
  fake.set_managed_identity(kResource);
  fake.set_identity_header("platform-header");
  auto auth = managed_identity_auth(fake);
  auth.managed_identity_endpoint = fake.app_service_endpoint();
  auth.identity_header = Secret("platform-header");
  rolewatch::state::HttpClient http;
  rolewatch::state::TokenProvider tokens(event_hubs_token_config(auth, kBrokers), http);
  REQUIRE(tokens.token().has_value());
  // The answer holds only expires_on (2100-01-01): the token is cached, not
  // fetched again for want of expires_in.
  REQUIRE(tokens.token().has_value());
  CHECK(fake.grants() == std::vector<std::string>{"app-service"});
  CHECK(fake.token_requests() == 1);

  auth.identity_header = Secret("stale-header");
  rolewatch::state::TokenProvider wrong(event_hubs_token_config(auth, kBrokers), http);
  auto refused = wrong.token();
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find("stale-header") == std::string::npos);
}

TEST_CASE("a Kafka client with managed identity auth obtains its token from the endpoint",
          "[kafka][managed-identity]") {
  support::FakeGraph fake;
  fake.set_managed_identity(kResource);
  auto refresher = make_token_refresher(managed_identity_auth(fake), kBrokers);
  REQUIRE(refresher);
  CHECK(client_obtains_token(*refresher));
  CHECK(refresher->failures() == 0);
  CHECK(fake.grants().front() == "imds");

  // An endpoint that refuses: librdkafka is told the token failed.
  fake.set_managed_identity("https://other.servicebus.windows.net");
  auto refused = make_token_refresher(managed_identity_auth(fake), kBrokers);
  CHECK_FALSE(client_obtains_token(*refused));
  CHECK(refused->failures() >= 1);
}
