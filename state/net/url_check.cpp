// URL checks with libcurl's URL API: see url_check.hpp for why not prefixes.
#include "state/net/url_check.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>

#include "state/base/ascii.hpp"

namespace rolewatch::state {
namespace {

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

// One part of a parsed URL; nullopt when the URL has none.
std::optional<std::string> part(CURLU* url, CURLUPart which) {
  char* text = nullptr;
  if (curl_url_get(url, which, &text, 0) != CURLUE_OK || text == nullptr) return std::nullopt;
  std::string value(text);
  curl_free(text);
  return value;
}

bool is_loopback_ipv4(const std::string& host) {
  in_addr address{};
  // inet_pton takes dotted-quad only (no "127.1", no octal): libcurl has
  // already normalized those forms to dotted quads.
  if (inet_pton(AF_INET, host.c_str(), &address) != 1) return false;
  return (ntohl(address.s_addr) >> 24) == 127;
}

bool is_loopback_ipv6(std::string host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  in6_addr address{};
  if (inet_pton(AF_INET6, host.c_str(), &address) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&address)) return true;
  return IN6_IS_ADDR_V4MAPPED(&address) && address.s6_addr[12] == 127;
}

}  // namespace

bool is_loopback_host(std::string_view host) {
  if (host.empty()) return false;
  std::string text(host);
  if (ascii_lower(text) == "localhost") return true;
  return is_loopback_ipv4(text) || is_loopback_ipv6(text);
}

Expected<ParsedUrl> parse_http_url(std::string_view url) {
  UrlHandle handle(curl_url());
  if (!handle) return make_error("cannot allocate a libcurl URL handle");
  std::string text(url);
  if (text.find_first_of(std::string_view("\0\r\n\t ", 5)) != std::string::npos) {
    return make_error("the URL contains whitespace or control characters",
                      ErrorCode::invalid_argument);
  }
  if (curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return make_error("not a valid absolute URL", ErrorCode::invalid_argument);
  }
  ParsedUrl parsed;
  parsed.scheme = ascii_lower(part(handle.get(), CURLUPART_SCHEME).value_or(""));
  if (parsed.scheme != "http" && parsed.scheme != "https") {
    return make_error("expected an http:// or https:// URL", ErrorCode::invalid_argument);
  }
  parsed.host = part(handle.get(), CURLUPART_HOST).value_or("");
  if (parsed.host.empty()) return make_error("the URL has no host", ErrorCode::invalid_argument);
  // A zone id ("[fe80::1%25eth0]") is kept by libcurl in its own part.
  bool zone = part(handle.get(), CURLUPART_ZONEID).has_value();
  parsed.has_userinfo = part(handle.get(), CURLUPART_USER).has_value() ||
                        part(handle.get(), CURLUPART_PASSWORD).has_value() ||
                        part(handle.get(), CURLUPART_OPTIONS).has_value();
  parsed.loopback = !parsed.has_userinfo && !zone && is_loopback_host(parsed.host);
  return parsed;
}

bool is_loopback_http_url(std::string_view url) {
  auto parsed = parse_http_url(url);
  return parsed && parsed->scheme == "http" && parsed->loopback;
}

Status check_https_or_loopback(std::string_view url) {
  auto parsed = parse_http_url(url);
  if (!parsed) return parsed.error();
  if (parsed->has_userinfo) {
    return make_error("a URL with user:password@ is refused", ErrorCode::invalid_argument);
  }
  if (parsed->scheme == "https" || parsed->loopback) return ok();
  return make_error("expected an https:// URL (plain http only to 127.0.0.1, [::1] or localhost)",
                    ErrorCode::invalid_argument);
}

}  // namespace rolewatch::state
