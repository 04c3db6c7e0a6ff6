// The demo's summary counts alerts once per id, their revisions, and labelled
// activations apart (it once said "4 alert(s)" for one alert and three
// activations); and the synthetic test alert is marked as such.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "stream/app/commands/demo_command.hpp"
#include "stream/app/commands/test_alert.hpp"

using namespace rolewatch::stream;

TEST_CASE("the demo counts alerts by id, revisions and activations separately", "[demo]") {
  const std::vector<std::string> outbox = {
      R"({"schema":"rolewatch.activation.v1","auditId":"a1"})",
      R"({"schema":"rolewatch.alert.v1","id":"burst-1","revision":1})",
      R"({"schema":"rolewatch.activation.v1","auditId":"a2"})",
      R"({"schema":"rolewatch.alert.v1","id":"burst-1","revision":2})",
      R"({"schema":"rolewatch.alert.v1","id":"activation-alert-1"})",
      R"({"schema":"rolewatch.activation.v1","auditId":"a3"})",
      "not json",
  };
  auto counts = count_outbox_documents(outbox);
  CHECK(counts.alerts == 2);
  CHECK(counts.alert_revisions == 3);
  CHECK(counts.activations == 3);
  CHECK(demo_summary(counts) == "demo: 2 alert(s) in 3 revision(s), 3 labelled PIM activation(s)");
  auto none = count_outbox_documents({R"({"schema":"rolewatch.activation.v1"})"});
  CHECK(none.alerts == 0);
  CHECK(none.activations == 1);
}

TEST_CASE("the test alert is a rolewatch.alert.v1 burst marked test, with a new id each time",
          "[test-alert]") {
  auto first = make_test_alert(1'700'000'000'000'000, "host-a");
  auto second = make_test_alert(1'700'000'000'000'001, "host-a");
  CHECK(first["schema"] == "rolewatch.alert.v1");
  CHECK(is_test_alert(first));
  CHECK(first["id"] != second["id"]);
  CHECK(first["status"] == "firing");
  CHECK(first["revision"] == 1);
  CHECK(first["count"] == first["removals"].size());
  CHECK(first["severity"] == "info");
  CHECK(first["firstSeen"] == "2023-11-14T22:13:20.000000Z");
  auto real = first;
  real.erase("test");
  CHECK_FALSE(is_test_alert(real));
}
