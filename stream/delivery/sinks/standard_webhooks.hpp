#pragma once
// Standard Webhooks v1 signing (https://www.standardwebhooks.com, spec 1.0.0):
// webhook-signature = "v1," + base64(HMAC-SHA256(key, id "." timestamp "." body)),
// where the key is the base64-decoded part of a `whsec_` secret. Several
// keys sign side by side, space-separated, so receivers can rotate keys.
// Also GitHub's X-Hub-Signature-256 = "sha256=" + hex(HMAC-SHA256(secret, body)).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "state/base/expected.hpp"
#include "stream/config/secret.hpp"

namespace rolewatch::stream {

std::string base64_encode(std::string_view bytes);
Expected<std::string> base64_decode(std::string_view text);
std::string hex_encode(std::string_view bytes);
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes

class WebhookSigner {
 public:
  // Each secret is "whsec_<base64>" (the prefix is optional, as in the
  // reference implementation). Errors never quote a secret.
  static Expected<WebhookSigner> make(const std::vector<Secret>& secrets);

  // The webhook-signature header value for one attempt.
  std::string sign(std::string_view id, std::int64_t timestamp, std::string_view body) const;
  bool empty() const { return keys_.empty(); }

 private:
  std::vector<std::string> keys_;  // decoded HMAC keys
};

// "sha256=<hex>" for GitHub-style receivers; the secret is used as is.
std::string hub_signature_256(std::string_view secret, std::string_view body);

}  // namespace rolewatch::stream
