#pragma once
// Where a managed identity's tokens come from, read the same way for
// `graph:` (token_mode: managed-identity) and `source.auth:` (mode:
// managed-identity), so the two sections cannot drift apart
// (docs/reference/integrations.md §4.8):
//
//   managed_identity_endpoint: set      -> that URL, IMDS-style (Metadata: true)
//   else IDENTITY_ENDPOINT and IDENTITY_HEADER both set (App Service,
//        Container Apps)                -> that URL with X-IDENTITY-HEADER
//   else                                -> IMDS, http://169.254.169.254/...
//
// A configured endpoint receives no secret but answers with tokens, so it
// follows the rule of every credential URL: https, or plain http to this
// machine (the parsed host, never a prefix) or to IMDS's 169.254.169.254,
// never with user@. Refused outright: allow_insecure does not apply.
#include <string>

#include "state/net/entra_token.hpp"
#include "stream/config/config_node.hpp"

namespace rolewatch::stream {

inline constexpr std::string_view kManagedIdentityEndpointKey = "managed_identity_endpoint";

struct ManagedIdentityEndpoint {
  std::string url = state::kImdsTokenEndpoint;
  std::string identity_header;  // App Service / Container Apps only; a secret
};

// Reads `managed_identity_endpoint` of `section` (and the IDENTITY_*
// variables from its context). Throws ConfigError naming the key.
ManagedIdentityEndpoint read_managed_identity_endpoint(const ConfigNode& section);

}  // namespace rolewatch::stream
