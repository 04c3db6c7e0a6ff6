#pragma once
// The one place that decides whether a setting is insecure and whether it is
// allowed (docs/configuration.md, "Insecure settings"). An insecure setting
// (TLS verification off, no timeout, plain http to another host, an unsigned
// webhook, a plaintext or unverified Kafka connection) is a configuration
// error unless its section also says `allow_insecure: true`; then it is
// accepted and a warning naming the key (never the value) is logged each time
// the configuration is read, that is at every start.
#include <chrono>
#include <string>
#include <string_view>

#include "stream/config/config_node.hpp"

namespace rolewatch::stream {

inline constexpr std::string_view kAllowInsecureKey = "allow_insecure";

// Request timeouts: 0 means "none" (insecure); otherwise within these.
inline constexpr std::chrono::milliseconds kMinTimeout{1'000};
inline constexpr std::chrono::milliseconds kMaxTimeout{600'000};

// `section.key` holds an insecure setting, `what` says what it is ("TLS
// certificates are not verified"). Throws ConfigError naming the key and
// telling where to put `allow_insecure: true`, unless the section allows it;
// then logs the warning.
void accept_insecure(const ConfigNode& section, std::string_view key, std::string_view what);

// A request timeout, `fallback` when absent. 0 is "no timeout": insecure
// (accept_insecure). Otherwise it must lie within [kMinTimeout, kMaxTimeout].
std::chrono::milliseconds read_timeout(const ConfigNode& section, std::string_view key,
                                       std::chrono::milliseconds fallback);

// An http(s) URL a sink posts alerts (and its headers) to: plain http to a
// host other than this machine is insecure; a URL that does not parse is an
// error. `url` is not quoted in errors (it may hold a secret).
void check_sink_url(const ConfigNode& section, std::string_view key, const std::string& url);

// True for the embedded broker and for brokers that are all on this machine
// ("127.0.0.1:9092,[::1]:9092", "localhost:9092").
bool local_brokers(std::string_view brokers);

// One of source.properties (librdkafka, verbatim): security.protocol
// PLAINTEXT or SASL_PLAINTEXT to a remote broker, or
// enable.ssl.certificate.verification=false, or
// ssl.endpoint.identification.algorithm=none, are insecure (allowed by
// `source.allow_insecure`). `properties` is source.properties' node.
void check_kafka_property(const ConfigNode& source, std::string_view name, std::string_view value,
                          bool local);

}  // namespace rolewatch::stream
