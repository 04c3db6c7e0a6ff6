// Insecure settings: refused unless allowed, warned about when allowed. See
// insecure_settings.hpp.
#include "stream/config/insecure_settings.hpp"

#include <spdlog/spdlog.h>

#include "state/base/ascii.hpp"
#include "state/net/url_check.hpp"

namespace rolewatch::stream {
namespace {

std::string section_name(const ConfigNode& section) {
  return section.path().empty() ? std::string("the top level") : section.path();
}

// "host:port", "[v6]:port" or "host" -> host.
std::string_view broker_host(std::string_view broker) {
  while (!broker.empty() && broker.front() == ' ') broker.remove_prefix(1);
  while (!broker.empty() && broker.back() == ' ') broker.remove_suffix(1);
  if (auto scheme = broker.find("://"); scheme != std::string_view::npos) {
    broker.remove_prefix(scheme + 3);  // librdkafka accepts "PLAINTEXT://host:port"
  }
  if (broker.starts_with('[')) {
    auto close = broker.find(']');
    return close == std::string_view::npos ? broker : broker.substr(0, close + 1);
  }
  auto colon = broker.rfind(':');
  return colon == std::string_view::npos ? broker : broker.substr(0, colon);
}

std::string property_key(std::string_view name) {
  return "properties." + std::string(name);
}

}  // namespace

void accept_insecure(const ConfigNode& section, std::string_view key, std::string_view what) {
  auto where = section_name(section);
  if (!section.optional_bool(kAllowInsecureKey).value_or(false)) {
    section.fail(key, std::string(what) +
                          ": refused as insecure; add `allow_insecure: true` next " + "to it (in " +
                          where + ") to accept it");
  }
  spdlog::warn("insecure setting accepted (allow_insecure: true in {}): {}: {}", where,
               section.key_path(key), what);
}

std::chrono::milliseconds read_timeout(const ConfigNode& section, std::string_view key,
                                       std::chrono::milliseconds fallback) {
  auto timeout = read_duration(section, key, fallback);
  if (timeout.count() == 0) {
    accept_insecure(section, key, "0 means no timeout at all (a stuck peer blocks for ever)");
    return timeout;
  }
  if (timeout < kMinTimeout || timeout > kMaxTimeout) {
    section.fail(key, "must be between 1s and 10m");
  }
  return timeout;
}

void check_sink_url(const ConfigNode& section, std::string_view key, const std::string& url) {
  auto parsed = state::parse_http_url(url);
  if (!parsed) section.fail(key, parsed.error().message);
  if (parsed->scheme == "http" && !parsed->loopback) {
    accept_insecure(section, key,
                    "plain http to a host other than this machine (alerts and headers travel "
                    "unencrypted)");
  }
}

bool local_brokers(std::string_view brokers) {
  if (brokers == "embedded") return true;
  bool any = false;
  while (!brokers.empty()) {
    auto comma = brokers.find(',');
    auto host = broker_host(brokers.substr(0, comma));
    if (!host.empty()) {
      if (!state::is_loopback_host(host)) return false;
      any = true;
    }
    brokers = comma == std::string_view::npos ? std::string_view() : brokers.substr(comma + 1);
  }
  return any;
}

void check_kafka_property(const ConfigNode& source, std::string_view name, std::string_view value,
                          bool local) {
  auto lowered = state::ascii_lower(value);
  if (name == "security.protocol" && !local &&
      (lowered == "plaintext" || lowered == "sasl_plaintext")) {
    accept_insecure(source, property_key(name),
                    std::string(value) +
                        " to a remote broker (records and any SASL credentials travel "
                        "unencrypted)");
  }
  if (name == "enable.ssl.certificate.verification" &&
      (lowered == "false" || lowered == "0" || lowered == "off" || lowered == "no")) {
    accept_insecure(source, property_key(name),
                    "false (the broker's TLS certificate is not verified)");
  }
  if (name == "ssl.endpoint.identification.algorithm" && lowered == "none") {
    accept_insecure(source, property_key(name), "none (the broker's host name is not checked)");
  }
}

}  // namespace rolewatch::stream
