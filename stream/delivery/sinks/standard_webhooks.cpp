#include "stream/delivery/sinks/standard_webhooks.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace rolewatch::stream {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";

const unsigned char* bytes_of(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  auto written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes_of(bytes),
                                 static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

Expected<std::string> base64_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return make_error("not base64 (length)");
  std::string out(text.size() / 4 * 3, '\0');
  auto written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes_of(text),
                                 static_cast<int>(text.size()));
  if (written < 0) return make_error("not base64 (characters)");
  // EVP_DecodeBlock counts padding as zero bytes.
  std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  out.resize(static_cast<std::size_t>(written) - padding);
  return out;
}

std::string hex_encode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes_of(data), data.size(), digest,
       &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

Expected<WebhookSigner> WebhookSigner::make(const std::vector<Secret>& secrets) {
  WebhookSigner signer;
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    std::string_view text = secrets[i].reveal();
    if (text.starts_with(kSecretPrefix)) text.remove_prefix(kSecretPrefix.size());
    auto key = base64_decode(text);
    if (!key || key->empty()) {
      return make_error("signing secret #" + std::to_string(i + 1) +
                        " is not a Standard Webhooks key (whsec_ followed by base64)");
    }
    signer.keys_.push_back(std::move(*key));
  }
  return signer;
}

std::string WebhookSigner::sign(std::string_view id, std::int64_t timestamp,
                                std::string_view body) const {
  std::string content;
  content.reserve(id.size() + body.size() + 24);
  content.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
  std::string header;
  for (const auto& key : keys_) {
    if (!header.empty()) header.push_back(' ');
    header += "v1," + base64_encode(hmac_sha256(key, content));
  }
  return header;
}

std::string hub_signature_256(std::string_view secret, std::string_view body) {
  return "sha256=" + hex_encode(hmac_sha256(secret, body));
}

}  // namespace rolewatch::stream
