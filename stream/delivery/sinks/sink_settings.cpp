#include "stream/delivery/sinks/sink_settings.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "state/base/time.hpp"
#include "stream/config/insecure_settings.hpp"

namespace rolewatch::stream {
namespace {

// A secret given as `key: value` or `key: [a, b]`.
void append_inline(const ConfigNode& node, std::string_view key, std::vector<Secret>& out) {
  if (!node.has(key)) return;
  auto child = node.child(key);
  if (child.yaml().IsSequence()) {
    for (auto& value : node.string_list(key)) out.emplace_back(std::move(value));
  } else {
    out.emplace_back(child.scalar());
  }
}

void append_files(const ConfigNode& node, std::string_view key, std::vector<Secret>& out) {
  auto file_key = std::string(key) + "_file";
  if (!node.has(file_key)) return;
  std::vector<std::string> paths;
  if (node.child(file_key).yaml().IsSequence()) {
    paths = node.string_list(file_key);
  } else {
    paths.push_back(node.string(file_key));
  }
  for (const auto& path : paths) {
    auto resolved = node.resolve_path(path);
    std::string reason;
    auto text = read_text_file(resolved, reason);
    if (!text) node.fail(file_key, "cannot read " + resolved.string() + ": " + reason);
    while (!text->empty() && std::isspace(static_cast<unsigned char>(text->back()))) {
      text->pop_back();
    }
    out.emplace_back(std::move(*text));
  }
}

state::HttpHeader secret_header(const ConfigNode& headers, const std::string& name) {
  auto entry = headers.child(name);
  if (entry.yaml().IsScalar()) return {name, entry.scalar()};
  entry.allow_keys({"value", "value_file", "prefix"});
  auto value = entry.secret("value");
  if (!value) entry.fail("set value or value_file");
  return {name, entry.optional_string("prefix").value_or("") + value->reveal()};
}

}  // namespace

std::vector<Secret> read_secrets(const ConfigNode& node, std::string_view key) {
  std::vector<Secret> secrets;
  append_inline(node, key, secrets);
  append_files(node, key, secrets);
  for (const auto& secret : secrets) {
    if (secret.empty()) node.fail(key, "is empty (is its environment variable set?)");
  }
  return secrets;
}

std::vector<state::HttpHeader> read_secret_headers(const ConfigNode& node, std::string_view key) {
  std::vector<state::HttpHeader> headers;
  if (!node.has(key)) return headers;
  auto map = node.child(key);
  map.require_map();
  for (const auto& entry : map.yaml()) {
    auto name = entry.first.as<std::string>();
    auto header = secret_header(map, name);
    if (header.value.empty()) map.fail(name, "is empty (is its environment variable set?)");
    if (header.value.find_first_of("\r\n") != std::string::npos) {
      map.fail(name, "must be a single line");
    }
    headers.push_back(std::move(header));
  }
  return headers;
}

std::vector<std::string> HttpSinkSettings::secret_values() const {
  std::vector<std::string> values;
  // A URL is secret only through its query (Teams' sig=) or credentials.
  const auto& full = url.reveal();
  if (state::redact_url(full) != full) {
    values.push_back(full);
    if (auto query = full.find('?'); query != std::string::npos)
      values.push_back(full.substr(query + 1));
  }
  for (const auto& header : headers) {
    values.push_back(header.value);
    // "Bearer <token>": a receiver may echo the token alone.
    auto space = header.value.rfind(' ');
    if (space != std::string::npos && header.value.size() - space > 8) {
      values.push_back(header.value.substr(space + 1));
    }
  }
  return values;
}

HttpSinkSettings read_http_settings(const ConfigNode& node, std::size_t default_concurrency,
                                    std::chrono::milliseconds default_min_interval) {
  HttpSinkSettings settings;
  auto url = node.secret("url");
  if (!url || url->empty()) node.fail("url", "required key is missing (set url or url_file)");
  if (!url->reveal().starts_with("http://") && !url->reveal().starts_with("https://")) {
    node.fail("url", "must start with http:// or https://");
  }
  // Plain http only to this machine unless allow_insecure (insecure_settings).
  check_sink_url(node, "url", url->reveal());
  settings.url = std::move(*url);
  settings.headers = read_secret_headers(node, "headers");
  read_transport_settings(node, settings, default_concurrency, default_min_interval);
  return settings;
}

void read_transport_settings(const ConfigNode& node, HttpSinkSettings& settings,
                             std::size_t default_concurrency,
                             std::chrono::milliseconds default_min_interval) {
  settings.timeout = read_timeout(node, "timeout", settings.timeout);
  settings.concurrency = static_cast<std::size_t>(
      node.integer("concurrency", static_cast<std::int64_t>(default_concurrency), 1, 64));
  settings.min_interval = read_duration(node, "min_interval", default_min_interval);
  settings.client.verify_tls = node.optional_bool("tls_verify").value_or(true);
  if (!settings.client.verify_tls) {
    accept_insecure(node, "tls_verify", "false (the receiver's TLS certificate is not verified)");
  }
  if (auto ca = node.optional_string("ca_file")) settings.client.ca_file = node.resolve_path(*ca);
  settings.client.user_agent = std::string("rolewatch/") + ROLEWATCH_VERSION;
}

}  // namespace rolewatch::stream
