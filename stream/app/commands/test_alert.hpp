#pragma once
// The synthetic alert `rolewatch test-alert` sends: a rolewatch.alert.v1
// document shaped like a real burst (so every sink formats it as it would an
// attack) but marked so no receiver can mistake it for one: `"test": true`,
// rule `rolewatch-test-alert`, a title that says so, and an actor and targets
// on the reserved example.invalid domain.
#include <nlohmann/json.hpp>
#include <string>

#include "rules/role_event.hpp"

namespace rolewatch::stream {

inline constexpr const char* kTestAlertRule = "rolewatch-test-alert";

// A new id each call (derived from `now` and `nonce`), so a receiver that
// deduplicates still takes a second test.
nlohmann::json make_test_alert(rules::EventTime now, const std::string& nonce);

bool is_test_alert(const nlohmann::json& document);

}  // namespace rolewatch::stream
