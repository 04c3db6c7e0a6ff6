#pragma once
// Where alerts go. Every destination (stdout, file, signed webhook, Teams,
// Alertmanager) sits behind this one interface; the outbox sender owns
// retries, backoff, persistence and metrics, so a sink only says what
// happened to one attempt.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "rules/alert.hpp"

namespace rolewatch::stream {

using SystemTime = std::chrono::system_clock::time_point;

// One attempt to hand one alert to one sink.
struct DeliveryRequest {
  const nlohmann::json& alert;  // the rolewatch.alert.v1 document
  std::string_view body;        // its exact bytes as stored in the outbox
  std::string_view alert_id;    // the alert's stable id, the same for every revision
  int attempt = 1;              // 1 for the first try of this alert on this sink
  // For sinks that re-post until resolution (Alertmanager): when the alert
  // resolves. Fixed at the first successful delivery so every re-post agrees.
  std::optional<SystemTime> resolve_at;
  // Set when the sender shuts down: long requests should give up.
  const std::atomic<bool>* cancel = nullptr;
};

struct DeliveryOutcome {
  enum class Kind {
    delivered,  // the receiver took it (any 2xx)
    retry,      // transient: try again later (timeout, 5xx, 429, connection refused)
    permanent,  // the receiver rejects this alert for good (e.g. 400, 410)
    skipped,    // nothing to send for this revision (e.g. a rate-limited update): done
  };
  Kind kind = Kind::delivered;
  // The receiver asked us to wait (Retry-After); applies to the whole sink.
  std::optional<std::chrono::milliseconds> retry_after;
  long http_status = 0;  // 0 when not HTTP or no response
  std::string detail;    // for logs; never contains secrets or URL queries

  static DeliveryOutcome ok(long status = 0) { return {Kind::delivered, {}, status, {}}; }
  static DeliveryOutcome again(std::string detail, long status = 0,
                               std::optional<std::chrono::milliseconds> after = {}) {
    return {Kind::retry, after, status, std::move(detail)};
  }
  static DeliveryOutcome reject(std::string detail, long status = 0) {
    return {Kind::permanent, {}, status, std::move(detail)};
  }
  static DeliveryOutcome skip(std::string detail) {
    return {Kind::skipped, {}, 0, std::move(detail)};
  }
};

// Receivers that forget alerts (Alertmanager keeps them in memory) need them
// re-posted periodically until they resolve.
struct ResendPolicy {
  std::chrono::seconds interval{60};
  std::chrono::seconds active_for{3600};  // resolve this long after detection
};

class Sink {
 public:
  virtual ~Sink() = default;

  // Unique among the configured sinks; used in RocksDB keys, metric labels
  // and logs, so it is short and carries no secret.
  virtual const std::string& name() const = 0;
  virtual std::string_view type() const = 0;
  // Where it delivers, safe to log (query strings and credentials removed).
  virtual std::string describe() const = 0;

  // Called from one of the sink's worker threads; at most concurrency()
  // calls run at once. Must not throw.
  virtual DeliveryOutcome deliver(const DeliveryRequest& request) = 0;

  virtual std::size_t concurrency() const { return 1; }
  // Smallest gap between two requests (Teams throttles above 4 per second).
  virtual std::chrono::milliseconds min_interval() const { return std::chrono::milliseconds(0); }
  virtual std::optional<ResendPolicy> resend_policy() const { return std::nullopt; }

  // Receivers that hold one alert per id, where an older revision would
  // overwrite a newer one (Alertmanager): an older revision still waiting or
  // re-posting is done once a newer revision of the same id is in the outbox.
  virtual bool supersedes_revisions() const { return false; }

  // Labelled PIM activations (rolewatch.activation.v1) are events, not
  // alerts: only sinks configured with `activations: true` get them.
  bool takes_activations() const { return takes_activations_; }
  void set_takes_activations(bool takes) { takes_activations_ = takes; }
  // Burst updates (revision 2 and later, `updated` and `closed`): a sink
  // configured with `updates: false` gets revision 1 only.
  bool takes_updates() const { return takes_updates_; }
  void set_takes_updates(bool takes) { takes_updates_ = takes; }

 private:
  bool takes_activations_ = false;
  bool takes_updates_ = true;
};

inline constexpr std::string_view kActivationSchema = "rolewatch.activation.v1";
inline bool is_activation_document(const nlohmann::json& document) {
  return document.is_object() && document.value("schema", "") == kActivationSchema;
}

// Where an alert is in its burst's lifecycle (docs/design.md §3, "Burst
// updates"). A document without `revision` (an activation, an activation
// rule's alert) is revision 1, firing.
// The alert contract's status (rules/alert.hpp), as the sinks read it.
using RevisionStatus = rules::AlertStatus;

struct Revision {
  std::uint32_t number = 1;
  RevisionStatus status = RevisionStatus::firing;
  bool is_update() const { return number > 1 || status != RevisionStatus::firing; }
};

Revision revision_of(const nlohmann::json& document);
using rules::to_string;  // "firing", "updated", "closed"

// The receiver's dedupe key for one revision: "<id>.<revision>" for alerts
// (revision 1 included), the audit id alone for activation events.
std::string delivery_id(const nlohmann::json& document, std::string_view id);

}  // namespace rolewatch::stream
