// rolewatch: the executable is only the command line; everything else lives
// in the stream, rules and state libraries.
#include <malloc.h>

#include <exception>
#include <iostream>

#include "stream/app/cli.hpp"
#include "stream/app/setup/process_setup.hpp"

int main(int argc, char** argv) {
  // glibc gives each thread that allocates (librdkafka's, RocksDB's, the
  // HTTP server's) its own arena, and freed batch memory stays in them: two
  // arenas keep the resident set bounded at no measurable cost.
  mallopt(M_ARENA_MAX, 2);
  rolewatch::stream::ignore_sigpipe();
  try {
    return rolewatch::stream::run_cli(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "rolewatch: fatal: " << e.what() << '\n';
    return 1;
  }
}
