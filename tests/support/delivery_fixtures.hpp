#pragma once
// Alerts, outbox entries and sinks for the delivery tests.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "rules/alert.hpp"
#include "state/store.hpp"
#include "stream/config/config.hpp"
#include "stream/delivery/sink.hpp"
#include "stream/delivery/sinks/sink_factory.hpp"

namespace support {

// An alert of `removals` Global Administrator removals by
// mallory@contoso.com (the second one failed).
inline rolewatch::rules::Alert sample_alert_value(
    const std::string& id, int removals = 3,
    std::chrono::system_clock::time_point detected = std::chrono::system_clock::now()) {
  using rolewatch::rules::EventTime;
  rolewatch::rules::Alert alert;
  alert.id = id;
  alert.rule = "privileged-role-removal-burst";
  alert.title = "Bulk removal of highly privileged Entra roles";
  alert.severity = "high";
  alert.mitre_tactic = "Impact";
  alert.mitre_technique = "T1531";
  alert.tenant_id = "11111111-2222-3333-4444-555555555555";
  alert.actor = {rolewatch::rules::ActorType::user, "aaaaaaaa-0000-0000-0000-000000000001",
                 "mallory@contoso.com", "Mallory", "203.0.113.45"};
  alert.count = static_cast<std::uint32_t>(removals);
  alert.threshold = 3;
  alert.window_seconds = 7200;
  EventTime base = 1741083302123456;  // 2025-03-04T10:15:02.123456Z
  for (int i = 0; i < removals; ++i) {
    rolewatch::rules::Removal removal;
    removal.audit_id = "audit-" + std::to_string(i);
    removal.time = base + i * 1'000'000LL;
    removal.activity = "Remove member from role";
    removal.service = rolewatch::rules::Service::core_directory;
    removal.result =
        i == 1 ? rolewatch::rules::Outcome::failure : rolewatch::rules::Outcome::success;
    removal.target = {"bbbbbbbb-0000-0000-0000-" + std::to_string(100000000000LL + i),
                      "admin" + std::to_string(i) + "@contoso.com", "User"};
    removal.role = {"62e90394-69f5-4237-9190-012177145e10", "Global Administrator"};
    alert.removals.push_back(removal);
  }
  alert.first_seen = base;
  alert.last_seen = base + (removals - 1) * 1'000'000LL;
  alert.detected_at =
      std::chrono::duration_cast<std::chrono::microseconds>(detected.time_since_epoch()).count();
  return alert;
}

// Its rolewatch.alert.v1 document as the pipeline writes it.
inline nlohmann::json sample_alert(
    const std::string& id, int removals = 3,
    std::chrono::system_clock::time_point detected = std::chrono::system_clock::now()) {
  return rolewatch::rules::to_json(sample_alert_value(id, removals, detected));
}

// Writes alerts into the outbox the way the pipeline does.
inline void put_in_outbox(rolewatch::state::Store& store, std::uint64_t sequence,
                          const nlohmann::json& alert) {
  auto batch = store.make_batch();
  batch.put(rolewatch::state::Family::outbox, rolewatch::state::encode_be64(sequence),
            alert.dump());
  REQUIRE(store.write(batch));
}

inline std::size_t count_family(rolewatch::state::Store& store, rolewatch::state::Family family) {
  std::size_t count = 0;
  REQUIRE(store.scan(family, "", "", [&](auto, auto) {
    ++count;
    return true;
  }));
  return count;
}

inline rolewatch::stream::SinkConfig sink_config(const std::string& type, const std::string& name,
                                                 YAML::Node node) {
  rolewatch::stream::SinkConfig config;
  config.type = type;
  config.name = name;
  config.node = std::move(node);
  return config;
}

// A sink from YAML, as the configuration would give it.
// `env`: the variables ${...} expands to (the loader's seam; never setenv).
inline std::unique_ptr<rolewatch::stream::Sink> sink_from_yaml(
    const std::string& yaml, const std::string& name = "",
    const std::map<std::string, std::string>& env = {}) {
  auto node = YAML::Load(yaml);
  rolewatch::stream::SinkConfig config;
  config.type = node["type"].as<std::string>();
  config.name = name.empty() ? config.type : name;
  config.node = node;
  rolewatch::stream::ConfigContext context;
  context.env = [env](const std::string& key) -> std::optional<std::string> {
    auto it = env.find(key);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  auto sink = rolewatch::stream::make_sink(config, context);
  if (!sink) FAIL(sink.error().message);
  return std::move(*sink);
}

inline std::vector<std::unique_ptr<rolewatch::stream::Sink>> sinks_of(
    std::unique_ptr<rolewatch::stream::Sink> a, std::unique_ptr<rolewatch::stream::Sink> b = {},
    std::unique_ptr<rolewatch::stream::Sink> c = {}) {
  std::vector<std::unique_ptr<rolewatch::stream::Sink>> sinks;
  for (auto* sink : {&a, &b, &c}) {
    if (*sink) sinks.push_back(std::move(*sink));
  }
  return sinks;
}

}  // namespace support
