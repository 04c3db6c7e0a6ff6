#pragma once
// A RoleEvent as JSON, for the records the pipeline must keep whole in state
// until it can decide them (MS-PIM twin candidates). Every field round-trips.
#include <nlohmann/json.hpp>
#include <optional>

#include "rules/role_event.hpp"

namespace rolewatch::rules {

nlohmann::json event_to_json(const RoleEvent& event);
// nullopt when the document is not one event_to_json wrote.
std::optional<RoleEvent> event_from_json(const nlohmann::json& document);

}  // namespace rolewatch::rules
