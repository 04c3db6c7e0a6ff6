#pragma once
// The Microsoft Teams message for an alert: the envelope the Workflows
// "When a Teams webhook request is received" trigger expects, holding one
// Adaptive Card 1.4 (title, severity, actor, count/threshold/window, each
// removal, a link to the actor in the Entra admin center). Teams refuses
// messages over 28 KB, so long removal lists are cut and summarized.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace rolewatch::stream {

inline constexpr std::size_t kTeamsMaxMessageBytes = 27 * 1024;  // 28 KB limit, with headroom

nlohmann::json teams_message(const nlohmann::json& alert,
                             std::size_t max_bytes = kTeamsMaxMessageBytes);

// The actor's page in the Entra admin center; empty when there is none (apps).
std::string entra_actor_url(const nlohmann::json& actor);

}  // namespace rolewatch::stream
