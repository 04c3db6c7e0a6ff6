#pragma once
// What a URL really points at, read with libcurl's URL API (the parser that
// will send the request), never by prefix: `http://localhost@192.0.2.2/`
// is a request to 192.0.2.2 with user "localhost", and
// `http://127.0.0.1.evil.example/` is a remote host. The one place that
// decides "is this plain HTTP to this machine?" (docs/configuration.md,
// "Plain HTTP and loopback"): the Graph and Entra endpoints accept plain
// http only to loopback, and a sink's plain http to any other host is an
// insecure setting.
#include <string>
#include <string_view>

#include "state/base/expected.hpp"

namespace rolewatch::state {

struct ParsedUrl {
  std::string scheme;         // lower case: "http", "https"
  std::string host;           // as libcurl sends it; IPv6 in brackets ("[::1]")
  bool has_userinfo = false;  // user or password before '@'
  bool loopback = false;      // host is 127.0.0.0/8, ::1 or localhost, and no userinfo
};

// Parses an absolute http:// or https:// URL. Errors never quote the URL
// (it may carry a secret in its query).
Expected<ParsedUrl> parse_http_url(std::string_view url);

// 127.0.0.0/8 in dotted-quad form, ::1 (also as ::ffff:127.x.y.z, with or
// without brackets) and "localhost" (any case, no trailing dot).
bool is_loopback_host(std::string_view host);

// http:// to a loopback host, without userinfo.
bool is_loopback_http_url(std::string_view url);

// https:// to any host, or http:// to a loopback host; never userinfo.
// The rule for endpoints that receive credentials (Graph, Entra token
// endpoints). The error says what is expected, without quoting the URL.
Status check_https_or_loopback(std::string_view url);

}  // namespace rolewatch::state
