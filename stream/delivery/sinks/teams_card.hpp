#pragma once
// The Microsoft Teams messages for an alert: the envelope the Workflows
// "When a Teams webhook request is received" trigger expects, holding one
// Adaptive Card 1.4. The first revision of an alert gets the full card
// (title, severity, actor, count/threshold/window, each removal, a link to
// the actor in the Entra admin center); a burst's later revisions get short
// ones ("burst grew to N" with the removals new since the last card, "burst
// closed: N removals"). Teams refuses messages over 28 KB, so long removal
// lists are cut and summarized. Every string from a record is plain text
// (stream/delivery/sinks/plain_text): never formatting, never a link.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace rolewatch::stream {

inline constexpr std::size_t kTeamsMaxMessageBytes = 27 * 1024;  // 28 KB limit, with headroom

// The full card, for an alert's first revision.
nlohmann::json teams_message(const nlohmann::json& alert,
                             std::size_t max_bytes = kTeamsMaxMessageBytes);

// "Burst grew to N": the count, the actor, and the removals whose audit id
// is not in `shown` (those on an earlier card), as many as fit.
nlohmann::json teams_update_message(const nlohmann::json& alert, const std::set<std::string>& shown,
                                    std::size_t max_bytes = kTeamsMaxMessageBytes);

// "Burst closed: N removals": the final count, actor, first and last removal.
nlohmann::json teams_closed_message(const nlohmann::json& alert);

// The actor's page in the Entra admin center; empty when there is none (apps)
// or the actor's id is not an object id (a GUID), so a record can never
// choose where the link points.
std::string entra_actor_url(const nlohmann::json& actor);

}  // namespace rolewatch::stream
