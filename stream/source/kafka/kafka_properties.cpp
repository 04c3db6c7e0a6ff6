#include "stream/source/kafka/kafka_properties.hpp"

#include <algorithm>

#include "stream/source/kafka/embedded_broker.hpp"
#include "stream/source/kafka/event_hubs_auth.hpp"

namespace rolewatch::stream {
namespace {

void append(std::vector<Property>& to, std::vector<Property> from) {
  for (auto& property : from) to.push_back(std::move(property));
}

// docs/reference/integrations.md §2.3/§2.4.
std::vector<Property> recommended_defaults(const SourceConfig& source,
                                           const std::string& bootstrap) {
  return {
      {"bootstrap.servers", bootstrap},
      {"group.id", source.group},
      {"client.id", "rolewatch"},
      {"partition.assignment.strategy", "cooperative-sticky"},
      // Offsets: RocksDB is the truth; the group's commits are advisory (lag
      // dashboards, restore checkpoint). Stored per batch after the RocksDB
      // write, committed every 5 s: Event Hubs throttles commits at 4/s/partition.
      {"enable.auto.commit", "true"},
      {"enable.auto.offset.store", "false"},
      {"auto.commit.interval.ms", "5000"},
      {"auto.offset.reset", "earliest"},
      {"enable.partition.eof", "true"},  // tells the loop when it has caught up
      // Azure closes idle connections after 240 s; librdkafka's own heuristic
      // only fires for host names containing "azure".
      {"socket.keepalive.enable", "true"},
      {"metadata.max.age.ms", "180000"},
      {"connections.max.idle.ms", "180000"},
      {"session.timeout.ms", "30000"},
      {"heartbeat.interval.ms", "3000"},
      {"max.poll.interval.ms", "300000"},
      {"statistics.interval.ms", "15000"},
      // Bounded prefetch: librdkafka's defaults (64 MB queued, 50 MB per
      // fetch) doubled the resident set while catching up on a backlog.
      // Audit logs arrive at MB/s; 16 MB ahead is plenty.
      {"queued.max.messages.kbytes", "16384"},
      {"fetch.max.bytes", "8388608"},
  };
}

std::vector<Property> embedded_tweaks() {
  return {
      {"fetch.wait.max.ms", kEmbeddedFetchWaitMaxMs},
      {"session.timeout.ms", kEmbeddedSessionTimeoutMs},
      {"heartbeat.interval.ms", "1000"},
  };
}

}  // namespace

std::vector<Property> consumer_properties(const SourceConfig& source,
                                          const std::string& bootstrap) {
  auto properties = recommended_defaults(source, bootstrap);
  if (source.embedded()) append(properties, embedded_tweaks());
  append(properties, auth_properties(source.auth));
  append(properties, source.properties);
  return properties;
}

std::vector<Property> producer_properties(const std::string& bootstrap) {
  return {{"bootstrap.servers", bootstrap},
          {"client.id", "rolewatch-producer"},
          {"linger.ms", "5"},
          {"enable.idempotence", "true"}};
}

Status apply_properties(RdKafka::Conf& conf, const std::vector<Property>& properties) {
  for (const auto& property : properties) {
    std::string errstr;
    if (conf.set(property.name, property.value, errstr) != RdKafka::Conf::CONF_OK) {
      // librdkafka's message quotes the value.
      return make_error("source.properties." + property.name + ": " +
                        (property.sensitive ? std::string("invalid value") : errstr));
    }
  }
  return ok();
}

std::string property_value(const std::vector<Property>& properties, std::string_view name) {
  auto it = std::find_if(properties.rbegin(), properties.rend(),
                         [&](const Property& p) { return p.name == name; });
  return it == properties.rend() ? std::string() : it->value;
}

}  // namespace rolewatch::stream
