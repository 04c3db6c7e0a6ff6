#include "support/burst_stream.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

#include "support/audit_records.hpp"

namespace support {
namespace {

struct Placed {
  Json record;
  int actor = 0;
};

// Removals of one actor, 5 s apart, actors 20 s apart: the whole stream
// spans well under window + grace, so no record is ever late.
std::vector<Placed> actor_records(const BurstStreamSpec& spec, int actor) {
  std::vector<Placed> records;
  for (int k = 0; k < spec.removals_per_actor; ++k) {
    RecordSpec record;
    record.actor = user(burst_actor_id(actor), "actor" + std::to_string(actor) + "@contoso.com",
                        "Actor " + std::to_string(actor), "203.0.113.45");
    record.target = admin(k + 1);
    record.role = k % 2 == 0 ? global_administrator() : privileged_role_administrator();
    record.time = at(kBaseTime, actor * 20 + k * 5);
    record.audit_id = "Directory_burst_" + std::to_string(spec.seed) + "_" + std::to_string(actor) +
                      "_" + std::to_string(k);
    records.push_back({k == 1 ? pim_removal(record) : core_directory_removal(record), actor});
    if (k == 1) {  // PIM performed it: the MS-PIM twin that must not count
      record.audit_id += "_twin";
      records.push_back({ms_pim_twin(record), actor});
    }
  }
  if (actor % 5 == 0) records.push_back(records.front());  // redelivered (at-least-once)
  for (int n = 0; n < spec.noise_per_actor; ++n) {
    auto noise = non_role_record("UserManagement", 600);
    noise["properties"]["id"] = "Directory_noise_" + std::to_string(spec.seed) + "_" +
                                std::to_string(actor) + "_" + std::to_string(n);
    records.push_back({noise, actor});
  }
  return records;
}

}  // namespace

std::string burst_actor_id(int n) {
  char id[40];
  std::snprintf(id, sizeof id, "aaaaaaaa-0000-0000-0000-%012d", n);
  return id;
}

std::vector<StreamMessage> burst_stream(const BurstStreamSpec& spec) {
  std::mt19937 rng(spec.seed);
  std::vector<Placed> records;
  for (int a = spec.first_actor; a < spec.first_actor + spec.actors; ++a) {
    for (auto& placed : actor_records(spec, a)) records.push_back(std::move(placed));
  }
  std::shuffle(records.begin(), records.end(), rng);
  std::vector<StreamMessage> messages;
  std::uniform_int_distribution<int> size(1, 5), partition(0, spec.partitions - 1);
  for (std::size_t i = 0; i < records.size();) {
    auto n = std::min<std::size_t>(size(rng), records.size() - i);
    std::vector<Json> batch;
    int target = partition(rng);
    for (std::size_t j = 0; j < n; ++j) {
      // One actor per partition: each record goes to its actor's partition.
      if (spec.actor_per_partition) {
        messages.push_back(
            {records[i + j].actor % spec.partitions, event_hubs_message({records[i + j].record})});
      } else {
        batch.push_back(records[i + j].record);
      }
    }
    if (!batch.empty()) messages.push_back({target, event_hubs_message(batch)});
    i += n;
  }
  return messages;
}

}  // namespace support
