// The state tools (state/state_check, state/state_reset): damage is found
// and named, undelivered alerts survive a reset, nothing is ever deleted,
// and a state in use is left alone.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include "state/delivery_record.hpp"
#include "state/group_window.hpp"
#include "state/keys.hpp"
#include "state/outbox_store.hpp"
#include "state/state_check.hpp"
#include "state/state_reset.hpp"
#include "state/store.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;
using namespace rolewatch::state;
namespace fs = std::filesystem;

namespace {

// Hex from a fixed generator: barely compressible, so that a few hundred
// alerts fill many data blocks.
std::string noise(std::size_t bytes, std::uint64_t seed) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    seed = seed * 6364136223846793005u + 1442695040888963407u;
    out.push_back(kHex[(seed >> 59) & 0xf]);
  }
  return out;
}

std::string alert_json(std::uint64_t sequence, std::size_t padding = 0) {
  return R"({"schema":"rolewatch.alert.v1","id":"alert-)" + std::to_string(sequence) +
         R"(","pad":")" + noise(padding, sequence) + R"("})";
}

// Writes alerts 1..count into the outbox and the outbox sequence into meta.
void write_outbox(Store& store, std::uint64_t count, std::size_t padding = 0) {
  auto batch = store.make_batch();
  for (std::uint64_t sequence = 1; sequence <= count; ++sequence) {
    batch.put(Family::outbox, keys::outbox_key(sequence), alert_json(sequence, padding));
  }
  batch.put(Family::meta, keys::kOutboxSequence, encode_be64(count));
  REQUIRE(store.write(batch));
}

