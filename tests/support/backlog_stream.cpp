#include "support/backlog_stream.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <stdexcept>

#include "state/base/time.hpp"

namespace support {
namespace {

using rolewatch::state::kMicrosPerSecond;

// One record with its event time, before it is packed into a message.
struct Timed {
  std::int64_t offset_s = 0;  // seconds after spec.start
  Json record;
};

std::uint32_t fnv1a(const std::string& text) {
  std::uint32_t hash = 2166136261u;
  for (unsigned char c : text) hash = (hash ^ c) * 16777619u;
  return hash;
}

// The audit_records builders number their GUIDs from a process-wide counter
// ("<8 hex>-0000-4000-8000-<12 digits>"), so two calls give different ids.
// Renumber them per backlog so the output depends on the seed alone.
class GuidRenumberer {
 public:
  explicit GuidRenumberer(std::uint32_t salt) : salt_(salt % 100000) {}

  void apply(Json& value) {
    if (value.is_string()) {
      auto text = value.get<std::string>();
      if (rewrite(text)) value = text;
    } else if (value.is_array() || value.is_object()) {
      for (auto& child : value) apply(child);
    }
  }

 private:
  bool rewrite(std::string& text) {
    static const std::string marker = "-0000-4000-8000-";
    bool changed = false;
    for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) {
      auto digits = at + marker.size();
      if (digits + 12 > text.size()) break;
      auto original = text.substr(digits, 12);
      if (!std::all_of(original.begin(), original.end(),
                       [](unsigned char c) { return c >= '0' && c <= '9'; })) {
        continue;
      }
      auto [it, inserted] = numbers_.try_emplace(original, 0);
      if (inserted) it->second = static_cast<long long>(numbers_.size());
      char replacement[16];
      std::snprintf(replacement, sizeof replacement, "%05u%07lld", salt_, it->second);
      text.replace(digits, 12, replacement);
      changed = true;
    }
    return changed;
  }

  unsigned salt_;
  std::map<std::string, long long> numbers_;
};

// activityDateTime as exported ("...0+00:00") and the envelope's "...0Z".
std::string event_time_text(const BacklogSpec& spec, std::int64_t offset_s) {
  return at(spec.start, offset_s);
}
std::string envelope_time_text(const BacklogSpec& spec, std::int64_t offset_s) {
  auto text = at(spec.start, offset_s);
  const std::string suffix = "+00:00";
  if (text.ends_with(suffix)) text = text.substr(0, text.size() - suffix.size()) + "Z";
  return text;
}

void stamp(Json& record, const BacklogSpec& spec, std::int64_t offset_s) {
  record["time"] = envelope_time_text(spec, offset_s);
  record["properties"]["activityDateTime"] = event_time_text(spec, offset_s);
}

class Generator {
 public:
  explicit Generator(const BacklogSpec& spec)
      : spec_(spec), rng_(spec.seed), renumber_(fnv1a(spec.tag) ^ spec.seed) {
    auto start = rolewatch::state::parse_event_time(spec.start);
    if (!start) throw std::invalid_argument("backlog_stream: bad start time " + spec.start);
    start_us_ = *start;
    if (spec.partitions < 1) throw std::invalid_argument("backlog_stream: no partitions");
    if (spec.bursts > 0 && spec.removals_per_burst > spec.partitions) {
      throw std::invalid_argument("backlog_stream: a burst needs a partition per removal");
    }
  }

  Backlog make() {
    auto noise = noise_records();
    std::vector<Pending> pending = pack_noise(std::move(noise));
    add_legitimate_changes(pending);
    add_bursts(pending);
    return finish(std::move(pending));
  }

 private:
  // A message before its partition and enqueued time are final.
  struct Pending {
    std::vector<Timed> records;
    int forced_partition = -1;
    int burst = -1;  // index of the burst whose removal it holds
  };

  int uniform(int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng_); }

  std::string audit_id(const std::string& kind) {
    return kind + "_" + spec_.tag + "_" + std::to_string(spec_.seed) + "_" +
           std::to_string(++records_made_);
  }

