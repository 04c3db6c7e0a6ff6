// rolewatch: the executable is only the command line; everything else lives
// in the stream, rules and state libraries.
#include <exception>
#include <iostream>

#include "stream/cli.hpp"

int main(int argc, char** argv) {
  try {
    return rolewatch::stream::run_cli(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "rolewatch: fatal: " << e.what() << '\n';
    return 1;
  }
}
