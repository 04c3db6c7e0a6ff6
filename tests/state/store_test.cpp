#include "state/store.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "support/temp_dir.hpp"

using namespace rolewatch::state;

TEST_CASE("a batch's writes land together and survive reopening the store") {
  support::TempDir dir;
  {
    auto store = Store::open(dir.path());
    REQUIRE(store);
    auto batch = (*store)->make_batch();
    batch.put(Family::windows, "rule\0actor", "window");
    batch.put(Family::offsets, Store::offset_key("audit", 3), encode_be64(42));
    batch.put(Family::outbox, encode_be64(1), "{\"id\":\"a\"}");
    CHECK(batch.size() == 3);
    REQUIRE((*store)->write(batch));
  }
  auto store = Store::open(dir.path());
  REQUIRE(store);
  auto offset = (*store)->next_offset("audit", 3);
  REQUIRE(offset);
  CHECK(offset->value() == 42);
  auto missing = (*store)->next_offset("audit", 4);
  REQUIRE(missing);
  CHECK_FALSE(missing->has_value());
  auto outbox = (*store)->get(Family::outbox, encode_be64(1));
  REQUIRE(outbox);
  CHECK(outbox->value() == "{\"id\":\"a\"}");
}

TEST_CASE("scans visit keys in order within bounds and stop when asked") {
  support::TempDir dir;
  auto store = Store::open(dir.path());
  REQUIRE(store);
  auto batch = (*store)->make_batch();
  for (std::uint64_t i = 1; i <= 5; ++i) batch.put(Family::dedup_expiry, encode_be64(i), "");
  REQUIRE((*store)->write(batch));
  std::vector<std::uint64_t> seen;
  auto status =
      (*store)->scan(Family::dedup_expiry, encode_be64(2), encode_be64(5), [&](auto key, auto) {
        seen.push_back(decode_be64(key));
        return true;
      });
  REQUIRE(status);
  CHECK(seen == std::vector<std::uint64_t>{2, 3, 4});
  seen.clear();
  REQUIRE((*store)->scan(Family::dedup_expiry, "", "", [&](auto key, auto) {
    seen.push_back(decode_be64(key));
    return seen.size() < 2;
  }));
  CHECK(seen.size() == 2);
}

TEST_CASE("erasing a key in a batch removes it") {
  support::TempDir dir;
  auto store = Store::open(dir.path());
  REQUIRE(store);
  auto batch = (*store)->make_batch();
  batch.put(Family::meta, "k", "v");
  REQUIRE((*store)->write(batch));
  auto erase = (*store)->make_batch();
  erase.erase(Family::meta, "k");
  REQUIRE((*store)->write(erase));
  auto value = (*store)->get(Family::meta, "k");
  REQUIRE(value);
  CHECK_FALSE(value->has_value());
}

TEST_CASE("opening a state directory that cannot be created is an error, not a crash") {
  auto store = Store::open("/proc/rolewatch-cannot-exist/state");
  REQUIRE_FALSE(store);
  CHECK_THAT(store.error().message, Catch::Contains("/proc/rolewatch-cannot-exist/state"));
}

TEST_CASE("big-endian encodings sort like the numbers they hold") {
  CHECK(encode_be64(1) < encode_be64(256));
  CHECK(decode_be64(encode_be64(0x0102030405060708ULL)) == 0x0102030405060708ULL);
  CHECK(decode_be32(encode_be32(70000)) == 70000);
}

TEST_CASE("multi_get answers each key in the order asked, absent keys as nullopt") {
  support::TempDir dir;
  auto store = Store::open(dir.path());
  REQUIRE(store);
  auto batch = (*store)->make_batch();
  batch.put(Family::windows, "b", "2");
  batch.put(Family::windows, "d", "4");
  batch.put(Family::dedup, "a", "other family");
  REQUIRE((*store)->write(batch));
  std::vector<std::string_view> unsorted{"d", "a", "b", "c"};
  auto found = (*store)->multi_get(Family::windows, unsorted);
  REQUIRE(found);
  REQUIRE(found->size() == 4);
  CHECK((*found)[0] == std::optional<std::string>("4"));
  CHECK_FALSE((*found)[1].has_value());
  CHECK((*found)[2] == std::optional<std::string>("2"));
  CHECK_FALSE((*found)[3].has_value());
  std::vector<std::string_view> sorted{"a", "b", "d"};
  auto again = (*store)->multi_get(Family::windows, sorted);
  REQUIRE(again);
  CHECK((*again)[1] == std::optional<std::string>("2"));
  CHECK((*store)->multi_get(Family::windows, {})->empty());
}