  Json noise_record(std::int64_t offset_s) {
    static const char* categories[] = {
        "UserManagement",      "GroupManagement", "ApplicationManagement", "Policy",
        "DirectoryManagement", "Device",          "UserManagement",        "GroupManagement"};
    Json record;
    if (uniform(0, 49) == 0) {
      // RoleManagement that no rule counts: a User Administrator assignment.
      RecordSpec role;
      role.audit_id = audit_id("Directory_role");
      role.actor = user("eeeeeeee-0000-4000-9000-000000000001", "helpdesk@contoso.com", "Helpdesk",
                        "198.51.100.20");
      role.target = admin(400 + uniform(0, 50));
      role.role = user_administrator();
      role.time = event_time_text(spec_, offset_s);
      record = core_directory_addition(role);
    } else {
      auto bytes = static_cast<std::size_t>(uniform(static_cast<int>(spec_.noise_min_bytes),
                                                    static_cast<int>(spec_.noise_max_bytes)));
      record = non_role_record(categories[uniform(0, 7)], 0);
      record["properties"]["id"] = audit_id("Directory_noise");
      stamp(record, spec_, offset_s);
      renumber_.apply(record);
      // Padded here, after the ids are final, so the size is the seed's too.
      const auto size = record.dump().size();
      if (size < bytes) {
        record["properties"]["additionalDetails"] =
            Json::array({{{"key", "User-Agent"}, {"value", std::string(bytes - size, 'x')}}});
      }
      return record;
    }
    stamp(record, spec_, offset_s);
    renumber_.apply(record);
    return record;
  }

  std::vector<Timed> noise_records() {
    const auto count = static_cast<std::int64_t>(spec_.noise_records_per_hour) * spec_.minutes / 60;
    std::vector<std::int64_t> offsets;
    for (std::int64_t i = 0; i < count; ++i) offsets.push_back(uniform(0, spec_.minutes * 60 - 1));
    std::sort(offsets.begin(), offsets.end());
    std::vector<Timed> records;
    for (auto offset : offsets) records.push_back({offset, noise_record(offset)});
    return records;
  }

  // Consecutive records, 1 to 8 per message, never more than a minute apart.
  std::vector<Pending> pack_noise(std::vector<Timed> records) {
    std::vector<Pending> messages;
    for (std::size_t i = 0; i < records.size();) {
      Pending message;
      const auto size = static_cast<std::size_t>(uniform(1, 8));
      const auto first = records[i].offset_s;
      while (i < records.size() && message.records.size() < size &&
             records[i].offset_s - first <= 60) {
        message.records.push_back(std::move(records[i++]));
      }
      messages.push_back(std::move(message));
    }
    return messages;
  }

  // A message holding `record` and 0-3 noise records of the same minute.
  Pending with_neighbours(Timed record) {
    Pending message;
    const int neighbours = uniform(0, 3);
    for (int n = 0; n < neighbours; ++n) {
      auto offset = std::max<std::int64_t>(0, record.offset_s - uniform(0, 45));
      message.records.push_back({offset, noise_record(offset)});
    }
    message.records.push_back(std::move(record));
    return message;
  }

  // A helpdesk admin removing one role every 150 minutes (never a burst:
  // at most one removal per 2 h window), and hourly PIM activations with
  // their expiry an hour later.
  void add_legitimate_changes(std::vector<Pending>& messages) {
    const auto helpdesk = user("eeeeeeee-0000-4000-9000-000000000002", "it-admin@contoso.com",
                               "IT Admin", "198.51.100.21");
    int n = 0;
    for (std::int64_t offset = 40 * 60; offset < spec_.minutes * 60; offset += 150 * 60, ++n) {
      RecordSpec removal;
      removal.audit_id = audit_id("Directory_helpdesk");
      removal.actor = helpdesk;
      removal.target = admin(300 + n);
      removal.role = n % 2 ? privileged_role_administrator() : global_administrator();
      removal.time = event_time_text(spec_, offset);
      auto record = core_directory_removal(removal);
      renumber_.apply(record);
      messages.push_back(with_neighbours({offset, std::move(record)}));
    }
    for (std::int64_t offset = 25 * 60; offset < spec_.minutes * 60; offset += 60 * 60) {
      RecordSpec activation;
      activation.audit_id = audit_id("PIM_activation");
      activation.target = admin(200 + static_cast<int>(offset / 3600) % 5);
      activation.time = event_time_text(spec_, offset);
      auto record = pim_activation(activation);
      renumber_.apply(record);
      messages.push_back(with_neighbours({offset, std::move(record)}));
      if (offset + 3600 < spec_.minutes * 60) {
        RecordSpec expiry = activation;
        expiry.audit_id = audit_id("PIM_expiry");
        expiry.time = event_time_text(spec_, offset + 3600);
        auto expired = pim_expiry(expiry);
        renumber_.apply(expired);
        messages.push_back(with_neighbours({offset + 3600, std::move(expired)}));
      }
    }
  }

