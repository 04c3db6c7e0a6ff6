#pragma once
// Bearer-token checks for the report routes (RFC 6750): the presented token
// and the configured one are both hashed with SHA-256 and the digests
// compared with CRYPTO_memcmp, so neither the comparison nor a length
// difference tells a caller how much of a guess was right.
#include <string_view>

#include "stream/config/secret.hpp"
#include "stream/ops/http_wire.hpp"

namespace rolewatch::stream {

enum class BearerCheck { accepted, missing, invalid };

// `Authorization: Bearer <token>` (scheme in any case) against `token`.
BearerCheck check_bearer(const HttpRequest& request, const Secret& token);

// Constant-time equality of two byte strings of any lengths.
bool same_secret(std::string_view presented, std::string_view expected);

}  // namespace rolewatch::stream