void flip_middle(const fs::path& file) {
  std::fstream io(file, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(io);
  const auto size = static_cast<std::streamoff>(fs::file_size(file));
  std::string bytes(64, '\0');
  io.seekg(size / 2);
  io.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  for (auto& byte : bytes) byte = static_cast<char>(~byte);
  io.seekp(size / 2);
  io.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The largest table file of a family, found by the check itself.
fs::path table_file_of(const fs::path& dir, std::string_view family) {
  auto report = check_state(dir);
  REQUIRE(report);
  fs::path largest;
  std::uint64_t bytes = 0;
  for (const auto& file : report->table_files) {
    if (file.family == family && file.bytes > bytes) {
      largest = file.path;
      bytes = file.bytes;
    }
  }
  REQUIRE_FALSE(largest.empty());
  return largest;
}

ResetOptions reset_options(bool keep_outbox, std::optional<bool> in_place = std::nullopt) {
  ResetOptions options;
  options.keep_outbox = keep_outbox;
  options.now = std::chrono::sys_days{std::chrono::year{2025} / 3 / 4} + std::chrono::hours{8};
  options.in_place = in_place;
  return options;
}

const FamilyCheck& family_in(const CheckReport& report, std::string_view name) {
  for (const auto& family : report.families) {
    if (family.name == name) return family;
  }
  FAIL("no family " << name);
  throw std::logic_error("unreachable");
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("state check reads every key of every family of an intact state and finds nothing",
          "[state-tools]") {
  support::TempDir dir;
  {
    auto store = Store::open(dir.path());
    REQUIRE(store);
    write_outbox(**store, 3);
    GroupWindow window;
    window.entries.resize(2);
    auto batch = (*store)->make_batch();
    batch.put(Family::windows, "rule/actor", encode_group_window(window));
    batch.put(Family::offsets, Store::offset_key("audit", 0), encode_be64(7));
    REQUIRE((*store)->write(batch));
  }
  auto report = check_state(dir.path());
  REQUIRE(report);
  CHECK(report->clean());
  CHECK(report->opened);
  CHECK(report->families.size() == kFamilyCount + 1);  // and RocksDB's default family
  CHECK(family_in(*report, "outbox").keys == 3);
  CHECK(family_in(*report, "windows").keys == 1);
  CHECK(family_in(*report, "offsets").keys == 1);
  CHECK(family_in(*report, "meta").keys == 1);
  CHECK_FALSE(report->table_files.empty());  // closing the store flushed its memtables
}

TEST_CASE("state check names the table file with a damaged block", "[state-tools]") {
  support::TempDir dir;
  {
    auto store = Store::open(dir.path());
    REQUIRE(store);
    write_outbox(**store, 300, 1000);
  }
  const auto damaged = table_file_of(dir.path(), "outbox");
  flip_middle(damaged);

  auto report = check_state(dir.path());
  REQUIRE(report);
  CHECK_FALSE(report->clean());
  bool named = false;
  for (const auto& problem : report->problems) {
    if (problem.where == damaged.string()) {
      named = true;
      CHECK_THAT(problem.what, Catch::Contains("outbox") && Catch::Contains("Corruption"));
    }
  }
  CHECK(named);
  for (const auto& file : report->table_files) CHECK(file.ok == (file.path != damaged));
  CHECK(family_in(*report, "outbox").read_error);
  CHECK_FALSE(family_in(*report, "meta").read_error);
}

TEST_CASE("state check counts the values rolewatch cannot decode", "[state-tools]") {
  support::TempDir dir;
  {
    auto store = Store::open(dir.path());
    REQUIRE(store);
    auto batch = (*store)->make_batch();
    batch.put(Family::windows, "rule/a", "not a window");
    batch.put(Family::windows, "rule/b", encode_group_window(GroupWindow{}));
    batch.put(Family::outbox, keys::outbox_key(1), "{\"id\":");
    batch.put(Family::deliveries, delivery_key(1, "teams"), "\xff\xff");
    batch.put(Family::offsets, Store::offset_key("audit", 1), "abc");
    REQUIRE((*store)->write(batch));
  }
  auto report = check_state(dir.path());
  REQUIRE(report);
  CHECK(family_in(*report, "windows").undecodable == 1);
  CHECK(family_in(*report, "windows").keys == 2);
  CHECK(family_in(*report, "outbox").undecodable == 1);
  CHECK(family_in(*report, "deliveries").undecodable == 1);
  CHECK(family_in(*report, "offsets").undecodable == 1);
  REQUIRE(report->problems.size() == 4);
  CHECK(report->problems[0].where.starts_with("family "));
  CHECK_THAT(report->problems[0].what, Catch::Contains("cannot decode"));
}

TEST_CASE("state check accepts the logs a crash leaves and reports a damaged log record",
          "[state-tools]") {
  support::TempDir dir;
  const auto live = dir / "live";
  const auto image = dir / "crash-image";
  {
    auto store = Store::open(live);
    REQUIRE(store);
    for (int i = 0; i < 20; ++i) {
      auto batch = (*store)->make_batch();
      batch.put(Family::activations, "r/" + std::to_string(i), noise(4000, i));
      REQUIRE((*store)->write(batch));
    }
    // What a kill -9 leaves: the batches only in the (synced) write-ahead log.
    fs::copy(live, image, fs::copy_options::recursive);
  }
  auto intact = check_state(image);
  REQUIRE(intact);
  for (const auto& problem : intact->problems) UNSCOPED_INFO(problem.where << ": " << problem.what);
  CHECK(intact->clean());
  CHECK(family_in(*intact, "activations").keys == 20);

  fs::path log;
  for (const auto& entry : fs::directory_iterator(image)) {
    if (entry.path().extension() == ".log" && entry.file_size() > 40000) log = entry.path();
  }
  REQUIRE_FALSE(log.empty());
  // A last record cut short, as a crash in the middle of a write leaves it.
  const auto torn = dir / "torn-image";
  fs::copy(image, torn, fs::copy_options::recursive);
  fs::resize_file(torn / log.filename(), fs::file_size(log) - 100);
  auto torn_check = check_state(torn);
  REQUIRE(torn_check);
  CHECK(torn_check->clean());
  CHECK(family_in(*torn_check, "activations").keys == 19);

  flip_middle(log);
  auto damaged = check_state(image);
  REQUIRE(damaged);
  CHECK(damaged->opened);  // as a salvage would, skipping the damaged record
  REQUIRE(damaged->problems.size() == 1);
  CHECK(damaged->problems[0].where == "open");
  CHECK_THAT(damaged->problems[0].what, Catch::Contains("Corruption"));
}

TEST_CASE("the state tools refuse a missing directory and one that holds no state",
          "[state-tools]") {
  support::TempDir dir;
  auto missing = check_state(dir / "nothing-here");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::not_found);
  CHECK_THAT(missing.error().message, Catch::Contains("no state directory"));

  std::ofstream(dir / "notes.txt") << "not a database";
  auto foreign = check_state(dir.path());
  REQUIRE_FALSE(foreign);
  CHECK(foreign.error().code == ErrorCode::invalid_argument);
  auto reset = reset_state(dir.path(), reset_options(true));
  REQUIRE_FALSE(reset);
  CHECK(reset.error().code == ErrorCode::invalid_argument);
  CHECK(fs::exists(dir / "notes.txt"));  // never moved
}

TEST_CASE("the state tools refuse a state that a store has open", "[state-tools]") {
  support::TempDir dir;
  auto store = Store::open(dir.path());
  REQUIRE(store);
  auto check = check_state(dir.path());
  REQUIRE_FALSE(check);
  CHECK(check.error().code == ErrorCode::failure);
  CHECK_THAT(check.error().message, Catch::Contains("in use"));
  auto reset = reset_state(dir.path(), reset_options(true));
  REQUIRE_FALSE(reset);
  CHECK_THAT(reset.error().message, Catch::Contains("in use"));
  CHECK(fs::exists(dir.path() / "CURRENT"));
}

TEST_CASE("state reset without keeping the outbox only moves the directory aside",
          "[state-tools]") {
  support::TempDir dir;
  const auto state_dir = dir / "state";
  { REQUIRE(Store::open(state_dir)); }
  auto report = reset_state(state_dir, reset_options(false, false));
  REQUIRE(report);
  CHECK(report->moved_to == dir / "state.damaged-20250304T080000Z");
  CHECK_FALSE(report->fresh_state);
  CHECK_FALSE(fs::exists(state_dir));
  CHECK(fs::exists(report->moved_to / "CURRENT"));

  // A second reset in the same second gets its own name.
  { REQUIRE(Store::open(state_dir)); }
  auto again = reset_state(state_dir.string() + "/", reset_options(false, false));
  REQUIRE(again);
  CHECK(again->moved_to == dir / "state.damaged-20250304T080000Z-2");
}

TEST_CASE("state reset keeps every readable undelivered alert, its delivery records and sequence",
          "[state-tools]") {
  support::TempDir dir;
  const auto state_dir = dir / "state";
  {
    auto store = Store::open(state_dir);
    REQUIRE(store);
    write_outbox(**store, 3);
    DeliveryRecord delivered;
    delivered.state = DeliveryState::delivered;
    auto batch = (*store)->make_batch();
    batch.put(Family::outbox, keys::outbox_key(4), "{truncated");
    batch.put(Family::meta, keys::kOutboxSequence, encode_be64(9));
    batch.put(Family::deliveries, delivery_key(2, "teams"), encode_delivery_record(delivered));
    batch.put(Family::windows, "rule/actor", encode_group_window(GroupWindow{}));
    REQUIRE((*store)->write(batch));
  }
  auto report = reset_state(state_dir, reset_options(true));
  REQUIRE(report);
  CHECK(report->fresh_state);
  CHECK(report->kept == 3);
  CHECK(report->unreadable == 1);
  CHECK(report->delivery_records == 1);
  CHECK(report->read_errors.empty());
  CHECK(fs::exists(report->moved_to / "CURRENT"));
  CHECK((fs::status(state_dir).permissions() & fs::perms::all) == fs::perms::owner_all);

  auto store = Store::open(state_dir);
  REQUIRE(store);
  OutboxStore outbox(**store, {"teams"});
  auto loaded = outbox.load(0, 100);
  REQUIRE(loaded);
  REQUIRE(loaded->alerts.size() == 3);
  CHECK(loaded->alerts[0].id == "alert-1");
  CHECK(loaded->alerts[1].records[0].state == DeliveryState::delivered);
  CHECK(loaded->alerts[2].records[0].state == DeliveryState::pending);
  // New alerts continue after the old sequence instead of overwriting kept ones.
  auto sequence = (*store)->get(Family::meta, keys::kOutboxSequence);
  REQUIRE(sequence);
  REQUIRE(sequence->has_value());
  CHECK(decode_be64(**sequence) == 9);
  auto window = (*store)->get(Family::windows, "rule/actor");
  REQUIRE(window);
  CHECK_FALSE(window->has_value());  // windows come back from the stream
}

TEST_CASE("state reset steps over a damaged outbox block and keeps the alerts around it",
          "[state-tools]") {
  support::TempDir dir;
  const auto state_dir = dir / "state";
  {
    auto store = Store::open(state_dir);
    REQUIRE(store);
    write_outbox(**store, 300, 1000);
  }
  const auto damaged = table_file_of(state_dir, "outbox");
  const auto damaged_bytes = read_file(damaged);
  flip_middle(damaged);
  const auto flipped_bytes = read_file(damaged);

  auto report = reset_state(state_dir, reset_options(true));
  REQUIRE(report);
  CHECK(report->kept > 250);
  CHECK(report->kept < 300);
  REQUIRE(report->read_errors.size() == 1);
  CHECK_THAT(report->read_errors[0],
             Catch::StartsWith("outbox sequences ") && Catch::Contains("Corruption"));
  // The damaged file is where it was moved, byte for byte.
  CHECK(read_file(report->moved_to / damaged.filename()) == flipped_bytes);
  CHECK(flipped_bytes != damaged_bytes);

  auto store = Store::open(state_dir);
  REQUIRE(store);
  auto loaded = OutboxStore(**store, {}).load(0, 1000);
  REQUIRE(loaded);
  CHECK(loaded->alerts.size() == report->kept);
  CHECK(loaded->alerts.front().sequence == 1);
  CHECK(loaded->alerts.back().sequence == 300);
  auto sequence = (*store)->get(Family::meta, keys::kOutboxSequence);
  REQUIRE(sequence);
  REQUIRE(sequence->has_value());
  CHECK(decode_be64(**sequence) == 300);
}

TEST_CASE("state reset moves aside a state that cannot be opened at all, keeping nothing",
          "[state-tools]") {
  support::TempDir dir;
  const auto state_dir = dir / "state";
  {
    auto store = Store::open(state_dir);
    REQUIRE(store);
    write_outbox(**store, 2);
  }
  std::ofstream(state_dir / "CURRENT", std::ios::trunc) << "MANIFEST-999999\n";
  auto check = check_state(state_dir);
  REQUIRE(check);
  CHECK_FALSE(check->opened);
  REQUIRE(check->problems.size() == 1);
  CHECK(check->problems[0].where == "open");

  auto report = reset_state(state_dir, reset_options(true));
  REQUIRE(report);
  CHECK(report->kept == 0);
  REQUIRE(report->read_errors.size() == 1);
  CHECK_THAT(report->read_errors[0], Catch::StartsWith("no alert could be read"));
  CHECK(fs::exists(report->moved_to / "CURRENT"));
  auto fresh = check_state(state_dir);
  REQUIRE(fresh);
  CHECK(fresh->clean());
}

TEST_CASE("state reset in place moves the files into DIR/damaged-<time> and rebuilds DIR",
          "[state-tools]") {
  support::TempDir dir;
  const auto state_dir = dir / "volume";
  {
    auto store = Store::open(state_dir);
    REQUIRE(store);
    write_outbox(**store, 3);
  }
  auto report = reset_state(state_dir, reset_options(true, true));
  REQUIRE(report);
  CHECK(report->moved_to == state_dir / "damaged-20250304T080000Z");
  CHECK(report->kept == 3);
  CHECK((fs::status(report->moved_to).permissions() & fs::perms::all) == fs::perms::owner_all);
  auto moved = check_state(report->moved_to);  // a whole database, readable where it is
  REQUIRE(moved);
  CHECK(family_in(*moved, "outbox").keys == 3);
  auto fresh = check_state(state_dir);
  REQUIRE(fresh);
  CHECK(fresh->clean());
  CHECK(family_in(*fresh, "outbox").keys == 3);

  // Again, without keeping: the earlier damaged- directory stays where it is.
  auto again = reset_state(state_dir, reset_options(false, true));
  REQUIRE(again);
  CHECK(again->moved_to == state_dir / "damaged-20250304T080000Z-2");
  CHECK(fs::exists(report->moved_to / "CURRENT"));
  CHECK(fs::exists(again->moved_to / "CURRENT"));
  CHECK_FALSE(fs::exists(state_dir / "CURRENT"));
  CHECK_FALSE(fs::exists(again->moved_to / "damaged-20250304T080000Z"));
}

TEST_CASE("a mount point is recognised, so that a volume is reset in place", "[state-tools]") {
  support::TempDir dir;
  CHECK(is_mount_point("/proc"));
  CHECK_FALSE(is_mount_point(dir.path()));
  CHECK_FALSE(is_mount_point(dir / "missing"));
}
