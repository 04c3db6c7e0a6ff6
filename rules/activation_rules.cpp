#include "rules/activation_rules.hpp"

#include <yaml-cpp/yaml.h>

#include "rules/burst_detector.hpp"
#include "state/base/time.hpp"

namespace rolewatch::rules {
namespace {

using nlohmann::json;

// Kept byte-equal to rules/activation-rules.yaml (a test compares them).
constexpr std::string_view kDefaultYaml =
    R"yaml(# Alert rules on labelled PIM activations, shipped with rolewatch (compiled
# in; rules/activation_rules.cpp holds the same text and a test keeps the two
# equal). Copy this file to change a rule: set `enabled: false`, another
# severity, or the durations (ISO 8601 such as P14D, or 14d, 26h, 90m).
activation_rules:
  - id: pim-activation-synced-account
    enabled: true
    title: Privileged Entra role activated by an account synchronized from on-premises
    severity: high
    mitre: {tactic: Privilege Escalation, technique: T1078.002}

  # No verdict while the snapshot is older than max_snapshot_age (measured
  # between the snapshot's time and the activation's): a stale snapshot
  # misses new eligibilities.
  - id: pim-activation-without-eligibility
    enabled: true
    title: PIM activation without a matching eligible assignment
    severity: high
    mitre: {tactic: Persistence, technique: T1098.003}
    max_snapshot_age: 26h

  # Quiet for each user until learning_period after their first recorded
  # activation, so that a fresh install does not flag every known IP.
  - id: pim-activation-new-ip
    enabled: true
    title: Privileged role activated from an IP address never seen for this user
    severity: medium
    mitre: {tactic: Privilege Escalation, technique: T1078.004}
    learning_period: 14d
)yaml";

constexpr EventTime kSecond = state::kMicrosPerSecond;

ActivationRuleMeta* meta_for(ActivationRulesConfig& config, const std::string& id) {
  for (auto* meta : {&config.synced_account, &config.without_eligibility, &config.new_ip}) {
    if (meta->id == id) return meta;
  }
  return nullptr;
}

// The built-in identities; text fields are filled from the shipped YAML.
ActivationRulesConfig skeleton() {
  ActivationRulesConfig config;
  config.synced_account.id = "pim-activation-synced-account";
  config.without_eligibility.id = "pim-activation-without-eligibility";
  config.new_ip.id = "pim-activation-new-ip";
  return config;
}

struct RuleReader {
  const YAML::Node& node;
  std::string id;

  Error fail(const std::string& key, const std::string& what) const {
    return make_error("activation rule " + id + ": " + key + ": " + what);
  }
  Status text(const char* key, std::string& out) const {
    if (!node[key]) return ok();
    if (!node[key].IsScalar()) return fail(key, "expected text");
    out = node[key].as<std::string>();
    return ok();
  }
  Status duration(const char* key, std::int64_t& seconds) const {
    if (!node[key]) return ok();
    auto parsed = node[key].IsScalar() ? state::parse_duration_seconds(node[key].as<std::string>())
                                       : std::nullopt;
    if (!parsed || *parsed <= 0) return fail(key, "expected a duration such as 14d or PT26H");
    seconds = *parsed;
    return ok();
  }
  Status meta(ActivationRuleMeta& meta) const {
    if (node["enabled"]) {
      if (!node["enabled"].IsScalar()) return fail("enabled", "expected true or false");
      const auto& flag = node["enabled"].Scalar();
      if (flag != "true" && flag != "false") return fail("enabled", "expected true or false");
      meta.enabled = flag == "true";
    }
    for (auto [key, out] :
         {std::pair{"title", &meta.title}, std::pair{"severity", &meta.severity}}) {
      if (auto s = text(key, *out); !s) return s;
    }
    if (auto mitre = node["mitre"]) {
      if (!mitre.IsMap()) return fail("mitre", "expected {tactic, technique}");
      RuleReader inner{mitre, id};
      if (auto s = inner.text("tactic", meta.mitre_tactic); !s) return s;
      if (auto s = inner.text("technique", meta.mitre_technique); !s) return s;
    }
    return ok();
  }
};

Status read_rule(const YAML::Node& node, ActivationRulesConfig& config) {
  if (!node.IsMap() || !node["id"] || !node["id"].IsScalar()) {
    return make_error("activation_rules: each rule needs an id");
  }
  RuleReader reader{node, node["id"].as<std::string>()};
  auto* meta = meta_for(config, reader.id);
  if (meta == nullptr) return make_error("activation_rules: unknown rule id " + reader.id);
  if (auto s = reader.meta(*meta); !s) return s;
  if (meta == &config.without_eligibility) {
    return reader.duration("max_snapshot_age", config.max_snapshot_age_seconds);
  }
  if (meta == &config.new_ip)
    return reader.duration("learning_period", config.learning_period_seconds);
  return ok();
}

Status read_document(std::string_view yaml_text, ActivationRulesConfig& config) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return make_error(std::string("activation rules YAML: ") + e.what());
  }
  if (root.IsNull()) return ok();
  // A scalar or list document has no keys: operator[] would throw (fuzzing).
  if (!root.IsMap()) return make_error("activation rules YAML: expected a mapping");
  auto rules = root["activation_rules"];
  if (!rules) return ok();
  if (!rules.IsSequence()) return make_error("activation_rules: expected a list");
  for (const auto& node : rules) {
    if (auto s = read_rule(node, config); !s) return s;
  }
  return ok();
}

