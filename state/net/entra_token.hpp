#pragma once
// Entra ID access tokens for one resource, cached until shortly before they
// expire: client credentials with a secret, workload identity federation
// (a projected token file exchanged as a jwt-bearer client assertion), or a
// managed identity endpoint (IMDS, or App Service's IDENTITY_ENDPOINT).
// Secrets and tokens never appear in errors or logs.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "state/base/expected.hpp"
#include "state/net/http_client.hpp"

namespace rolewatch::state {

enum class TokenMode { client_secret, workload_identity, managed_identity };
std::string_view to_string(TokenMode mode);  // "client-secret", ...

inline constexpr const char* kImdsTokenEndpoint =
    "http://169.254.169.254/metadata/identity/oauth2/token";

struct TokenConfig {
  TokenMode mode = TokenMode::client_secret;
  std::string tenant_id;
  std::string client_id;      // app id; for managed identity: a user-assigned identity (optional)
  std::string client_secret;  // client-secret mode
  std::string federated_token_file;  // workload-identity mode; re-read on every fetch
  std::string authority = "https://login.microsoftonline.com";
  std::string resource = "https://graph.microsoft.com";  // scope is resource + "/.default"
  // Managed identity: IMDS-style endpoint (GET, "Metadata: true"). When
  // `identity_header` is set, App Service style instead (api-version
  // 2019-08-01, "X-IDENTITY-HEADER").
  std::string managed_identity_endpoint = kImdsTokenEndpoint;
  std::string identity_header;
  std::chrono::milliseconds timeout{15'000};
};

class TokenProvider {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  TokenProvider(TokenConfig config, const HttpClient& http, Clock clock = {});

  // A valid bearer token, fetched when none is cached or it expires within
  // five minutes.
  Expected<std::string> token();
  // Forgets the cached token (the resource answered 401).
  void invalidate();
  const TokenConfig& config() const { return config_; }
  std::uint64_t fetches() const { return fetches_; }  // tokens obtained so far

 private:
  Expected<HttpResponse> request_token() const;
  HttpRequest authority_request(std::string form) const;
  HttpRequest managed_identity_request() const;

  TokenConfig config_;
  const HttpClient& http_;
  Clock clock_;
  std::mutex mutex_;
  std::string token_;
  std::chrono::system_clock::time_point expires_at_{};
  std::atomic<std::uint64_t> fetches_{0};
};

// application/x-www-form-urlencoded / query component encoding.
std::string url_encode(std::string_view text);

}  // namespace rolewatch::state
