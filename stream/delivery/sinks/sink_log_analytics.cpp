// The log-analytics sink: configuration, group-commit batching of rows, and
// one gzipped Logs Ingestion request per batch.
#include "stream/delivery/sinks/sink_log_analytics.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "state/net/gzip.hpp"
#include "state/net/url_check.hpp"
#include "stream/config/graph_config.hpp"
#include "stream/delivery/sinks/log_analytics_rows.hpp"
#include "stream/delivery/sinks/sink_settings.hpp"

namespace rolewatch::stream {
namespace {

constexpr std::string_view kMonitorAudience = "https://monitor.azure.com";

// "dcr-" and 32 hex digits, as the portal and `az monitor data-collection
// rule show --query immutableId` print it.
bool valid_dcr_id(std::string_view id) {
  if (id.size() != 36 || !id.starts_with("dcr-")) return false;
  return std::all_of(id.begin() + 4, id.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// A stream name goes into the URL path: letters, digits, '-' and '_' only.
bool valid_stream_name(std::string_view name) {
  return !name.empty() && name.size() <= 100 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// The endpoint receives a bearer token: https, or plain http to this
// machine for tests (state/net/url_check), refused outright otherwise.
std::string read_endpoint(const ConfigNode& node) {
  auto endpoint = node.string("endpoint");
  while (endpoint.ends_with('/')) endpoint.pop_back();
  if (auto status = state::check_https_or_loopback(endpoint); !status) {
    node.fail("endpoint", status.error().message);
  }
  if (endpoint.find_first_of("?#") != std::string::npos) {
    node.fail("endpoint", "must be the endpoint alone, without a query");
  }
  return endpoint;
}

std::string ingestion_url(const ConfigNode& node) {
  auto endpoint = read_endpoint(node);
  auto dcr = node.string("dcr_immutable_id");
  if (!valid_dcr_id(dcr)) {
    node.fail("dcr_immutable_id", "expected the DCR's immutable id: dcr- and 32 hex digits");
  }
  auto stream = node.optional_string("stream").value_or(std::string(kDefaultLogStream));
  if (!valid_stream_name(stream)) {
    node.fail("stream", "expected a stream name such as Custom-RolewatchAlerts");
  }
  return endpoint + "/dataCollectionRules/" + dcr + "/streams/" + stream +
         "?api-version=" + std::string(kLogsIngestionApiVersion);
}

// `auth:` takes the modes and keys of `graph:` (mode instead of token_mode).
state::TokenConfig read_auth(const ConfigNode& node, const HttpSinkSettings& settings) {
  if (!node.has("auth")) node.fail("auth", "required key is missing (set auth.mode and its keys)");
  auto auth = node.child("auth");
  auth.require_map();
  auth.allow_keys({"mode", "tenant_id", "client_id", "client_secret", "client_secret_file",
                   "federated_token_file", "managed_identity_endpoint", "authority"});
  auto token = read_token_config(auth, "mode");
  token.resource = node.optional_string("audience").value_or(std::string(kMonitorAudience));
  while (token.resource.ends_with('/')) token.resource.pop_back();
  token.timeout = settings.timeout;
  return token;
}

// What an HTTP status means here, on top of classify_response's rule.
DeliveryOutcome explain(DeliveryOutcome outcome) {
  if (outcome.http_status == 403) {
    outcome.detail +=
        " (the identity needs the Monitoring Metrics Publisher role on the data collection rule)";
  } else if (outcome.http_status == 404) {
    outcome.detail += " (check dcr_immutable_id, stream and the endpoint's region)";
  }
  return outcome;
}

}  // namespace

struct LogAnalyticsSink::Pending {
  std::string row;  // serialised JSON object
  std::optional<DeliveryOutcome> outcome;
};

std::unique_ptr<Sink> LogAnalyticsSink::make(const std::string& name, const ConfigNode& node) {
  node.allow_keys({"type", "name", "endpoint", "dcr_immutable_id", "stream", "audience", "auth",
                   "timeout", "concurrency", "min_interval", "tls_verify", "ca_file",
                   "allow_insecure", "activations", "updates"});
  HttpSinkSettings settings;
  settings.url = Secret(ingestion_url(node));
  read_transport_settings(node, settings, 16, std::chrono::milliseconds(0));
  auto token = read_auth(node, settings);
  return std::unique_ptr<Sink>(new LogAnalyticsSink(name, std::move(settings), std::move(token)));
}

LogAnalyticsSink::LogAnalyticsSink(std::string name, HttpSinkSettings settings,
                                   state::TokenConfig token)
    : name_(std::move(name)),
      poster_(std::move(settings)),
      token_http_(poster_.settings().client),
      tokens_(std::move(token), token_http_) {}

LogAnalyticsSink::~LogAnalyticsSink() = default;

LogIngestionStats LogAnalyticsSink::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

DeliveryOutcome LogAnalyticsSink::deliver(const DeliveryRequest& request) {
  Pending mine{serialise_row(log_analytics_row(request.alert, request.alert_id)), std::nullopt};
  if (mine.row.size() + 2 > kMaxCallBytes) {
    return DeliveryOutcome::reject("the alert's row is " + std::to_string(mine.row.size()) +
                                   " bytes, above the Logs Ingestion API's 1 MB per request");
  }
  std::unique_lock lock(mutex_);
  queue_.push_back(&mine);
  // Group commit: whoever finds no request in flight sends everything
  // queued (up to 1 MB) and hands each row its outcome; the others wait.
  while (!mine.outcome) {
    if (sending_) {
      sent_.wait(lock);
      continue;
    }
    sending_ = true;
    auto batch = take_batch();
    lock.unlock();
    auto outcome = send(batch, request.cancel);
    lock.lock();
    for (auto* pending : batch) pending->outcome = outcome;
    sending_ = false;
    sent_.notify_all();
  }
  return *mine.outcome;
}

// The oldest queued rows whose JSON array stays within kMaxCallBytes.
std::deque<LogAnalyticsSink::Pending*> LogAnalyticsSink::take_batch() {
  std::deque<Pending*> batch;
  std::size_t bytes = 2;  // [ ]
  while (!queue_.empty() && bytes + queue_.front()->row.size() + 1 <= kMaxCallBytes) {
    bytes += queue_.front()->row.size() + 1;
    batch.push_back(queue_.front());
    queue_.pop_front();
  }
  return batch;
}

DeliveryOutcome LogAnalyticsSink::send(const std::deque<Pending*>& batch,
                                       const std::atomic<bool>* cancel) {
  std::string body = "[";
  for (const auto* pending : batch) {
    if (body.size() > 1) body += ',';
    body += pending->row;
  }
  body += ']';
  auto raw_bytes = body.size();
  auto gzipped = state::gzip_compress(body);
  if (!gzipped) return DeliveryOutcome::again(gzipped.error().message);
  auto sent_bytes = gzipped->size();
  auto outcome = post(std::move(*gzipped), cancel);
  std::lock_guard lock(mutex_);
  stats_.calls += 1;
  stats_.rows += batch.size();
  stats_.raw_bytes += raw_bytes;
  stats_.sent_bytes += sent_bytes;
  stats_.max_rows_per_call = std::max<std::uint64_t>(stats_.max_rows_per_call, batch.size());
  stats_.max_sent_bytes_per_call =
      std::max<std::uint64_t>(stats_.max_sent_bytes_per_call, sent_bytes);
  return outcome;
}

DeliveryOutcome LogAnalyticsSink::post(std::string body, const std::atomic<bool>* cancel) {
  auto token = tokens_.token();
  if (!token) {
    return DeliveryOutcome::again("cannot get a token for " + tokens_.config().resource + ": " +
                                  token.error().message);
  }
  std::vector<state::HttpHeader> headers{{"Authorization", "Bearer " + *token},
                                         {"Content-Encoding", "gzip"}};
  auto outcome = poster_.post(poster_.url(), std::move(headers), std::move(body), cancel);
  if (outcome.http_status == 401) tokens_.invalidate();  // expired or revoked: fetch anew
  return explain(std::move(outcome));
}

}  // namespace rolewatch::stream