  void add_bursts(std::vector<Pending>& messages) {
    for (int b = 0; b < spec_.bursts; ++b) {
      const std::int64_t begin =
          (static_cast<std::int64_t>(spec_.first_burst_minute) + b * spec_.burst_every_minutes) *
              60 +
          uniform(0, 120);
      if (begin >= spec_.minutes * 60)
        throw std::invalid_argument("backlog_stream: burst too late");
      const bool slow = spec_.slow_bursts && b % 2 == 1;
      const int who = actor_of(b);
      const bool app_actor = who % 6 == 5;
      const auto actor_id = backlog_actor_id(spec_.tag, who);
      const auto actor = app_actor
                             ? app(actor_id, "Automation " + std::to_string(who))
                             : user(actor_id, "intruder" + std::to_string(who) + "@contoso.com",
                                    "Intruder " + std::to_string(who),
                                    "203.0.113." + std::to_string(10 + who % 200));
      // Distinct partitions for the removals of this burst.
      std::vector<int> partitions(spec_.partitions);
      std::iota(partitions.begin(), partitions.end(), 0);
      std::shuffle(partitions.begin(), partitions.end(), rng_);

      std::int64_t offset = begin;
      for (int k = 0; k < spec_.removals_per_burst; ++k) {
        if (k > 0) offset += slow ? uniform(8 * 60, 12 * 60) : uniform(30, 100);
        RecordSpec removal;
        removal.actor = actor;
        removal.target = admin(10 + b * spec_.removals_per_burst + k);
        removal.role = k % 2 == 0 ? global_administrator() : privileged_role_administrator();
        removal.time = event_time_text(spec_, offset);
        Json record;
        switch ((b + k) % 4) {
          case 0:
            removal.audit_id = audit_id("Directory_removal");
            record = core_directory_removal(removal);
            break;
          case 1:
            removal.audit_id = audit_id("PIM_removal");
            record = app_actor ? core_directory_removal(removal) : pim_removal(removal);
            break;
          case 2:
            removal.audit_id = audit_id("PIM_eligible_removal");
            record = app_actor ? core_directory_eligible_removal(removal)
                               : pim_eligible_removal(removal);
            break;
          default:
            removal.audit_id = audit_id("Directory_eligible_removal");
            record = core_directory_eligible_removal(removal);
            break;
        }
        renumber_.apply(record);
        auto message = with_neighbours({offset, record});
        message.forced_partition = partitions[k];
        message.burst = b;
        messages.push_back(std::move(message));

        const bool pim = !app_actor && (b + k) % 4 == 1;
        if (pim) {  // the MS-PIM twin, seconds later, in another message
          RecordSpec twin = removal;
          const auto twin_offset = offset + uniform(1, 20);
          twin.audit_id = audit_id("Directory_twin");
          twin.time = event_time_text(spec_, twin_offset);
          auto twin_record = ms_pim_twin(twin);
          renumber_.apply(twin_record);
          messages.push_back(with_neighbours({twin_offset, std::move(twin_record)}));
        }
        if (k == 0 && b % 5 == 2) {  // redelivered minutes later (at least once)
          // Its message's time (hence enqueued time) is when it was sent again.
          Pending again;
          again.records.push_back({offset + uniform(120, 300), record});
          messages.push_back(std::move(again));
        }
      }
    }
  }

  int actor_of(int burst) const { return spec_.actors > 0 ? burst % spec_.actors : burst; }

  int pick_partition() {
    if (spec_.partitions == 1) return 0;
    if (spec_.share_on_first <= 1.0 / spec_.partitions) return uniform(0, spec_.partitions - 1);
    if (std::uniform_real_distribution<double>(0, 1)(rng_) < spec_.share_on_first) return 0;
    return uniform(1, spec_.partitions - 1);
  }

