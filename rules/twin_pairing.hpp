#pragma once
// PIM's Core Directory twins, recognised by pairing and not by name
// (docs/design.md §3, "Dedup and twins"). Every PIM operation is also
// written by Core Directory with the initiator app `MS-PIM`; that record is
// PIM's echo, and the PIM record (with the human initiator) is the one that
// counts. Any app can be named `MS-PIM`, so a Core Directory record claiming
// it is only a twin when a PIM record for the same target, role and
// operation lies within the twin window of it; otherwise it counts with its
// real initiator. Pure: the pipeline holds candidates and PIM marks in state.
#include <optional>
#include <string>

#include "rules/role_event.hpp"

namespace rolewatch::rules {

inline constexpr EventTime kDefaultTwinWindow = 120LL * 1'000'000;

// A Core Directory record whose initiator calls itself MS-PIM.
bool claims_pim(const RoleEvent& event);

// What a twin and its PIM record share: the operation's direction (an
// assignment ended, or granted), the target principal and the role. nullopt when the record can be
// neither side of a pair (no target, no role, or an operation with no twin).
std::optional<std::string> twin_key(const RoleEvent& event);

}  // namespace rolewatch::rules
