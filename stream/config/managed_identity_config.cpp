#include "stream/config/managed_identity_config.hpp"

#include "state/net/url_check.hpp"

namespace rolewatch::stream {
namespace {

// Azure's instance metadata service: plain http by design, link-local.
constexpr std::string_view kImdsHost = "169.254.169.254";

bool is_imds_url(const std::string& url) {
  auto parsed = state::parse_http_url(url);
  return parsed && parsed->scheme == "http" && parsed->host == kImdsHost && !parsed->has_userinfo;
}

}  // namespace

ManagedIdentityEndpoint read_managed_identity_endpoint(const ConfigNode& section) {
  ManagedIdentityEndpoint endpoint;
  auto configured = section.optional_string(kManagedIdentityEndpointKey);
  if (!configured) {
    // Set by the platform (App Service, Container Apps), not by the user.
    auto url = section.context().env("IDENTITY_ENDPOINT");
    auto header = section.context().env("IDENTITY_HEADER");
    if (url && header && !url->empty() && !header->empty()) {
      endpoint.url = *url;
      endpoint.identity_header = *header;
    }
    return endpoint;
  }
  endpoint.url = *configured;
  while (endpoint.url.ends_with('/')) endpoint.url.pop_back();
  if (is_imds_url(endpoint.url)) return endpoint;
  if (auto status = state::check_https_or_loopback(endpoint.url); !status) {
    section.fail(kManagedIdentityEndpointKey, status.error().message);
  }
  return endpoint;
}

}  // namespace rolewatch::stream