  Backlog finish(std::vector<Pending> pending) {
    Backlog backlog;
    backlog.partitions = spec_.partitions;
    backlog.bytes_per_partition.assign(spec_.partitions, 0);
    backlog.messages_per_partition.assign(spec_.partitions, 0);
    backlog.bursts.resize(spec_.bursts);
    for (int b = 0; b < spec_.bursts; ++b) {
      backlog.bursts[b].actor_id = backlog_actor_id(spec_.tag, actor_of(b));
    }

    struct Built {
      BacklogMessage message;
      int burst = -1;
    };
    std::vector<Built> built;
    for (auto& message : pending) {
      std::int64_t newest = 0;
      std::vector<Json> records;
      for (auto& timed : message.records) {
        newest = std::max(newest, timed.offset_s);
        records.push_back(std::move(timed.record));
      }
      Built out;
      out.burst = message.burst;
      out.message.partition =
          message.forced_partition >= 0 ? message.forced_partition : pick_partition();
      out.message.newest_event_us = start_us_ + newest * rolewatch::state::kMicrosPerSecond;
      const auto delay_ms = static_cast<std::int64_t>(
          uniform(spec_.delivery_delay_min_s * 1000, spec_.delivery_delay_max_s * 1000));
      out.message.enqueued_ms = out.message.newest_event_us / 1000 + delay_ms;
      out.message.body = event_hubs_message(records);
      backlog.records += records.size();
      built.push_back(std::move(out));
    }
    std::stable_sort(built.begin(), built.end(), [](const Built& a, const Built& b) {
      return a.message.enqueued_ms < b.message.enqueued_ms;
    });
    for (auto& entry : built) {
      auto index = backlog.messages.size();
      auto& message = entry.message;
      backlog.bytes_per_partition[message.partition] += message.body.size();
      ++backlog.messages_per_partition[message.partition];
      if (entry.burst >= 0) {
        auto& burst = backlog.bursts[entry.burst];
        burst.removal_messages.push_back(index);
        if (burst.first_event_us == 0 || message.newest_event_us < burst.first_event_us) {
          burst.first_event_us = message.newest_event_us;
        }
      }
      backlog.messages.push_back(std::move(message));
    }
    return backlog;
  }

  const BacklogSpec& spec_;
  std::mt19937 rng_;
  GuidRenumberer renumber_;
  rolewatch::rules::EventTime start_us_ = 0;
  long long records_made_ = 0;
};

}  // namespace

std::string backlog_actor_id(const std::string& tag, int n) {
  char id[40];
  std::snprintf(id, sizeof id, "%08x-0000-4000-9000-%012d", fnv1a(tag), n);
  return id;
}

Backlog backlog_stream(const BacklogSpec& spec) {
  return Generator(spec).make();
}

double Backlog::share_on(int partition) const {
  std::size_t total = 0;
  for (auto count : messages_per_partition) total += count;
  if (total == 0 || partition < 0 || partition >= partitions) return 0;
  return static_cast<double>(messages_per_partition[partition]) / static_cast<double>(total);
}

std::uint64_t Backlog::largest_partition_bytes() const {
  return bytes_per_partition.empty()
             ? 0
             : *std::max_element(bytes_per_partition.begin(), bytes_per_partition.end());
}

std::vector<TimedMessage> Backlog::timed() const {
  return timed_until(std::numeric_limits<std::int64_t>::max());
}

std::vector<TimedMessage> Backlog::timed_until(std::int64_t split_ms) const {
  std::vector<TimedMessage> out;
  for (const auto& message : messages) {
    if (message.enqueued_ms <= split_ms) {
      out.push_back({message.partition, message.body, message.enqueued_ms});
    }
  }
  return out;
}

std::vector<TimedMessage> Backlog::timed_after(std::int64_t split_ms) const {
  std::vector<TimedMessage> out;
  for (const auto& message : messages) {
    if (message.enqueued_ms > split_ms) {
      out.push_back({message.partition, message.body, message.enqueued_ms});
    }
  }
  return out;
}

void write_time_ordered_jsonl(const Backlog& backlog, const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::trunc | std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  for (const auto& message : backlog.messages) out << message.body << '\n';
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace support
