#include "stream/config/config_redaction.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "state/base/ascii.hpp"
#include "stream/config/secret.hpp"

namespace rolewatch::stream {
namespace {

bool contains_any(std::string_view text, std::initializer_list<std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [&](auto needle) { return text.find(needle) != std::string_view::npos; });
}

YAML::Node redacted_scalar() {
  return YAML::Node(std::string(kRedacted));
}

YAML::Node redact_headers(const YAML::Node& headers) {
  if (!headers.IsMap()) return redacted_scalar();
  YAML::Node out(YAML::NodeType::Map);
  for (const auto& entry : headers) out[entry.first.as<std::string>()] = std::string(kRedacted);
  return out;
}

}  // namespace

bool is_sensitive_property(std::string_view name) {
  auto key = state::ascii_lower(name);
  return contains_any(key, {"password", "secret", ".pem", "sasl.oauthbearer.config", "sasl.jaas",
                            "ssl.key", "ssl_key", "token"});
}

bool is_secret_key(std::string_view key) {
  auto name = state::ascii_lower(key);
  return contains_any(name, {"secret", "password", "token", "api_key", "apikey", "authorization",
                             "credential", "signing_key", "private_key"});
}

std::string redact_url(std::string_view url) {
  std::string out(url);
  auto scheme = out.find("://");
  auto authority_start = scheme == std::string::npos ? 0 : scheme + 3;
  auto path_start = out.find_first_of("/?#", authority_start);
  auto at = out.find('@', authority_start);
  if (at != std::string::npos && (path_start == std::string::npos || at < path_start)) {
    out.replace(authority_start, at - authority_start, kRedacted);
  }
  auto query = out.find('?');
  if (query != std::string::npos) out = out.substr(0, query + 1) + kRedacted;
  return out;
}

YAML::Node redact_sink_node(const YAML::Node& node) {
  if (node.IsSequence()) {
    YAML::Node out(YAML::NodeType::Sequence);
    for (const auto& element : node) out.push_back(redact_sink_node(element));
    return out;
  }
  if (!node.IsMap()) return YAML::Clone(node);
  YAML::Node out(YAML::NodeType::Map);
  for (const auto& entry : node) {
    auto key = entry.first.as<std::string>();
    const auto& value = entry.second;
    if (is_secret_key(key)) {
      out[key] = redacted_scalar();
    } else if (state::ascii_lower(key) == "headers") {
      out[key] = redact_headers(value);
    } else if (value.IsScalar() && state::ascii_lower(key).find("url") != std::string::npos) {
      out[key] = redact_url(value.Scalar());
    } else {
      out[key] = redact_sink_node(value);
    }
  }
  return out;
}

}  // namespace rolewatch::stream
