#pragma once
// HTTP/1.1 on the wire for the sidecar's server (ops/http_server): request
// and reply types, the limits a request must stay within, the incremental
// scan that finds the end of a request head while enforcing them, the head
// parser and the response writer. Pure functions over bytes, no sockets, so
// each limit is tested without a network.
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rolewatch::stream {

// docs/eligibility-and-reports.md#http-surface lists these defaults.
struct HttpLimits {
  std::size_t max_target_bytes = 4096;     // request target (path and query): 414 beyond
  std::size_t max_head_bytes = 16 * 1024;  // request line and headers: 431 beyond
  std::size_t max_headers = 64;            // header lines: 431 beyond
  std::size_t max_body_bytes = 64 * 1024;  // Content-Length: 413 beyond
  std::chrono::milliseconds read_timeout{std::chrono::seconds(10)};   // whole request: 408
  std::chrono::milliseconds write_timeout{std::chrono::seconds(10)};  // whole response
  std::size_t max_connections = 256;  // being read at once; the oldest is dropped beyond
  std::size_t max_queued = 32;        // complete requests waiting for a worker: 503 beyond
};

struct HttpRequest {
  std::string method;
  std::string path;
  std::vector<std::string> captures;  // regex groups of the route pattern
  std::multimap<std::string, std::string> query;
  std::string body;
  std::multimap<std::string, std::string> headers;  // names in lower case

  // The first value of a header (name in any case), if present.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers = {};  // more response headers
};

enum class HeadScan { incomplete, complete, target_too_long, too_large };

// Finds the blank line that ends a request head in bytes as they arrive,
// looking at each byte once, and stops as soon as a limit is passed: a
// request with a million header lines costs max_head_bytes, not its size.
class HeadScanner {
 public:
  // `in`: every byte received so far on the connection.
  HeadScan scan(std::string_view in, const HttpLimits& limits);
  std::size_t end() const { return end_; }  // head length (with the blank line) once complete

 private:
  std::size_t scanned_ = 0;
  std::size_t lines_ = 0;
  std::size_t end_ = 0;
};

struct ParsedHead {
  int status = 0;     // 0: valid; else the error status to answer (400, 411, 413, 414)
  std::string error;  // why, for the error body (never echoes header values)
  std::string method;
  std::string path;  // percent-decoded
  std::multimap<std::string, std::string> query;
  std::multimap<std::string, std::string> headers;  // names in lower case
  std::size_t content_length = 0;
};

// `head`: the request line and headers up to and including the blank line.
ParsedHead parse_head(std::string_view head, const HttpLimits& limits);

// Status line, Content-Type, Content-Length, Connection: close, the reply's
// headers, then the body (not for HEAD).
std::string render_response(const HttpReply& reply, bool head_only);

std::string lower_case(std::string_view text);

}  // namespace rolewatch::stream
