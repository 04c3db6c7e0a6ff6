#pragma once
// The `rolewatch` command line: subcommands and their options.
namespace rolewatch::stream {

int run_cli(int argc, char** argv);

}  // namespace rolewatch::stream
