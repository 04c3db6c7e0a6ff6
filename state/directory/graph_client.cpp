#include "state/directory/graph_client.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <thread>

namespace rolewatch::state {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr std::size_t kBatchLimit = 20;       // Graph's maximum per $batch
constexpr std::size_t kMaxPages = 1'000'000;  // a nextLink loop must end somewhere
constexpr milliseconds kMaxRetryAfter{300'000};

bool retryable(long status) {
  return status == 429 || (status >= 500 && status <= 599);
}

// "HTTP 403 Authorization_RequestDenied: Insufficient privileges ..." from
// Graph's error envelope; Graph does not echo tokens in it.
std::string graph_error(const HttpResponse& response) {
  std::string message = "HTTP " + std::to_string(response.status);
  auto doc = json::parse(response.body, nullptr, false);
  if (!doc.is_object() || !doc.contains("error") || !doc["error"].is_object()) return message;
  const auto& error = doc["error"];
  if (error.value("code", json()).is_string()) message += " " + error["code"].get<std::string>();
  if (error.value("message", json()).is_string()) {
    message += ": " + error["message"].get<std::string>().substr(0, 300);
  }
  return message;
}

GraphConfig with_resource(GraphConfig config) {
  while (config.base_url.ends_with('/')) config.base_url.pop_back();
  config.token.resource = config.base_url;
  return config;
}

milliseconds retry_after(std::optional<std::string_view> header) {
  if (!header) return milliseconds(-1);
  auto delay = parse_retry_after(*header, std::chrono::system_clock::now());
  if (!delay) return milliseconds(-1);
  return std::min<milliseconds>(*delay, kMaxRetryAfter);
}

}  // namespace

GraphClient::GraphClient(GraphConfig config, const HttpClient& http, Sleeper sleeper)
    : config_(with_resource(std::move(config))),
      http_(http),
      backoff_(BackoffPolicy{config_.initial_backoff, config_.max_backoff}),
      tokens_(config_.token, http_),
      sleeper_(std::move(sleeper)) {}

bool GraphClient::wait(milliseconds delay) {
  if (sleeper_) return sleeper_(delay);
  std::this_thread::sleep_for(delay);
  return true;
}

// Retry-After when the answer has one (429, 503), else exponential backoff
// with jitter so that several instances do not retry in lockstep.
milliseconds GraphClient::backoff(int attempt, const HttpResponse& response) {
  auto delay = retry_after(response.header("Retry-After"));
  return backoff_.delay(attempt, delay.count() >= 0 ? std::optional(delay) : std::nullopt);
}

Expected<HttpResponse> GraphClient::send_once(HttpRequest& request, bool& token_refreshed) {
  auto token = tokens_.token();
  if (!token) return token.error();
  std::erase_if(request.headers,
                [](const auto& h) { return equals_ignoring_case(h.name, "Authorization"); });
  request.headers.push_back({"Authorization", "Bearer " + *token});
  ++counters_.requests;
  auto response = http_.send(request);
  if (response && response->status == 401 && !token_refreshed) {
    // An expired or revoked token: fetch a new one once, then trust the answer.
    token_refreshed = true;
    tokens_.invalidate();
    return send_once(request, token_refreshed);
  }
  counters_.token_fetches = tokens_.fetches();
  return response;
}

Expected<HttpResponse> GraphClient::send(HttpRequest request) {
  request.timeout = config_.request_timeout;
  bool token_refreshed = false;
  for (int attempt = 1;; ++attempt) {
    auto response = send_once(request, token_refreshed);
    bool transport_error = !response;
    if (!transport_error && !retryable(response->status)) return response;
    if (!transport_error) {
      ++(response->status == 429 ? counters_.throttled : counters_.server_errors);
    }
    std::string why = transport_error ? response.error().message : graph_error(*response);
    if (attempt >= config_.max_attempts) {
      return make_error(request.method + " " + redact_url(request.url) + ": " + why + " (after " +
                        std::to_string(attempt) + " attempts)");
    }
    auto delay = transport_error ? backoff(attempt, HttpResponse{}) : backoff(attempt, *response);
    spdlog::debug("graph: {} {}: {}; retrying in {} ms", request.method, redact_url(request.url),
                  why, delay.count());
    if (!wait(delay)) return make_error("graph request cancelled (stopping)");
  }
}

Expected<json> GraphClient::get(const std::string& path_or_url) {
  const auto root = config_.api_root();
  bool absolute = path_or_url.starts_with("http://") || path_or_url.starts_with("https://");
  // A nextLink must stay below our Graph root: the bearer token goes with it.
  if (absolute && !path_or_url.starts_with(root + "/")) {
    return make_error("refusing to follow a link outside " + root + ": " + redact_url(path_or_url));
  }
  HttpRequest request;
  request.url = absolute ? path_or_url : root + path_or_url;
  request.headers = {{"Accept", "application/json"}};
  auto response = send(std::move(request));
  if (!response) return response.error();
  if (response->status < 200 || response->status >= 300) {
    return make_error("GET " + redact_url(absolute ? path_or_url : root + path_or_url) + ": " +
                      graph_error(*response));
  }
  auto doc = json::parse(response->body, nullptr, false);
  if (doc.is_discarded()) return make_error("GET " + redact_url(root + "...") + ": invalid JSON");
  return doc;
}

Expected<std::vector<json>> GraphClient::get_all(const std::string& path) {
  std::vector<json> items;
  std::string next = path;
  for (std::size_t page = 0; !next.empty(); ++page) {
    if (page == kMaxPages) return make_error("too many pages for " + path);
    auto doc = get(next);
    if (!doc) return doc.error();
    if (!doc->is_object() || !(*doc)["value"].is_array()) {
      return make_error("GET " + path + ": answer has no value array");
    }
    for (auto& item : (*doc)["value"]) items.push_back(std::move(item));
    auto link = doc->value("@odata.nextLink", json());
    next = link.is_string() ? link.get<std::string>() : std::string();
  }
  return items;
}

Expected<std::vector<json>> GraphClient::batch_get(const std::vector<std::string>& urls) {
  std::vector<json> bodies;
  bodies.reserve(urls.size());
  for (std::size_t begin = 0; begin < urls.size(); begin += kBatchLimit) {
    auto end = std::min(urls.size(), begin + kBatchLimit);
    auto chunk = batch_chunk({urls.begin() + begin, urls.begin() + end});
    if (!chunk) return chunk.error();
    for (auto& body : *chunk) bodies.push_back(std::move(body));
  }
  return bodies;
}

// One $batch of up to 20 GETs; inner 429/5xx answers are sent again (in a
// smaller batch) after the longest Retry-After among them.
Expected<std::vector<json>> GraphClient::batch_chunk(const std::vector<std::string>& urls) {
  std::vector<json> bodies(urls.size());
  std::vector<std::size_t> pending(urls.size());
  for (std::size_t i = 0; i < urls.size(); ++i) pending[i] = i;
  for (int attempt = 1; !pending.empty(); ++attempt) {
    json requests = json::array();
    for (auto i : pending) {
      requests.push_back({{"id", std::to_string(i)}, {"method", "GET"}, {"url", urls[i]}});
    }
    HttpRequest request;
    request.method = "POST";
    request.url = config_.api_root() + "/$batch";
    request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    request.body = json{{"requests", requests}}.dump();
    auto response = send(std::move(request));
    if (!response) return response.error();
    if (response->status < 200 || response->status >= 300) {
      return make_error("POST $batch: " + graph_error(*response));
    }
    auto doc = json::parse(response->body, nullptr, false);
    if (!doc.is_object() || !doc["responses"].is_array()) {
      return make_error("POST $batch: answer has no responses array");
    }
    if (doc["responses"].size() != pending.size()) {
      return make_error("POST $batch: " + std::to_string(doc["responses"].size()) +
                        " responses for " + std::to_string(pending.size()) + " requests");
    }
    std::vector<std::size_t> again;
    HttpResponse slowest;
    for (const auto& inner : doc["responses"]) {
      auto id = inner.value("id", std::string());
      std::size_t index = 0;
      try {
        index = std::stoul(id);
      } catch (...) {
        return make_error("POST $batch: unexpected response id");
      }
      if (index >= urls.size()) return make_error("POST $batch: unexpected response id");
      long status = inner.value("status", 0L);
      if (status >= 200 && status < 300) {
        bodies[index] = inner.value("body", json::object());
      } else if (status == 404) {
        bodies[index] = nullptr;
      } else if (retryable(status)) {
        ++(status == 429 ? counters_.throttled : counters_.server_errors);
        again.push_back(index);
        auto headers = inner.value("headers", json::object());
        for (auto& [name, value] : headers.items()) {
          if (equals_ignoring_case(name, "Retry-After") && value.is_string()) {
            slowest.headers.push_back({"Retry-After", value.get<std::string>()});
          }
        }
      } else {
        HttpResponse failed{status, {}, inner.value("body", json::object()).dump()};
        return make_error("GET " + redact_url(urls[index]) +
                          " (in $batch): " + graph_error(failed));
      }
    }
    pending = std::move(again);
    if (pending.empty()) break;
    if (attempt >= config_.max_attempts) {
      return make_error("POST $batch: " + std::to_string(pending.size()) +
                        " requests still throttled after " + std::to_string(attempt) + " attempts");
    }
    // The longest Retry-After of the throttled requests, else backoff.
    milliseconds delay = slowest.headers.empty() ? backoff(attempt, slowest) : milliseconds(0);
    for (const auto& header : slowest.headers) {
      delay = std::max(delay, retry_after(header.value));
    }
    if (!wait(delay)) return make_error("graph request cancelled (stopping)");
  }
  return bodies;
}

}  // namespace rolewatch::state
