#include "stream/source/kafka/event_hubs_auth.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace rolewatch::stream {
namespace {

// TokenProvider hands out a cached token until five minutes before it
// expires, so every token it returns is good for at least that long. Telling
// librdkafka so (it refreshes at 80%) keeps the reported lifetime honest
// without knowing the real expiry; a refresh of a cached token is free.
constexpr std::chrono::minutes kReportedLifetime{5};

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string first_host(std::string_view brokers) {
  auto first = brokers.substr(0, brokers.find(','));
  if (auto scheme = first.find("://"); scheme != std::string_view::npos) {
    first = first.substr(scheme + 3);
  }
  return std::string(first.substr(0, first.rfind(':')));
}

state::TokenMode token_mode(AuthMode mode) {
  switch (mode) {
    case AuthMode::workload_identity:
      return state::TokenMode::workload_identity;
    case AuthMode::managed_identity:
      return state::TokenMode::managed_identity;
    default:
      return state::TokenMode::client_secret;
  }
}

}  // namespace

std::string event_hubs_resource(std::string_view brokers) {
  return "https://" + first_host(brokers);
}

std::vector<Property> auth_properties(const AuthConfig& auth) {
  switch (auth.mode) {
    case AuthMode::none:
      return {};
    case AuthMode::connection_string:
      return {{"security.protocol", "SASL_SSL", false},
              {"sasl.mechanisms", "PLAIN", false},
              {"sasl.username", "$ConnectionString", false},
              {"sasl.password", auth.connection_string.reveal(), true}};
    case AuthMode::client_secret:
    case AuthMode::workload_identity:
    case AuthMode::managed_identity:
      return {{"security.protocol", "SASL_SSL", false}, {"sasl.mechanisms", "OAUTHBEARER", false}};
  }
  return {};
}

bool uses_oauthbearer(AuthMode mode) {
  return mode == AuthMode::client_secret || mode == AuthMode::workload_identity ||
         mode == AuthMode::managed_identity;
}

state::TokenConfig event_hubs_token_config(const AuthConfig& auth, std::string_view brokers) {
  state::TokenConfig config;
  config.mode = token_mode(auth.mode);
  config.tenant_id = auth.tenant_id;
  config.client_id = auth.client_id;
  config.client_secret = auth.client_secret.reveal();
  config.federated_token_file = auth.token_file;
  config.authority = auth.authority_host;
  if (auth.mode == AuthMode::managed_identity) {
    config.managed_identity_endpoint = auth.managed_identity_endpoint;
    config.identity_header = auth.identity_header.reveal();
  }
  config.resource = event_hubs_resource(brokers);
  if (!auth.scope.empty()) {
    constexpr std::string_view suffix = "/.default";
    config.resource = auth.scope.ends_with(suffix)
                          ? auth.scope.substr(0, auth.scope.size() - suffix.size())
                          : auth.scope;
  }
  return config;
}

EventHubsTokenRefresher::EventHubsTokenRefresher(state::TokenConfig config)
    : tokens_(config, http_), principal_(config.client_id) {}

void EventHubsTokenRefresher::oauthbearer_token_refresh_cb(RdKafka::Handle* handle,
                                                           const std::string&) {
  auto token = tokens_.token();
  if (!token) {
    ++failures_;
    spdlog::error("Event Hubs token: {}", token.error().message);
    handle->oauthbearer_set_token_failure(token.error().message);
    return;
  }
  std::string errstr;
  auto expires_at = now_ms() + std::chrono::milliseconds(kReportedLifetime).count();
  auto err = handle->oauthbearer_set_token(*token, expires_at, principal_, {}, errstr);
  if (err != RdKafka::ERR_NO_ERROR) {
    ++failures_;
    // errstr describes the token's form, never its value.
    spdlog::error("Event Hubs token rejected by librdkafka: {}", errstr);
    handle->oauthbearer_set_token_failure(errstr);
    return;
  }
  ++successes_;
  spdlog::debug("Event Hubs token refreshed for client {}", principal_);
}

std::unique_ptr<EventHubsTokenRefresher> make_token_refresher(const AuthConfig& auth,
                                                              std::string_view brokers) {
  if (!uses_oauthbearer(auth.mode)) return nullptr;
  return std::make_unique<EventHubsTokenRefresher>(event_hubs_token_config(auth, brokers));
}

Status attach_token_refresher(RdKafka::Conf& conf, EventHubsTokenRefresher* refresher) {
  std::string errstr;
  if (conf.set("oauthbearer_token_refresh_cb", refresher, errstr) != RdKafka::Conf::CONF_OK) {
    return make_error("cannot set the OAUTHBEARER token callback: " + errstr);
  }
  if (conf.enable_sasl_queue(true, errstr) != RdKafka::Conf::CONF_OK) {
    return make_error("cannot enable the SASL queue: " + errstr);
  }
  return ok();
}

Status enable_background_token_refresh(RdKafka::Handle& handle) {
  std::unique_ptr<RdKafka::Error> error(handle.sasl_background_callbacks_enable());
  if (error) return make_error("cannot serve token refreshes in the background: " + error->str());
  return ok();
}

}  // namespace rolewatch::stream
