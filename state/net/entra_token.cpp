#include "state/net/entra_token.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace rolewatch::state {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr seconds kExpiryMargin{300};
constexpr const char* kJwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

std::optional<std::int64_t> as_integer(const json& value) {
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (!value.is_string()) return std::nullopt;
  const auto& text = value.get_ref<const std::string&>();
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return out;
}

// A token's lifetime as the endpoint claims it, held to [0, 24 h]: a huge
// value would overflow the clock's arithmetic, and a day is more than any
// Entra token lives.
std::chrono::seconds lifetime(std::int64_t claimed) {
  return std::chrono::seconds(std::clamp<std::int64_t>(claimed, 0, 24 * 3600));
}

// "error: description" of an OAuth error answer, without anything echoed back
// from the request; the first line of the description carries the AADSTS code.
std::string oauth_error(const HttpResponse& response) {
  auto doc = json::parse(response.body, nullptr, false);
  std::string message = "token endpoint answered HTTP " + std::to_string(response.status);
  if (!doc.is_object()) return message;
  if (auto error = doc.value("error", json()); error.is_string()) {
    message += ": " + error.get<std::string>();
  }
  if (auto description = doc.value("error_description", json()); description.is_string()) {
    auto text = description.get<std::string>();
    message += " (" + text.substr(0, std::min(text.find_first_of("\r\n"), std::size_t{200})) + ")";
  }
  return message;
}

Expected<std::string> read_token_file(const std::string& path) {
  if (path.empty()) return make_error("workload identity: no federated token file configured");
  std::ifstream in(path);
  if (!in) return make_error("workload identity: cannot read the federated token file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  auto token = text.str();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  if (token.empty()) return make_error("workload identity: the federated token file is empty");
  return token;
}

}  // namespace

std::string_view to_string(TokenMode mode) {
  switch (mode) {
    case TokenMode::client_secret:
      return "client-secret";
    case TokenMode::workload_identity:
      return "workload-identity";
    case TokenMode::managed_identity:
      return "managed-identity";
  }
  return "client-secret";
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

TokenProvider::TokenProvider(TokenConfig config, const HttpClient& http, Clock clock)
    : config_(std::move(config)), http_(http), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

void TokenProvider::invalidate() {
  std::lock_guard lock(mutex_);
  token_.clear();
}

Expected<std::string> TokenProvider::token() {
  std::lock_guard lock(mutex_);
  auto now = clock_();
  if (!token_.empty() && now + kExpiryMargin < expires_at_) return token_;
  auto response = request_token();
  if (!response) return response.error();
  if (response->status < 200 || response->status >= 300) return make_error(oauth_error(*response));
  auto doc = json::parse(response->body, nullptr, false);
  auto access = doc.is_object() ? doc.value("access_token", json()) : json();
  if (!access.is_string() || access.get_ref<const std::string&>().empty()) {
    return make_error("token endpoint answer has no access_token");
  }
  if (auto in = as_integer(doc.value("expires_in", json()))) {
    expires_at_ = now + lifetime(*in);
  } else if (auto on = as_integer(doc.value("expires_on", json()))) {
    auto now_s = std::chrono::duration_cast<seconds>(now.time_since_epoch()).count();
    expires_at_ = now + lifetime(*on > now_s ? *on - now_s : 0);
  } else {
    expires_at_ = now + seconds(3600);  // Entra's usual lifetime
  }
  token_ = access.get<std::string>();
  ++fetches_;
  return token_;
}

Expected<HttpResponse> TokenProvider::request_token() const {
  if (config_.mode == TokenMode::managed_identity) return http_.send(managed_identity_request());
  std::string form = "client_id=" + url_encode(config_.client_id) +
                     "&scope=" + url_encode(config_.resource + "/.default") +
                     "&grant_type=client_credentials";
  if (config_.mode == TokenMode::client_secret) {
    form += "&client_secret=" + url_encode(config_.client_secret);
  } else {
    // Re-read on every fetch: kubelet rotates the projected token.
    auto assertion = read_token_file(config_.federated_token_file);
    if (!assertion) return assertion.error();
    form += "&client_assertion_type=" + url_encode(kJwtBearer) +
            "&client_assertion=" + url_encode(*assertion);
  }
  return http_.send(authority_request(std::move(form)));
}

HttpRequest TokenProvider::authority_request(std::string form) const {
  HttpRequest request;
  request.method = "POST";
  request.url = config_.authority + "/" + url_encode(config_.tenant_id) + "/oauth2/v2.0/token";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  request.body = std::move(form);
  request.timeout = config_.timeout;
  return request;
}

HttpRequest TokenProvider::managed_identity_request() const {
  bool app_service = !config_.identity_header.empty();
  HttpRequest request;
  request.url = config_.managed_identity_endpoint +
                (config_.managed_identity_endpoint.find('?') == std::string::npos ? "?" : "&") +
                "api-version=" + (app_service ? "2019-08-01" : "2018-02-01") +
                "&resource=" + url_encode(config_.resource);
  if (!config_.client_id.empty()) request.url += "&client_id=" + url_encode(config_.client_id);
  if (app_service) {
    request.headers = {{"X-IDENTITY-HEADER", config_.identity_header}};
  } else {
    request.headers = {{"Metadata", "true"}};
  }
  request.timeout = config_.timeout;
  return request;
}

}  // namespace rolewatch::state
