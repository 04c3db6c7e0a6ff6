#pragma once
// What counts as a secret in the configuration, and how it is hidden. Used
// by the redacted dump, and by sinks that log their own settings.
#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

namespace rolewatch::stream {

// librdkafka properties whose values are secrets (sasl.password,
// ssl.key.password, sasl.oauthbearer.client.secret, ssl.key.pem, ...).
bool is_sensitive_property(std::string_view name);

// Sink keys whose values are secrets (secret, password, token, api_key,
// authorization, ...).
bool is_secret_key(std::string_view key);

// "https://user:pw@host/path?sig=abc" -> "https://<redacted>@host/path?<redacted>":
// Teams Workflows URLs carry their signature in the query.
std::string redact_url(std::string_view url);

// A copy of a sink's node with secret values, URL credentials and all
// header values replaced.
YAML::Node redact_sink_node(const YAML::Node& node);

}  // namespace rolewatch::stream
