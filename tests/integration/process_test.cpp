// The process as its supervisor sees it (issue 12, "Process"; docs/design.md §4):
// every command-line or configuration error exits 2 (CLI11's own codes
// included), --help and --version exit 0, and output to a closed pipe is
// an error with a message and exit 1, not a silent death by SIGPIPE (141).
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "support/command.hpp"
#include "support/temp_dir.hpp"

extern char** environ;

using support::fixture;
using support::rolewatch_binary;
using support::run_shell;

namespace {

int exit_of(const std::string& args) {
  return run_shell(rolewatch_binary() + " " + args + " >/dev/null 2>&1").exit_code;
}

// Runs rolewatch with stdout on a pipe whose reading end is already closed;
// returns the raw wait status.
int status_with_closed_stdout(const std::vector<std::string>& args,
                              const std::string& stderr_file) {
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  ::close(fds[0]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  std::vector<std::string> all{rolewatch_binary()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : all) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

}  // namespace

TEST_CASE("every command-line error exits 2, help and version exit 0", "[process]") {
  CHECK(exit_of("--help") == 0);
  CHECK(exit_of("--version") == 0);
  CHECK(exit_of("replay --help") == 0);
  CHECK(exit_of("") == 2);                                // a subcommand is required
  CHECK(exit_of("no-such-command") == 2);                 // CLI11: 109 before
  CHECK(exit_of("replay --no-such-option x") == 2);       // CLI11: 109
  CHECK(exit_of("replay") == 2);                          // required argument missing: 106
  CHECK(exit_of("replay --batch-lines many x") == 2);     // conversion error: 105
  CHECK(exit_of("report nosuch --state-dir /tmp") == 2);  // validation error
  CHECK(exit_of("replay --max-line-bytes 0 x") == 2);
  CHECK(exit_of("run --config /nonexistent/rolewatch.yaml") == 2);
  CHECK(exit_of("replay /nonexistent/input.jsonl") == 2);
}

TEST_CASE("an out-of-range listen port is a configuration error, not a crash", "[process]") {
  support::TempDir dir;
  const auto config = dir.path() / "rolewatch.yaml";
  std::ofstream(config) << "source: {brokers: embedded, topic: t, group: g}\n"
                        << "state: {dir: " << (dir.path() / "state").string() << "}\n"
                        << "http: {listen: '127.0.0.1:99999999999999999999'}\n";
  auto check = run_shell(rolewatch_binary() + " check-config " + config.string());
  CHECK(check.exit_code == 2);
  CHECK_THAT(check.err + check.out, Catch::Contains("http.listen"));
  CHECK_THAT(check.err + check.out, !Catch::Contains("stol"));
}

TEST_CASE("replay to a closed pipe exits 1 with a message, not by SIGPIPE", "[process]") {
  support::TempDir dir;
  const auto err = (dir.path() / "stderr.txt").string();
  int status = status_with_closed_stdout({"replay", fixture("replay/lapsus-burst.jsonl")}, err);
  REQUIRE(WIFEXITED(status));  // not WIFSIGNALED(SIGPIPE)
  CHECK(WEXITSTATUS(status) == 1);
  std::ifstream in(err);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK_THAT(text, Catch::Contains("cannot write alerts to standard output"));
}

TEST_CASE("run makes itself non-dumpable before it reads any secret", "[process]") {
  support::TempDir dir;
  const auto config = dir.path() / "rolewatch.yaml";
  std::ofstream(config) << "source: {brokers: embedded, topic: t, group: g, partitions: 1}\n"
                        << "state: {dir: " << (dir.path() / "state").string() << "}\n";
  const auto log = (dir.path() / "run.log").string();
  // Start, wait for the run to be under way, read its limits, stop it.
  auto probe = run_shell(rolewatch_binary() + " run --config " + config.string() + " 2>" + log +
                         " & pid=$!; for i in $(seq 100); do grep -q 'joining group' " + log +
                         " && break; sleep 0.1; done; grep 'Max core file size' /proc/$pid/limits;"
                         " kill -TERM $pid; wait $pid");
  CHECK(probe.exit_code == 0);  // the run stopped cleanly on SIGTERM
  CHECK_THAT(probe.out, Catch::Matches("Max core file size\\s+0\\s+0\\s+bytes\\s*"));
}
