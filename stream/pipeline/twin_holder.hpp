#pragma once
// The state side of MS-PIM twin pairing (docs/design.md §3, "Dedup and
// twins"; the rule itself is rules/twin_pairing). PIM records leave marks;
// a Core Directory record claiming MS-PIM pairs with a mark within the twin
// window, or is held until the watermark passes its time + the window and
// then counts with its real initiator. Marks and held candidates are written
// through the pipeline's batch, so holding is exactly-once like the rest.
//
// Pairing looks up by twin key and time, never scans: the held candidates and
// the batch's marks are indexed by (twin key, time). Their number is set by
// whoever writes the audit log (a stream of removals claiming MS-PIM, a
// backlog of PIM activations), and a scan per record made a role-heavy batch
// quadratic.
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "rules/role_event.hpp"
#include "state/base/expected.hpp"
#include "state/store.hpp"

namespace rolewatch::stream {

class TwinHolder {
 public:
  struct Held {
    rules::RoleEvent event;
    bool restored = false;  // read below a restore checkpoint
    std::string key;        // rules::twin_key of the event
  };

  TwinHolder(state::Store& store, rules::EventTime window) : store_(store), window_(window) {}

  // Reads the held candidates from the store: at start, and after a batch
  // that was not written (its in-memory changes are void).
  Status load();

  // A PIM record: leaves its mark, and releases the held candidates it
  // pairs with (they were twins). Returns how many it paired.
  std::size_t mark(const rules::RoleEvent& pim, const std::string& key, state::Batch& batch);

  // A twin candidate: true if a PIM mark pairs it now (it is a twin), else
  // it is held and false is returned.
  Expected<bool> pair_or_hold(const rules::RoleEvent& candidate, const std::string& key,
                              bool restored, state::Batch& batch);

  // Candidates the watermark has passed by the twin window (every one when
  // `all`: no more input will come), taken out of hold: they are not twins.
  std::vector<Held> release_due(rules::EventTime watermark, bool all, state::Batch& batch);

  // Forgets marks of PIM records older than `horizon`: no candidate that old
  // is still accepted.
  Status expire(rules::EventTime horizon, state::Batch& batch);

  // The batch written: its marks are in the store now.
  void committed() { batch_marks_.clear(); }
  std::size_t held() const { return held_.size(); }

 private:
  Expected<bool> stored_mark_near(const std::string& key, rules::EventTime time) const;
  bool batch_mark_near(const std::string& key, rules::EventTime time) const;
  // Adds a candidate under its held key, replacing one held there before.
  void hold(std::string at, Held held);
  // Takes the candidate held at `it` out of hold (and out of the index),
  // moving it into `taken` when given; returns the next one.
  std::map<std::string, Held>::iterator unhold(std::map<std::string, Held>::iterator it,
                                               std::vector<Held>* taken = nullptr);

  state::Store& store_;
  rules::EventTime window_;
  std::map<std::string, Held> held_;  // by held key: ordered by decision time
  // (twin key, held key) of every candidate in held_: one twin key's
  // candidates in order of decision time (event time + window).
  std::set<std::pair<std::string, std::string>> held_by_twin_;
  std::set<std::pair<std::string, rules::EventTime>> batch_marks_;  // not yet written
};

}  // namespace rolewatch::stream
