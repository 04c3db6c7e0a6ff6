#include "state/group_window.hpp"

#include <cstring>

namespace rolewatch::state {
namespace {

// Format: version byte, then fields in declaration order. Integers are
// little-endian fixed width; strings are a varint length and the bytes.
// Version 2 adds a flags byte to each entry; version 3 the burst alerts
// after the entries. Versions 1 and 2 are still read (an alerted burst of
// theirs reads as closed: it was never meant to be updated).
constexpr std::uint8_t kVersion = 3;
constexpr std::uint8_t kRestoredFlag = 1;
constexpr std::uint8_t kPendingFlag = 1;
constexpr std::uint8_t kClosedFlag = 2;

class Writer {
 public:
  void byte(std::uint8_t value) { out_.push_back(static_cast<char>(value)); }
  void i64(std::int64_t value) {
    char bytes[8];
    std::memcpy(bytes, &value, 8);
    out_.append(bytes, 8);
  }
  void varint(std::uint64_t value) {
    while (value >= 0x80) {
      byte(static_cast<std::uint8_t>(value | 0x80));
      value >>= 7;
    }
    byte(static_cast<std::uint8_t>(value));
  }
  void str(std::string_view text) {
    varint(text.size());
    out_.append(text);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool byte(std::uint8_t& value) {
    if (in_.empty()) return false;
    value = static_cast<std::uint8_t>(in_.front());
    in_.remove_prefix(1);
    return true;
  }
  bool i64(std::int64_t& value) {
    if (in_.size() < 8) return false;
    std::memcpy(&value, in_.data(), 8);
    in_.remove_prefix(8);
    return true;
  }
  bool varint(std::uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      std::uint8_t b = 0;
      if (!byte(b)) return false;
      value |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool str(std::string& text) {
    std::uint64_t size = 0;
    if (!varint(size) || size > in_.size()) return false;
    text.assign(in_.substr(0, size));
    in_.remove_prefix(size);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

void write_entry(Writer& w, const WindowEntry& e) {
  w.i64(e.time);
  w.str(e.audit_id);
  w.str(e.activity);
  w.byte(e.service);
  w.byte(e.result);
  w.str(e.target_id);
  w.str(e.target_upn);
  w.str(e.target_type);
  w.str(e.role_template_id);
  w.str(e.role_name);
  w.str(e.alert_id);
  w.byte(e.restored ? kRestoredFlag : 0);
}

bool read_entry(Reader& r, WindowEntry& e, std::uint8_t version) {
  if (!(r.i64(e.time) && r.str(e.audit_id) && r.str(e.activity) && r.byte(e.service) &&
        r.byte(e.result) && r.str(e.target_id) && r.str(e.target_upn) && r.str(e.target_type) &&
        r.str(e.role_template_id) && r.str(e.role_name) && r.str(e.alert_id))) {
    return false;
  }
  if (version < 2) return true;
  std::uint8_t flags = 0;
  if (!r.byte(flags)) return false;
  e.restored = (flags & kRestoredFlag) != 0;
  return true;
}

void write_alert(Writer& w, const BurstAlert& a) {
  w.str(a.id);
  w.varint(a.revision);
  w.i64(a.fired_at);
  w.i64(a.decided_at);
  w.byte(static_cast<std::uint8_t>((a.pending ? kPendingFlag : 0) | (a.closed ? kClosedFlag : 0)));
}

bool read_alert(Reader& r, BurstAlert& a) {
  std::uint64_t revision = 0;
  std::uint8_t flags = 0;
  if (!(r.str(a.id) && r.varint(revision) && r.i64(a.fired_at) && r.i64(a.decided_at) &&
        r.byte(flags))) {
    return false;
  }
  if (revision > UINT32_MAX) return false;
  a.revision = static_cast<std::uint32_t>(revision);
  a.pending = (flags & kPendingFlag) != 0;
  a.closed = (flags & kClosedFlag) != 0;
  return true;
}

// State written before version 3 knew one alert per burst and no updates.
void legacy_alerts(GroupWindow& window) {
  for (const auto& entry : window.entries) {
    if (entry.alert_id.empty() || window.find_alert(entry.alert_id)) continue;
    window.alerts.push_back(BurstAlert{entry.alert_id, 1, 0, 0, false, true});
  }
}

}  // namespace

BurstAlert* GroupWindow::find_alert(std::string_view id) {
  for (auto& alert : alerts) {
    if (alert.id == id) return &alert;
  }
  return nullptr;
}

std::string encode_group_window(const GroupWindow& window) {
  Writer w;
  w.byte(kVersion);
  w.byte(window.actor.type);
  w.str(window.actor.id);
  w.str(window.actor.user_principal_name);
  w.str(window.actor.display_name);
  w.str(window.actor.ip_address);
  w.str(window.tenant_id);
  w.varint(window.entries.size());
  for (const auto& entry : window.entries) write_entry(w, entry);
  w.varint(window.alerts.size());
  for (const auto& alert : window.alerts) write_alert(w, alert);
  return w.take();
}

std::optional<GroupWindow> decode_group_window(std::string_view bytes) {
  Reader r(bytes);
  std::uint8_t version = 0;
  if (!r.byte(version) || version < 1 || version > kVersion) return std::nullopt;
  GroupWindow window;
  std::uint64_t count = 0;
  if (!(r.byte(window.actor.type) && r.str(window.actor.id) &&
        r.str(window.actor.user_principal_name) && r.str(window.actor.display_name) &&
        r.str(window.actor.ip_address) && r.str(window.tenant_id) && r.varint(count))) {
    return std::nullopt;
  }
  if (count > bytes.size()) return std::nullopt;  // each entry takes at least one byte
  window.entries.resize(count);
  for (auto& entry : window.entries) {
    if (!read_entry(r, entry, version)) return std::nullopt;
  }
  if (version < 3) {
    legacy_alerts(window);
  } else {
    std::uint64_t alerts = 0;
    if (!r.varint(alerts) || alerts > bytes.size()) return std::nullopt;
    window.alerts.resize(alerts);
    for (auto& alert : window.alerts) {
      if (!read_alert(r, alert)) return std::nullopt;
    }
  }
  if (!r.done()) return std::nullopt;
  return window;
}

}  // namespace rolewatch::state
