#pragma once
// The project's one HTTP client: a small, thread-safe libcurl wrapper used by
// the alert sinks and the Graph client. No redirects are followed (a 3xx is
// the caller's to judge), bodies are bounded, and error messages never carry
// the URL's query string, which often holds a secret (SAS `sig=`).
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "state/base/ascii.hpp"
#include "state/base/expected.hpp"

namespace rolewatch::state {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<HttpHeader> headers;
  std::string body;
  std::chrono::milliseconds timeout{15'000};
  std::chrono::milliseconds connect_timeout{5'000};
  // When set and it becomes true, the transfer is aborted (shutdown).
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpResponse {
  long status = 0;
  std::vector<HttpHeader> headers;  // in arrival order, final response only
  std::string body;                 // truncated at HttpClientOptions::max_body_bytes

  // Case-insensitive lookup of the first header with this name.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct HttpClientOptions {
  bool verify_tls = true;
  std::string ca_file;  // empty: the system store
  std::size_t max_body_bytes = 1u << 20;
  std::string user_agent = "rolewatch";
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Performs one request. Transport failures (connect, TLS, timeout) are
  // errors; any HTTP status, including 4xx/5xx, is a response. Safe to call
  // from several threads: each call borrows its own easy handle, and idle
  // handles are kept so that connections are reused.
  Expected<HttpResponse> send(const HttpRequest& request) const;

 private:
  struct Handle;
  std::unique_ptr<Handle> borrow() const;
  void give_back(std::unique_ptr<Handle> handle) const;

  HttpClientOptions options_;
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<Handle>> idle_;
};

// "https://host:443/path" from "https://user:pw@host:443/path?sig=...#frag":
// what may appear in logs and errors.
std::string redact_url(std::string_view url);

}  // namespace rolewatch::state
