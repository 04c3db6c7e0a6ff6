#pragma once
// A long synthetic AuditLogs stream for live-stream tests: many actors, each
// removing GA/PRA from exactly `threshold` admins (so each raises exactly one
// alert whatever the arrival order), with noise records, MS-PIM twins and
// redelivered duplicates, packed into Event Hubs messages that are spread
// over partitions in shuffled order. Deterministic for a given spec.
#include <cstdint>
#include <string>
#include <vector>

namespace support {

struct BurstStreamSpec {
  int actors = 50;
  int partitions = 4;
  int first_actor = 0;         // actors first_actor .. first_actor + actors - 1
  int removals_per_actor = 3;  // the default rule's threshold
  int noise_per_actor = 2;     // non-RoleManagement records
  unsigned seed = 1;
  // Keep every actor's records on one partition (the split-topology case).
  bool actor_per_partition = false;
};

struct StreamMessage {
  std::int32_t partition = 0;
  std::string body;  // {"records":[...]}
};

std::vector<StreamMessage> burst_stream(const BurstStreamSpec& spec);

// A fixed actor id for actor n, as the alerts' actor.id.
std::string burst_actor_id(int n);

}  // namespace support
