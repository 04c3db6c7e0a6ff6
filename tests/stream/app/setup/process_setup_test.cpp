// Process setup (stream/app/setup/process_setup.hpp), each in a forked child so
// the test process keeps its own settings: no core dumps and not dumpable
// after forbid_core_dumps(); a write to a closed pipe fails with EPIPE
// instead of killing the process after ignore_sigpipe(); transparent huge
// pages off and on again with allow_huge_pages().
#include "stream/app/setup/process_setup.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <functional>

using namespace rolewatch::stream;

namespace {

// The child's exit status, or 128 + signal when a signal ended it.
int in_child(const std::function<int()>& body) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("a process that forbids core dumps is not dumpable and has no core limit", "[process]") {
  CHECK(in_child([] {
          if (!forbid_core_dumps()) return 2;
          rlimit core{};
          ::getrlimit(RLIMIT_CORE, &core);
          return ::prctl(PR_GET_DUMPABLE) == 0 && core.rlim_cur == 0 && core.rlim_max == 0 ? 0 : 1;
        }) == 0);
}

TEST_CASE("with SIGPIPE ignored a write to a closed pipe is an EPIPE error", "[process]") {
  CHECK(in_child([] {
          ignore_sigpipe();
          int fds[2];
          if (::pipe(fds) != 0) return 2;
          ::close(fds[0]);
          const bool failed = ::write(fds[1], "x", 1) < 0 && errno == EPIPE;
          return failed ? 0 : 1;
        }) == 0);
  CHECK(in_child([] {  // without it, the process dies of SIGPIPE (what finding 9 saw)
          ::signal(SIGPIPE, SIG_DFL);  // whatever the shell that started the tests set
          int fds[2];
          if (::pipe(fds) != 0) return 2;
          ::close(fds[0]);
          (void)::write(fds[1], "x", 1);
          return 0;
        }) == 128 + SIGPIPE);
}

TEST_CASE("huge pages are refused and allowed again for the whole process", "[process]") {
  CHECK(in_child([] {
          if (!allow_huge_pages(false) || ::prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) != 1) return 1;
          if (!allow_huge_pages(true) || ::prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) != 0) return 2;
          return 0;
        }) == 0);
}
