// A full disk, for real (issue 12, "Disk full and write failures"; docs/security.md):
// a tmpfs of a few MB holds the state or the alerts file. Replay stops with
// exit 1 and the cause (never SIGABRT inside RocksDB), the state opens
// again once space returns and a second replay loses and repeats no alert;
// the file sink leaves only whole lines and writes a line once on retry.
// Needs CAP_SYS_ADMIN to mount; elsewhere these tests say why and skip.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "state/store.hpp"
#include "stream/delivery/sinks/sink_factory.hpp"
#include "support/command.hpp"
#include "support/delivery_fixtures.hpp"
#include "support/temp_dir.hpp"
#include "support/tmpfs.hpp"

using namespace rolewatch;
using namespace rolewatch::stream;
using support::rolewatch_binary;
using support::run_shell;

namespace {

// 20,000 counted removals by 15,000 actors in random order (~32 MB):
// enough state to fill a 4 MB volume, a few hundred alerts.
// Made once per test run, in a directory that lives as long as the process.
const std::string& removal_stream() {
  static support::TempDir dir;
  static std::string path;
  if (!path.empty()) return path;
  path = (dir.path() / "removals.jsonl").string();
  auto made = run_shell("python3 " + support::fixture("../bench/generate_audit.py") +
                        " --records 20000 --role-share 1.0 --role-mix removals --actors 15000"
                        " --actor-order random > " +
                        path);
  if (made.exit_code != 0) throw std::runtime_error("generate_audit.py failed: " + made.err);
  return path;
}

// "<id> <revision>" of every alert a replay printed.
std::set<std::string> alert_revisions(const std::string& out) {
  std::set<std::string> seen;
  for (const auto& line : support::lines_of(out)) {
    auto doc = nlohmann::json::parse(line);
    if (doc["schema"] != "rolewatch.alert.v1") continue;
    seen.insert(doc["id"].get<std::string>() + " " + std::to_string(doc["revision"].get<int>()));
  }
  return seen;
}

Expected<std::unique_ptr<Sink>> file_sink(const std::filesystem::path& path,
                                          const std::string& more_keys = "") {
  auto yaml = "{path: " + path.string() + more_keys + "}";
  return make_sink(support::sink_config("file", "file", YAML::Load(yaml)), ConfigContext{});
}

// One small alert through the sink: delivered or not.
bool deliver_small(Sink& sink) {
  const auto alert = nlohmann::json{{"id", "a1"}};
  const auto body = alert.dump();
  return sink.deliver({alert, body, "a1"}).kind == DeliveryOutcome::Kind::delivered;
}

mode_t mode_of(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

std::unique_ptr<support::Tmpfs> mount_or_skip(std::uint64_t size_mb) {
  std::string why;
  auto tmpfs = support::Tmpfs::make(size_mb, why);
  if (!tmpfs) WARN("skipped: " << why);
  return tmpfs;
}

}  // namespace

TEST_CASE("replay on a full state volume exits 1 with the cause and loses no alert after",
          "[disk_full]") {
  const auto& input = removal_stream();
  auto tmpfs = mount_or_skip(4);
  if (!tmpfs) return;
  const auto state = (tmpfs->path() / "state").string();
  const auto replay = rolewatch_binary() + " replay --min-free-mb 0 --state-dir " + state + " ";

  auto full = run_shell(replay + input);
  CHECK(full.exit_code == 1);  // not 134 (SIGABRT)
  CHECK_THAT(full.err, Catch::Contains("No space left on device"));
  CHECK_THAT(full.err, !Catch::Contains("Assertion"));

  tmpfs->resize(256);
  auto again = run_shell(replay + input);
  REQUIRE(again.exit_code == 0);
  auto whole = run_shell(rolewatch_binary() + " replay " + input);
  REQUIRE(whole.exit_code == 0);

  auto before = alert_revisions(full.out);
  auto after = alert_revisions(again.out);
  for (const auto& revision : before) CHECK(after.count(revision) == 0);  // none repeated
  after.insert(before.begin(), before.end());
  CHECK(after == alert_revisions(whole.out));  // none lost
  CHECK(alert_revisions(whole.out).size() > 100);
}

TEST_CASE("replay stops at the free-space reserve before the volume is full", "[disk_full]") {
  const auto& input = removal_stream();
  auto tmpfs = mount_or_skip(16);
  if (!tmpfs) return;
  auto run = run_shell(rolewatch_binary() + " replay --min-free-mb 12 --state-dir " +
                       (tmpfs->path() / "state").string() + " " + input);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains("below its reserve of 12 MiB"));
  CHECK_THAT(run.err, !Catch::Contains("No space left"));
  CHECK(tmpfs->available_bytes() > (8u << 20));
}