ActivationAlert make_alert(const ActivationRuleMeta& meta, const ActivationLabel& label,
                           std::string reason, EventTime now) {
  return ActivationAlert{stable_alert_id(meta.id, label.principal.id, label.audit_id),
                         meta.id,
                         meta.title,
                         meta.severity,
                         meta.mitre_tactic,
                         meta.mitre_technique,
                         std::move(reason),
                         now,
                         label};
}

std::string who(const ActivationLabel& label) {
  return label.principal.user_principal_name.empty() ? label.principal.id
                                                     : label.principal.user_principal_name;
}

std::string role_name(const ActivationLabel& label) {
  return label.role.display_name.empty() ? label.role.template_id : label.role.display_name;
}

// A verdict needs a snapshot that is non-empty and close in time to the
// activation (either side: replays of old records against a new snapshot
// would otherwise flag eligibilities removed since).
bool snapshot_is_fresh(const ActivationRulesConfig& config, const ActivationLabel& label) {
  if (!label.snapshot || label.snapshot->assignments == 0) return false;
  auto age = label.time - label.snapshot->fetched_at;
  return std::abs(age) <= config.max_snapshot_age_seconds * kSecond;
}

bool learning_over(const ActivationRulesConfig& config, const ActivationLabel& label) {
  return label.first_activation &&
         label.time >= *label.first_activation + config.learning_period_seconds * kSecond;
}

}  // namespace

std::string_view default_activation_rules_yaml() {
  return kDefaultYaml;
}

Expected<ActivationRulesConfig> parse_activation_rules_yaml(std::string_view yaml_text) {
  auto config = default_activation_rules();
  if (auto s = read_document(yaml_text, config); !s) return s.error();
  return config;
}

Status apply_activation_rules_yaml(std::string_view yaml_text, ActivationRulesConfig& config) {
  return read_document(yaml_text, config);
}

ActivationRulesConfig default_activation_rules() {
  auto config = skeleton();
  // The compiled-in text is tested; a failure here is a build defect.
  if (auto s = read_document(kDefaultYaml, config); !s) throw std::logic_error(s.error().message);
  return config;
}

std::vector<ActivationAlert> evaluate_activation_rules(const ActivationRulesConfig& config,
                                                       const ActivationLabel& label,
                                                       EventTime now) {
  std::vector<ActivationAlert> alerts;
  if (config.synced_account.enabled && label.privileged && label.synced == true) {
    alerts.push_back(make_alert(
        config.synced_account, label,
        who(label) + " is synchronized from on-premises AD and activated " + role_name(label),
        now));
  }
  if (config.without_eligibility.enabled && label.eligibility == Eligibility::none &&
      snapshot_is_fresh(config, label)) {
    alerts.push_back(make_alert(config.without_eligibility, label,
                                who(label) + " activated " + role_name(label) +
                                    " but holds no eligible assignment for it in the snapshot",
                                now));
  }
  if (config.new_ip.enabled && label.new_ip == true && learning_over(config, label)) {
    alerts.push_back(make_alert(config.new_ip, label,
                                who(label) + " activated " + role_name(label) + " from " +
                                    label.ip_address + ", never seen for this user",
                                now));
  }
  return alerts;
}

std::string to_text(const ActivationAlert& alert) {
  const auto& label = alert.activation;
  state::JsonWriter out;
  out.begin_object();
  out.key("activation").raw(activation_document(label));
  out.key("actor");
  write_actor(out, label.actor, label.ip_address);
  out.key("count").number(std::uint64_t{1});
  out.key("detectedAt").string(state::format_event_time(alert.detected_at));
  out.key("firstSeen").string(state::format_event_time(label.time));
  out.key("id").string(alert.id);
  out.key("lastSeen").string(state::format_event_time(label.time));
  out.key("mitre");
  write_mitre(out, alert.mitre_tactic, alert.mitre_technique);
  out.key("reason").string(alert.reason);
  out.key("rule").string(alert.rule);
  out.key("schema").string("rolewatch.alert.v1");
  out.key("severity").string(alert.severity);
  out.key("tenantId").string_or_null(label.tenant_id);
  out.key("title").string(alert.title);
  out.end_object();
  return out.take();
}

json to_json(const ActivationAlert& alert) {
  return json::parse(to_text(alert));
}

}  // namespace rolewatch::rules
