#pragma once
// Judges one `rolewatch rules test` case: the documents the pipeline wrote
// (alerts with their revisions, labelled activations) against the case's
// expectations, field by field for the fields stated. The result is the
// diff, one line each: "- expected ..." that nothing matched, "+ actual ..."
// that no expectation claimed. Empty means the case passed.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stream/app/rules_test/rules_test_cases.hpp"

namespace rolewatch::stream {

// Alerts are compared per id (its last revision, and how many there were);
// expected alerts, in order, each take the first unclaimed alert that fits.
// A case that lists alerts (or expect_no_alerts) lists all of them; the same
// for activations when given. Record text is escaped: one line per entry.
std::vector<std::string> compare_case(const RuleTestCase& test,
                                      const std::vector<nlohmann::json>& documents);

}  // namespace rolewatch::stream
