#include "stream/app/commands/broker_command.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "stream/runtime/stop_signal.hpp"
#include "stream/source/kafka/embedded_broker.hpp"

namespace rolewatch::stream {

int broker_command(int partitions, const std::string& topic) {
  install_stop_signal_handlers();
  auto broker = EmbeddedBroker::start(topic, partitions);
  if (!broker) {
    spdlog::error("{}", broker.error().message);
    return exit_status(ExitCode::failure);
  }
  // First line of stdout, flushed, so a parent process or script can read it.
  std::printf("%s\n", (*broker)->bootstrap().c_str());
  std::fflush(stdout);
  spdlog::info("embedded broker listening on {} (topic {}, {} partitions); stop with Ctrl-C",
               (*broker)->bootstrap(), topic, partitions);
  spdlog::info("embedded broker: {}", embedded_retention_text());
  while (!wait_for_stop(std::chrono::seconds(3600))) {
  }
  spdlog::info("embedded broker stopped");
  return exit_status(ExitCode::ok);
}

}  // namespace rolewatch::stream
