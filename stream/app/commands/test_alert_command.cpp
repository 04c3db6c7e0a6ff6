#include "stream/app/commands/test_alert_command.hpp"

#include <unistd.h>

#include <chrono>
#include <iostream>

#include "state/base/time.hpp"
#include "stream/app/commands/test_alert.hpp"
#include "stream/app/setup/checked_config.hpp"

namespace rolewatch::stream {
namespace {

// Alertmanager holds a test alert this long, not the hour a real one gets.
constexpr auto kTestAlertActiveFor = std::chrono::minutes(5);

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown-host";
  return name;
}

std::string outcome_text(const DeliveryOutcome& outcome) {
  auto status = "HTTP " + std::to_string(outcome.http_status);
  // The status once: sinks' details often say it already.
  auto with_status = [&](const std::string& text) {
    if (outcome.http_status == 0 || text.find(status) != std::string::npos) return text;
    return text + " (" + status + ")";
  };
  switch (outcome.kind) {
    case DeliveryOutcome::Kind::delivered:
      return with_status("delivered");
    case DeliveryOutcome::Kind::retry:
      return "failed: " + with_status(outcome.detail) + " (transient: the sidecar would retry)";
    case DeliveryOutcome::Kind::permanent:
      return "failed: " + with_status(outcome.detail) + " (rejected: the sidecar would not retry)";
    case DeliveryOutcome::Kind::skipped:
      return "failed: the sink sent nothing: " + outcome.detail;
  }
  return "failed";
}

// Sinks must not throw (sink.hpp); one that does is a failed test, not a crash.
DeliveryOutcome deliver_once(Sink& sink, const nlohmann::json& alert, const std::string& body) {
  const auto id = alert.value("id", "");
  DeliveryRequest request{
      alert, body, id, 1, std::chrono::system_clock::now() + kTestAlertActiveFor, nullptr};
  try {
    return sink.deliver(request);
  } catch (const std::exception& e) {
    return DeliveryOutcome::reject(std::string("the sink failed unexpectedly: ") + e.what());
  }
}

std::string sink_names(const std::vector<std::unique_ptr<Sink>>& sinks) {
  std::string names;
  for (const auto& sink : sinks) names += (names.empty() ? "" : ", ") + sink->name();
  return names;
}

}  // namespace

int test_alert_command(const TestAlertOptions& options, std::ostream& out) {
  auto checked = load_checked_config(options.config_file);
  if (!checked) {
    std::cerr << "rolewatch: invalid configuration: " << checked.error().message << '\n';
    return exit_status(ExitCode::usage);
  }
  auto& sinks = checked->sinks;
  if (sinks.empty()) {
    std::cerr << "rolewatch: " << options.config_file.string() << " configures no sinks\n";
    return exit_status(ExitCode::usage);
  }
  if (options.sink) {
    const auto configured = sink_names(sinks);
    std::erase_if(sinks, [&](const auto& sink) { return sink->name() != *options.sink; });
    if (sinks.empty()) {
      std::cerr << "rolewatch: no sink named " << *options.sink << " (configured: " << configured
                << ")\n";
      return exit_status(ExitCode::usage);
    }
  }
  const auto alert = make_test_alert(state::wall_clock_now(), host_name());
  const auto body = alert.dump();
  bool all_delivered = true;
  for (const auto& sink : sinks) {
    auto outcome = deliver_once(*sink, alert, body);
    all_delivered = all_delivered && outcome.kind == DeliveryOutcome::Kind::delivered;
    out << sink->name() << " (" << sink->type() << ", " << sink->describe()
        << "): " << outcome_text(outcome) << '\n';
  }
  out.flush();
  return exit_status(all_delivered ? ExitCode::ok : ExitCode::failure);
}

}  // namespace rolewatch::stream