TEST_CASE("multi_get on a corrupted table file is an error naming the read, not garbage") {
  support::TempDir dir;
  {
    auto store = Store::open(dir.path());
    REQUIRE(store);
    auto batch = (*store)->make_batch();
    for (int i = 0; i < 100; ++i) {
      batch.put(Family::windows, "key" + std::to_string(i), std::string(100, 'v'));
    }
    REQUIRE((*store)->write(batch));
  }  // closing flushes the family to a table file
  auto store = Store::open(dir.path());
  REQUIRE(store);
  int corrupted = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    if (entry.path().extension() != ".sst") continue;
    // Overwritten in place: an open reader sees the damage too.
    std::fstream file(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    file.write(std::string(entry.file_size() / 2, 'x').data(),
               static_cast<std::streamsize>(entry.file_size() / 2));
    ++corrupted;
  }
  REQUIRE(corrupted > 0);
  std::vector<std::string_view> keys{"key1", "key2"};
  auto found = (*store)->multi_get(Family::windows, keys);
  REQUIRE_FALSE(found);
  CHECK_THAT(found.error().message, Catch::StartsWith("state read failed"));
}

TEST_CASE("multi_get over more keys than one RocksDB call takes answers every key") {
  support::TempDir dir;
  auto store = Store::open(dir.path());
  REQUIRE(store);
  auto batch = (*store)->make_batch();
  std::vector<std::string> keys;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    keys.push_back(encode_be64(i));
    if (i % 3 == 0) batch.put(Family::dedup, keys.back(), std::to_string(i));
  }
  REQUIRE((*store)->write(batch));
  std::vector<std::string_view> views(keys.begin(), keys.end());
  auto found = (*store)->multi_get(Family::dedup, views);
  REQUIRE(found);
  REQUIRE(found->size() == 1000);
  for (std::size_t i = 0; i < 1000; ++i) {
    INFO("key " << i);
    if (i % 3 == 0) {
      CHECK((*found)[i] == std::optional<std::string>(std::to_string(i)));
    } else {
      CHECK_FALSE((*found)[i].has_value());
    }
  }
}

TEST_CASE("a throwaway store reads back what it wrote and closes without error") {
  support::TempDir dir;
  StoreOptions options;
  options.throwaway = true;
  auto store = Store::open(dir.path(), options);
  REQUIRE(store);
  auto batch = (*store)->make_batch();
  batch.put(Family::windows, "rule\0actor", "window");
  batch.put(Family::dedup, "audit-1", encode_be64(7));
  REQUIRE((*store)->write(batch));
  auto window = (*store)->get(Family::windows, "rule\0actor");
  REQUIRE(window);
  CHECK(window->value() == "window");
  std::string_view keys[] = {"audit-0", "audit-1"};
  auto found = (*store)->multi_get(Family::dedup, keys);
  REQUIRE(found);
  CHECK_FALSE((*found)[0].has_value());
  CHECK((*found)[1].value() == encode_be64(7));
}

TEST_CASE("a store with statistics reports them, one without reports nothing") {
  support::TempDir dir;
  StoreOptions options;
  options.statistics = true;
  auto store = Store::open(dir.path() / "with", options);
  REQUIRE(store);
  REQUIRE((*store)->get(Family::dedup, "absent"));
  CHECK((*store)->statistics_report().find("rocksdb.block.cache") != std::string::npos);
  auto plain = Store::open(dir.path() / "without");
  REQUIRE(plain);
  CHECK((*plain)->statistics_report().empty());
}

TEST_CASE("a throwaway store whose writes fail says so and is left behind at close") {
  support::TempDir dir;
  const auto state = dir.path() / "state";
  auto store = Store::open(state, {.throwaway = true});
  REQUIRE(store);
  // The directory goes: the first memtable flush cannot create its file,
  // and RocksDB refuses the writes after it.
  std::filesystem::remove_all(state);
  const std::string value(64 << 10, 'v');
  std::string failure;
  for (int round = 0; round < 4000 && failure.empty(); ++round) {
    auto batch = (*store)->make_batch();
    for (int i = 0; i < 16; ++i) {
      batch.put(Family::windows, std::to_string(round) + "/" + std::to_string(i), value);
    }
    if (auto written = (*store)->write(batch); !written) failure = written.error().message;
  }
  CHECK_THAT(failure, Catch::Contains("state write failed"));
  auto batch = (*store)->make_batch();
  batch.put(Family::meta, "after", "refused");
  auto refused = (*store)->write(batch);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("state write refused"));
  // The database and its unsynced file system are abandoned together: its
  // background threads may still use the file system (ASan would see it freed).
  store->reset();
}
