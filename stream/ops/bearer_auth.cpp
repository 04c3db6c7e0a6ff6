#include "stream/ops/bearer_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>

namespace rolewatch::stream {
namespace {

std::array<unsigned char, SHA256_DIGEST_LENGTH> digest(std::string_view text) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> out{};
  ::SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data());
  return out;
}

}  // namespace

bool same_secret(std::string_view presented, std::string_view expected) {
  auto a = digest(presented);
  auto b = digest(expected);
  return ::CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

BearerCheck check_bearer(const HttpRequest& request, const Secret& token) {
  auto header = request.header("Authorization");
  if (!header) return BearerCheck::missing;
  constexpr std::string_view kScheme = "bearer ";
  if (header->size() < kScheme.size() || lower_case(header->substr(0, kScheme.size())) != kScheme) {
    return BearerCheck::missing;
  }
  auto presented = header->substr(kScheme.size());
  while (!presented.empty() && presented.front() == ' ') presented.remove_prefix(1);
  return same_secret(presented, token.reveal()) ? BearerCheck::accepted : BearerCheck::invalid;
}

}  // namespace rolewatch::stream
