#include "state/net/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "state/base/ascii.hpp"

namespace rolewatch::state {
namespace {

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Collected {
  HttpResponse response;
  std::size_t max_body = 0;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* collected = static_cast<Collected*>(user);
  auto bytes = size * count;
  auto& body = collected->response.body;
  if (body.size() < collected->max_body) {
    body.append(data, std::min(bytes, collected->max_body - body.size()));
  }
  return bytes;  // keep reading past the cap so the connection stays reusable
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* collected = static_cast<Collected*>(user);
  auto bytes = size * count;
  std::string_view line(data, bytes);
  // A status line starts a new response (after 100-continue): forget the old headers.
  if (line.starts_with("HTTP/")) {
    collected->response.headers.clear();
    return bytes;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  collected->response.headers.push_back({std::string(trim_ascii_space(line.substr(0, colon))),
                                         std::string(trim_ascii_space(line.substr(colon + 1)))});
  return bytes;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(user);
  return cancel != nullptr && cancel->load() ? 1 : 0;  // non-zero aborts the transfer
}

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void add(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

}  // namespace

struct HttpClient::Handle {
  CURL* curl = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  Handle() : curl(curl_easy_init()) {}
  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (equals_ignoring_case(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) {
  global_init_once();
}

HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient::Handle> HttpClient::borrow() const {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto handle = std::move(idle_.back());
      idle_.pop_back();
      return handle;
    }
  }
  return std::make_unique<Handle>();
}

void HttpClient::give_back(std::unique_ptr<Handle> handle) const {
  std::lock_guard lock(mutex_);
  if (idle_.size() < 8) idle_.push_back(std::move(handle));
}

Expected<HttpResponse> HttpClient::send(const HttpRequest& request) const {
  auto handle = borrow();
  if (handle->curl == nullptr) return make_error("cannot create a libcurl handle");
  CURL* curl = handle->curl;
  curl_easy_reset(curl);  // keeps the connection cache, forgets the last request's options

  Collected collected;
  collected.max_body = options_.max_body_bytes;
  HeaderList headers;
  for (const auto& h : request.headers) headers.add(h.name + ": " + h.value);
  // libcurl adds "Expect: 100-continue" to large POSTs; receivers rarely need it.
  headers.add("Expect:");

  handle->error[0] = '\0';
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, handle->error);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // thread safety: no SIGALRM for DNS timeouts
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &collected);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &collected);
  if (request.cancel != nullptr) {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(request.cancel));
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }

  auto code = curl_easy_perform(curl);
  if (code != CURLE_OK) {
    // The error buffer names hosts and ports, never the query string; the
    // URL itself is redacted before it is quoted.
    std::string detail = handle->error[0] != '\0' ? handle->error : curl_easy_strerror(code);
    give_back(std::move(handle));
    return make_error(request.method + " " + redact_url(request.url) + ": " + detail);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &collected.response.status);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  give_back(std::move(handle));
  return std::move(collected.response);
}

std::string redact_url(std::string_view url) {
  auto cut = url.find_first_of("?#");
  if (cut != std::string_view::npos) url = url.substr(0, cut);
  std::string result;
  auto scheme = url.find("://");
  auto authority_start = scheme == std::string_view::npos ? 0 : scheme + 3;
  auto path_start = url.find('/', authority_start);
  auto authority = url.substr(authority_start, path_start == std::string_view::npos
                                                   ? std::string_view::npos
                                                   : path_start - authority_start);
  auto at = authority.rfind('@');
  result.append(url.substr(0, authority_start));
  result.append(at == std::string_view::npos ? authority : authority.substr(at + 1));
  if (path_start != std::string_view::npos) result.append(url.substr(path_start));
  if (cut != std::string_view::npos) result.append("?<redacted>");
  return result;
}

}  // namespace rolewatch::state
