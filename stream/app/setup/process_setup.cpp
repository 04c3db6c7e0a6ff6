#include "stream/app/setup/process_setup.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <csignal>

namespace rolewatch::stream {

void ignore_sigpipe() {
  struct sigaction action {};
  action.sa_handler = SIG_IGN;
  sigemptyset(&action.sa_mask);
  sigaction(SIGPIPE, &action, nullptr);
}

bool forbid_core_dumps() {
  const rlimit none{0, 0};
  const bool limited = setrlimit(RLIMIT_CORE, &none) == 0;
  const bool undumpable = prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
  return limited && undumpable;
}

bool allow_huge_pages(bool allowed) {
  return prctl(PR_SET_THP_DISABLE, allowed ? 0 : 1, 0, 0, 0) == 0;
}

}  // namespace rolewatch::stream
