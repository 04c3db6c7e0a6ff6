#pragma once
// gzip (RFC 1952) compression of request bodies, with zlib: the Logs
// Ingestion API takes `Content-Encoding: gzip` (integrations.md §8), which
// cuts the bytes of a batch of alert rows several times over. One place for
// it, so that any other sink that compresses uses the same code.
#include <string>
#include <string_view>

#include "state/base/expected.hpp"

namespace rolewatch::state {

// `data` as one gzip member (default compression level). Fails only when
// zlib cannot allocate its state.
Expected<std::string> gzip_compress(std::string_view data);

}  // namespace rolewatch::state
