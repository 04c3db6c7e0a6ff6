#include "stream/delivery/sinks/http_delivery.hpp"

#include <algorithm>
#include <cctype>

#include "state/net/retry_after.hpp"

namespace rolewatch::stream {
namespace {

bool retryable_client_error(long status) {
  switch (status) {
    case 401:  // credentials being rotated or fixed
    case 403:
    case 404:  // a flow switched off, a receiver being redeployed
    case 408:
    case 409:
    case 423:
    case 425:
    case 429:
      return true;
    default:
      return false;
  }
}

// A short, printable excerpt of an error body, for logs.
std::string excerpt(std::string_view body) {
  std::string text;
  for (char c : body.substr(0, 200)) {
    text.push_back(std::isprint(static_cast<unsigned char>(c)) ? c : ' ');
  }
  return text;
}

void replace_all(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
}

}  // namespace

DeliveryOutcome classify_response(const state::HttpResponse& response, SystemTime now) {
  auto status = response.status;
  if (status >= 200 && status < 300) return DeliveryOutcome::ok(status);
  std::string detail = "HTTP " + std::to_string(status);
  if (!response.body.empty()) detail += ": " + excerpt(response.body);
  if (status >= 500 || retryable_client_error(status)) {
    // Clamped to [1 s, 1 h]; an unreadable value leaves the sender's backoff.
    auto after = state::retry_after_delay(response.header("Retry-After"), now);
    return DeliveryOutcome::again(std::move(detail), status, after);
  }
  if (status >= 300 && status < 400) detail += " (redirects are not followed; fix the URL)";
  return DeliveryOutcome::reject(std::move(detail), status);
}

std::string scrub(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    // Very short values would blank out ordinary words; config refuses empty ones.
    if (secret.size() >= 4) replace_all(text, secret, "<redacted>");
  }
  for (auto at = text.find("sig="); at != std::string::npos; at = text.find("sig=", at + 4)) {
    auto end = text.find_first_of("&\" \t\n", at + 4);
    text.replace(at + 4, (end == std::string::npos ? text.size() : end) - (at + 4), "<redacted>");
  }
  return text;
}

JsonPoster::JsonPoster(HttpSinkSettings settings)
    : settings_(std::move(settings)),
      secrets_(settings_.secret_values()),
      client_(settings_.client) {}

DeliveryOutcome JsonPoster::post(const std::string& url, std::vector<state::HttpHeader> headers,
                                 std::string body, const std::atomic<bool>* cancel) const {
  state::HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.headers = std::move(headers);
  request.headers.push_back({"Content-Type", "application/json"});
  request.headers.insert(request.headers.end(), settings_.headers.begin(), settings_.headers.end());
  request.body = std::move(body);
  request.timeout = settings_.timeout;
  request.cancel = cancel;
  auto response = client_.send(request);
  if (!response) return DeliveryOutcome::again(scrub(response.error().message, secrets_));
  auto outcome = classify_response(*response, std::chrono::system_clock::now());
  outcome.detail = scrub(std::move(outcome.detail), secrets_);
  return outcome;
}

}  // namespace rolewatch::stream
