// End-to-end: `rolewatch state check` and `rolewatch state reset` on the
// state a replay leaves, damaged on purpose, then a replay on the reset
// state (docs/live-stream-and-recovery.md "Corrupt state").
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

#include "state/state_check.hpp"
#include "state/store.hpp"
#include "support/command.hpp"
#include "support/temp_dir.hpp"

using support::fixture;
using support::rolewatch_binary;
using support::run_shell;
namespace fs = std::filesystem;

namespace {

const std::string kInput = fixture("replay/lapsus-burst.jsonl");

support::CommandResult replay_into(const fs::path& dir) {
  return run_shell(rolewatch_binary() + " replay --state-dir " + dir.string() + " " + kInput);
}

support::CommandResult state_tool(const std::string& args) {
  return run_shell(rolewatch_binary() + " state " + args);
}

void flip_middle(const fs::path& file) {
  std::fstream io(file, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(io);
  const auto size = static_cast<std::streamoff>(fs::file_size(file));
  std::string bytes(32, '\0');
  io.seekg(size / 2);
  io.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  for (auto& byte : bytes) byte = static_cast<char>(~byte);
  io.seekp(size / 2);
  io.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The table file holding the actors' windows, as the check lists it.
fs::path windows_table(const fs::path& dir) {
  auto report = rolewatch::state::check_state(dir);
  REQUIRE(report);
  for (const auto& file : report->table_files) {
    if (file.family == "windows") return file.path;
  }
  FAIL("the replay left no table file for the windows");
  return {};
}

std::uint64_t outbox_keys(const fs::path& dir) {
  auto report = rolewatch::state::check_state(dir);
  REQUIRE(report);
  REQUIRE(report->clean());
  for (const auto& family : report->families) {
    if (family.name == "outbox") return family.keys;
  }
  return 0;
}

std::set<std::string> alert_ids(const std::string& out) {
  std::set<std::string> ids;
  for (const auto& line : support::lines_of(out)) {
    auto doc = nlohmann::json::parse(line);
    if (doc["schema"] == "rolewatch.alert.v1") ids.insert(doc["id"].get<std::string>());
  }
  return ids;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("state check exits 0 on a replay's state and 1 naming the file after damage",
          "[e2e][state-tools]") {
  support::TempDir temp;
  const auto dir = temp / "state";
  REQUIRE(replay_into(dir).exit_code == 0);

  auto clean = state_tool("check --state-dir " + dir.string());
  CHECK(clean.exit_code == 0);
  CHECK_THAT(clean.out, Catch::Contains("result: clean"));
  CHECK_THAT(clean.out, Catch::Contains("outbox"));

  const auto damaged = windows_table(dir);
  flip_middle(damaged);
  auto check = state_tool("check --state-dir " + dir.string());
  CHECK(check.exit_code == 1);
  // RocksDB's paranoid open or the block check, whichever reads it first,
  // names the file.
  CHECK_THAT(check.out, Catch::Contains("problem: ") && Catch::Contains(damaged.string()) &&
                            Catch::Contains("Corruption"));
  CHECK_THAT(check.out, Catch::Contains("windows"));
  CHECK_THAT(check.err, Catch::Contains("state reset --state-dir DIR --keep-outbox"));
}

TEST_CASE("state check and state reset without a state directory exit 2", "[e2e][state-tools]") {
  support::TempDir temp;
  auto check = state_tool("check --state-dir " + (temp / "missing").string());
  CHECK(check.exit_code == 2);
  CHECK_THAT(check.err, Catch::Contains("no state directory at"));
  auto reset = state_tool("reset --keep-outbox --state-dir " + (temp / "missing").string());
  CHECK(reset.exit_code == 2);
  CHECK(state_tool("check").exit_code == 2);  // --state-dir is required
  CHECK(state_tool("").exit_code == 2);       // check or reset is required
}

TEST_CASE("state reset refuses while another process has the state open", "[e2e][state-tools]") {
  support::TempDir temp;
  const auto dir = temp / "state";
  auto store = rolewatch::state::Store::open(dir);  // this test process holds the LOCK
  REQUIRE(store);
  auto reset = state_tool("reset --keep-outbox --state-dir " + dir.string());
  CHECK(reset.exit_code == 1);
  CHECK_THAT(reset.err, Catch::Contains("is in use"));
  CHECK(fs::exists(dir / "CURRENT"));
  auto check = state_tool("check --state-dir " + dir.string());
  CHECK(check.exit_code == 1);
  CHECK_THAT(check.err, Catch::Contains("is in use"));
}

TEST_CASE("state reset --keep-outbox keeps the undelivered alerts and a replay then works",
          "[e2e][state-tools]") {
  support::TempDir temp;
  const auto dir = temp / "state";
  auto first = replay_into(dir);
  REQUIRE(first.exit_code == 0);
  const auto alerts = alert_ids(first.out);
  REQUIRE(alerts.size() == 1);
  // Replay has no sinks: everything it printed is still in the outbox.
  const auto pending = outbox_keys(dir);
  REQUIRE(pending == support::lines_of(first.out).size());

  const auto damaged = windows_table(dir);
  flip_middle(damaged);
  const auto damaged_bytes = read_file(damaged);
  auto reset = state_tool("reset --keep-outbox --state-dir " + dir.string());
  REQUIRE(reset.exit_code == 0);
  CHECK_THAT(reset.out, Catch::Contains("kept " + std::to_string(pending) + " undelivered"));
  CHECK_THAT(reset.out, Catch::Contains("unreadable: 0 entries, 0 damaged region(s)"));

  // The damaged state is beside the new one, untouched.
  fs::path aside;
  for (const auto& entry : fs::directory_iterator(temp.path())) {
    if (entry.path().filename().string().starts_with("state.damaged-")) aside = entry.path();
  }
  REQUIRE_FALSE(aside.empty());
  CHECK_THAT(reset.out, Catch::Contains(aside.string()));
  CHECK(read_file(aside / damaged.filename()) == damaged_bytes);
  CHECK(state_tool("check --state-dir " + aside.string()).exit_code == 1);
  CHECK((fs::status(dir).permissions() & fs::perms::all) == fs::perms::owner_all);
  CHECK(outbox_keys(dir) == pending);

  // The same input again: windows rebuilt, the same alert, the kept ones
  // still there beside the new ones.
  auto again = replay_into(dir);
  REQUIRE(again.exit_code == 0);
  CHECK(alert_ids(again.out) == alerts);
  CHECK(outbox_keys(dir) == 2 * pending);
  CHECK(state_tool("check --state-dir " + dir.string()).exit_code == 0);
}

TEST_CASE("state reset moves aside a state that cannot be opened, keeping nothing, exit 0",
          "[e2e][state-tools]") {
  support::TempDir temp;
  const auto dir = temp / "state";
  REQUIRE(replay_into(dir).exit_code == 0);
  std::ofstream(dir / "CURRENT", std::ios::trunc) << "MANIFEST-999999\n";
  auto check = state_tool("check --state-dir " + dir.string());
  CHECK(check.exit_code == 1);
  CHECK_THAT(check.out, Catch::Contains("problem: open: cannot read the MANIFEST"));

  auto reset = state_tool("reset --keep-outbox --state-dir " + dir.string());
  CHECK(reset.exit_code == 0);
  CHECK_THAT(reset.out, Catch::Contains("kept 0 undelivered alert(s)"));
  CHECK_THAT(reset.out, Catch::Contains("unreadable: no alert could be read"));
  CHECK(state_tool("check --state-dir " + dir.string()).exit_code == 0);
}
