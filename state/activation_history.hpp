#pragma once
// Activation history in RocksDB (Family::activations): the last activation
// per principal+role, the IPs each principal activated from (first/last
// seen), and the newest activation time. Written through the caller's Batch
// so history, offsets and alerts commit together.
//
// Keys: "l/" principal \0 role          -> last activation (JSON)
//       "i/" principal \0 ip            -> IP sighting (JSON)
//       "r/" principal \0 role \0 ip    -> IP sighting per role (reports)
//       "u/" principal                  -> first activation seen for the user (JSON)
//       "newest"                        -> be64(newest activation time)
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "state/assignment.hpp"
#include "state/base/expected.hpp"
#include "state/store.hpp"

namespace rolewatch::state {

struct LastActivation {
  Micros time = 0;
  std::string audit_id;
  std::string ip_address;
  std::string user_principal_name;
  std::string role_display_name;
};

struct IpSighting {
  Micros first_seen = 0;
  Micros last_seen = 0;
  std::uint64_t count = 0;
};

struct PrincipalHistory {
  Micros first_activation = 0;  // learning periods start here
  std::string user_principal_name;
};

// What the labeller reads. Values reflect everything recorded so far,
// including records of the current, not yet committed batch.
class ActivationHistoryView {
 public:
  virtual ~ActivationHistoryView() = default;
  virtual Expected<std::optional<LastActivation>> last_activation(
      std::string_view principal_id, std::string_view role_template_id) const = 0;
  virtual Expected<std::optional<IpSighting>> ip_sighting(std::string_view principal_id,
                                                          std::string_view ip) const = 0;
  virtual Expected<std::optional<PrincipalHistory>> principal(
      std::string_view principal_id) const = 0;
};

// One activation to record (the state-side projection of a RoleEvent).
struct ActivationRecord {
  std::string principal_id;
  std::string user_principal_name;
  std::string role_template_id;
  std::string role_display_name;
  std::string ip_address;  // empty: none
  std::string audit_id;
  Micros time = 0;
};

class ActivationHistory final : public ActivationHistoryView {
 public:
  explicit ActivationHistory(const Store& store) : store_(store) {}

  Expected<std::optional<LastActivation>> last_activation(
      std::string_view principal_id, std::string_view role_template_id) const override;
  Expected<std::optional<IpSighting>> ip_sighting(std::string_view principal_id,
                                                  std::string_view ip) const override;
  Expected<std::optional<PrincipalHistory>> principal(std::string_view principal_id) const override;

  // Adds the activation to `batch` and to the pending overlay, so later
  // reads in the same batch see it. Order-insensitive: last = newest time,
  // first seen = oldest.
  Status record(Batch& batch, const ActivationRecord& activation);
  // Reads every key record() will read for these activations in one
  // MultiGet, so labelling a group costs one pass over the levels instead of
  // four point lookups per activation (docs/benchmarks.md, "Issue 14, the
  // input mapped"). fetch() only reads the store, so it may run on another
  // thread while this one labels the previous group (the store does not
  // change within a batch); adopt() then keeps what it found. Committed
  // state only: the pending overlay still wins.
  using Fetched = std::unordered_map<std::string, std::optional<std::string>>;
  Expected<Fetched> fetch(std::span<const ActivationRecord> activations) const;
  void adopt(Fetched fetched);
  // Call after the batch was written (or abandoned): reads go to the store again.
  void clear_pending() {
    pending_.clear();
    fetched_.clear();
  }

  // Newest activation time recorded (0 if none), committed state only.
  static Expected<Micros> newest_activation(const Store& store);

 private:
  Expected<std::optional<std::string>> read(const std::string& key) const;
  void stage(Batch& batch, const std::string& key, std::string value);
  const Store& store_;
  std::map<std::string, std::string> pending_;  // key -> value written in this batch
  // key -> committed value read ahead by fetch() (nullopt: not stored)
  Fetched fetched_;
};

// Keys and codecs, shared with the reports.
std::string last_activation_key(std::string_view principal_id, std::string_view role);
std::string ip_key(std::string_view principal_id, std::string_view ip);
std::string role_ip_key(std::string_view principal_id, std::string_view role, std::string_view ip);
std::optional<LastActivation> decode_last_activation(std::string_view value);
std::optional<IpSighting> decode_ip_sighting(std::string_view value);

// The newest event time in state: max(the pipeline's watermark in
// Family::meta, newest recorded activation); 0 if none.
Expected<Micros> newest_event_time(const Store& store);

}  // namespace rolewatch::state
