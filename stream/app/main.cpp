// rolewatch: the executable is only the command line; everything else lives
// in the stream, rules and state libraries.
#include <malloc.h>

#include <exception>
#include <iostream>

#include "stream/app/cli.hpp"
#include "stream/app/setup/process_setup.hpp"

// jemalloc's settings, read when it starts (MALLOC_CONF in the environment
// still overrides them); an unused global when built without it. One arena
// (each thread keeps its own cache in front of it) and freed pages returned
// within half a second: a replay of 50% role events peaked at 208 MB with
// jemalloc's defaults and at 136 MB with these, at the same speed
// (docs/benchmarks.md, "Issue 14, the state read ahead"). Transparent huge
// pages asked for (where the kernel's mode is madvise or always), used only
// where a command allows them (allow_huge_pages): a page fault costs ~13 us
// on a virtual machine, and a 400 MB replay took 2,000 faults fewer
// (docs/benchmarks.md, "Issue 14, page faults").
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's interface
const char* malloc_conf = "narenas:1,dirty_decay_ms:500,muzzy_decay_ms:0,thp:always";
}

int main(int argc, char** argv) {
  // Without jemalloc: glibc gives each thread that allocates (librdkafka's,
  // RocksDB's, the HTTP server's) its own arena, and freed batch memory
  // stays in them: two arenas keep the resident set bounded at no
  // measurable cost.
  mallopt(M_ARENA_MAX, 2);
  rolewatch::stream::ignore_sigpipe();
  rolewatch::stream::allow_huge_pages(false);  // advice: a kernel without THP has none anyway
  try {
    return rolewatch::stream::run_cli(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "rolewatch: fatal: " << e.what() << '\n';
    return 1;
  }
}
