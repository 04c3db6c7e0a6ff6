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

// Clamped to [1 s, 1 h] (state/net/retry_after); nullopt: no usable header.
std::optional<milliseconds> retry_after(std::optional<std::string_view> header) {
  return retry_after_delay(header, std::chrono::system_clock::now());
}

// A request id we sent: the decimal index of a pending request, once.
std::optional<std::size_t> request_index(const json& id, const std::vector<std::size_t>& pending,
                                         std::vector<bool>& answered) {
  if (!id.is_string()) return std::nullopt;
  const auto& text = id.get_ref<const std::string&>();
  if (text.empty() || text.size() > 6 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  auto index = static_cast<std::size_t>(std::stoul(text));
  auto it = std::find(pending.begin(), pending.end(), index);
  if (it == pending.end() || answered[it - pending.begin()]) return std::nullopt;
  answered[it - pending.begin()] = true;
  return index;
}

// The Retry-After of one inner answer; its headers are an object of strings.
std::optional<std::string> inner_retry_after(const json& inner) {
  auto headers = inner.find("headers");
  if (headers == inner.end() || !headers->is_object()) return std::nullopt;
  for (const auto& [name, value] : headers->items()) {
    if (equals_ignoring_case(name, "Retry-After") && value.is_string()) {
      return value.get<std::string>();
    }
  }
  return std::nullopt;
}

Expected<BatchAnswer> parse_inner(const json& inner, const std::vector<std::size_t>& pending,
                                  std::vector<bool>& answered) {
  if (!inner.is_object()) return make_error("POST $batch: a response is not an object");
  auto id = inner.find("id");
  auto index = id == inner.end() ? std::nullopt : request_index(*id, pending, answered);
  if (!index) return make_error("POST $batch: unexpected response id");
  auto status = inner.find("status");
  if (status == inner.end() || !status->is_number_integer()) {
    return make_error("POST $batch: a response has no integer status");
  }
  BatchAnswer answer{*index, status->get<long>(), json::object(), inner_retry_after(inner)};
  if (auto body = inner.find("body"); body != inner.end()) answer.body = *body;
  return answer;
}

}  // namespace

// Graph's $batch answer, checked: an object with a "responses" array that
// answers each pending request exactly once, each an object with a string
// id we sent and an integer status. Anything else is an error, never an
// exception: the answer is untrusted input.
Expected<std::vector<BatchAnswer>> parse_batch_answer(const std::string& body,
                                                      const std::vector<std::size_t>& pending) {
  auto doc = json::parse(body, nullptr, false);
  if (!doc.is_object()) return make_error("POST $batch: answer is not a JSON object");
  auto responses = doc.find("responses");
  if (responses == doc.end() || !responses->is_array()) {
    return make_error("POST $batch: answer has no responses array");
  }
  if (responses->size() != pending.size()) {
    return make_error("POST $batch: " + std::to_string(responses->size()) + " responses for " +
                      std::to_string(pending.size()) + " requests");
  }
  std::vector<BatchAnswer> answers;
  std::vector<bool> answered(pending.size(), false);
  for (const auto& inner : *responses) {
    auto answer = parse_inner(inner, pending, answered);
    if (!answer) return answer.error();
    answers.push_back(std::move(*answer));
  }
  return answers;
}

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
  return backoff_.delay(attempt, retry_after(response.header("Retry-After")));
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
    auto answers = parse_batch_answer(response->body, pending);
    if (!answers) return answers.error();
    std::vector<std::size_t> again;
    std::optional<milliseconds> slowest;
    for (auto& answer : *answers) {
      if (answer.status >= 200 && answer.status < 300) {
        bodies[answer.index] = std::move(answer.body);
      } else if (answer.status == 404) {
        bodies[answer.index] = nullptr;
      } else if (retryable(answer.status)) {
        ++(answer.status == 429 ? counters_.throttled : counters_.server_errors);
        again.push_back(answer.index);
        if (auto delay = retry_after(answer.retry_after)) {
          slowest = std::max(slowest.value_or(milliseconds(0)), *delay);
        }
      } else {
        HttpResponse failed{answer.status, {}, answer.body.dump()};
        return make_error("GET " + redact_url(urls[answer.index]) +
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
    if (!wait(backoff_.delay(attempt, slowest))) {
      return make_error("graph request cancelled (stopping)");
    }
  }
  return bodies;
}

}  // namespace rolewatch::state