TEST_CASE("the file sink leaves whole lines on a full disk and writes the line once on retry",
          "[disk_full]") {
  auto tmpfs = mount_or_skip(1);
  if (!tmpfs) return;
  const auto path = tmpfs->path() / "alerts.jsonl";
  auto sink = file_sink(path);
  REQUIRE(sink);
  const auto alert = nlohmann::json{{"id", "a1"}, {"text", std::string(6000, 'x')}};
  const auto body = alert.dump();
  DeliveryRequest request{alert, body, "a1"};

  REQUIRE((*sink)->deliver(request).kind == DeliveryOutcome::Kind::delivered);
  tmpfs->fill_leaving(2000);  // less than one line
  auto refused = (*sink)->deliver(request);
  CHECK(refused.kind == DeliveryOutcome::Kind::retry);
  CHECK_THAT(refused.detail, Catch::Contains("No space left on device"));
  CHECK(std::filesystem::file_size(path) == body.size() + 1);  // no partial line

  tmpfs->remove_filler();
  REQUIRE((*sink)->deliver(request).kind == DeliveryOutcome::Kind::delivered);
  std::ifstream in(path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    CHECK(line == body);
    ++lines;
  }
  CHECK(lines == 2);  // the first delivery and the retried one, each whole, once
}

TEST_CASE("a new state directory and alerts file are private to their owner", "[disk_full]") {
  support::TempDir scratch;
  const auto state = scratch.path() / "new-state";
  auto run = run_shell(rolewatch_binary() + " replay --state-dir " + state.string() + " " +
                       support::fixture("replay/lapsus-burst.jsonl"));
  REQUIRE(run.exit_code == 0);
  CHECK((std::filesystem::status(state).permissions() & std::filesystem::perms::all) ==
        std::filesystem::perms::owner_all);

  const auto path = scratch.path() / "alerts.jsonl";
  auto sink = file_sink(path);
  REQUIRE(sink);
  REQUIRE(deliver_small(**sink));
  CHECK(mode_of(path) == 0600);
}

TEST_CASE("a store whose write failed on a full volume recovers once space returns",
          "[disk_full]") {
  auto tmpfs = mount_or_skip(24);
  if (!tmpfs) return;
  const auto dir = tmpfs->path() / "state";
  const std::string value(1u << 20, 'v');
  {
    auto store = state::Store::open(dir);
    REQUIRE(store);
    tmpfs->fill_leaving(2u << 20);
    Status written = ok();
    int stored = 0;
    // The write-ahead log's preallocation takes the first megabytes.
    for (; stored < 64 && written; ++stored) {
      auto batch = (*store)->make_batch();
      batch.put(state::Family::meta, "key" + std::to_string(stored), value);
      written = (*store)->write(batch);
    }
    REQUIRE_FALSE(written);
    CHECK_THAT(written.error().message, Catch::Contains("No space left on device"));
    CHECK_FALSE((*store)->recover());  // still full: RocksDB refuses, no abort

    tmpfs->remove_filler();
    // RocksDB's own recovery of a full disk may be under way ("busy"): the
    // run loop retries each second, as here.
    auto recovered = (*store)->recover();
    for (int i = 0; i < 300 && !recovered; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      recovered = (*store)->recover();
    }
    INFO((recovered ? std::string() : recovered.error().message));
    REQUIRE(recovered);
    auto batch = (*store)->make_batch();
    batch.put(state::Family::meta, "after", "recovered");
    REQUIRE((*store)->write(batch));
  }
  auto reopened = state::Store::open(dir);
  REQUIRE(reopened);
  auto after = (*reopened)->get(state::Family::meta, "after");
  REQUIRE(after);
  CHECK(after->value_or("") == "recovered");
  auto first = (*reopened)->get(state::Family::meta, "key0");
  REQUIRE(first);
  CHECK(first->has_value());
}

TEST_CASE("the file sink's mode key sets the new file's permissions and refuses nonsense",
          "[disk_full]") {
  support::TempDir scratch;
  const auto path = scratch.path() / "shared.jsonl";
  auto sink = file_sink(path, ", mode: '0640'");
  REQUIRE(sink);
  REQUIRE(deliver_small(**sink));
  CHECK(mode_of(path) == 0640);
  for (const char* bad : {"'999'", "'rw-r-----'", "'07777'", "'64'"}) {
    auto refused = file_sink(path, std::string(", mode: ") + bad);
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.error().message, Catch::Contains("mode"));
  }
}
