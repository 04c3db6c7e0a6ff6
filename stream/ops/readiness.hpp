#pragma once
// What /readyz reports: the run loop and the outbox sender set these inputs
// from their own threads; the HTTP server reads them on each probe.
#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace rolewatch::stream {

class Readiness {
 public:
  void set_state_open(bool open) { state_open_ = open; }
  void set_partitions_assigned(bool assigned) { partitions_assigned_ = assigned; }
  void set_write_failing(bool failing) { write_failing_ = failing; }
  // Why the state refuses batches (disk below its reserve, failing writes;
  // stream/runtime/state_guard.hpp); empty: it takes them.
  void set_state_refusal(std::string reason);
  // From librdkafka's statistics (every statistics.interval.ms, 15 s by
  // default): false while no broker connection is up.
  void set_brokers_reachable(bool reachable) { brokers_reachable_ = reachable; }
  // Not ready while more alerts than this wait for a sink (a sink is down).
  void set_outbox_threshold(std::size_t alerts) { outbox_threshold_ = alerts; }
  // Read on each probe, e.g. [&sender] { return sender.pending(); }.
  void set_outbox_source(std::function<std::size_t()> source);

  struct Report {
    bool ready = true;
    std::vector<std::string> reasons;  // why not, one line each
  };
  Report check() const;

 private:
  std::atomic<bool> state_open_{false};
  std::atomic<bool> partitions_assigned_{false};
  std::atomic<bool> write_failing_{false};
  std::atomic<bool> brokers_reachable_{true};
  std::atomic<std::size_t> outbox_threshold_{100};
  mutable std::mutex mutex_;
  std::function<std::size_t()> outbox_source_;
  std::string state_refusal_;
};

}  // namespace rolewatch::stream
