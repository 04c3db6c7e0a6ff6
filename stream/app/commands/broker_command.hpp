#pragma once
// `rolewatch broker [--partitions N] [--topic NAME]`: the embedded broker
// (librdkafka's mock cluster) standalone until SIGTERM/SIGINT; its bootstrap
// address is the first line on stdout, for kcat or a second rolewatch.
#include <string>

namespace rolewatch::stream {

int broker_command(int partitions, const std::string& topic);

}  // namespace rolewatch::stream
