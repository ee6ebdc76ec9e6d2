// WAL spares (src/prewritten_wal.h): made once a WAL fills, handed to RocksDB as its next WAL,
// never left behind in the data directory, and never made where they would not be used. What a
// crash inside a prewritten WAL leaves is kill_recover_test's "prewritten_wals" case.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "store_fixture.h"

namespace gongjian::eventstore::test {
namespace {

struct directory_census {
  int spares = 0;           // spare-wal-* files
  int prewritten_wals = 0;  // *.log files exactly as big as a spare: handed out prewritten, still open
};

directory_census count(const std::filesystem::path& dir) {
  directory_census c;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("spare-wal-")) ++c.spares;
    if (entry.path().extension() == ".log" && entry.file_size() == small_wal_spare_bytes) ++c.prewritten_wals;
  }
  return c;
}

// Appends until a WAL in use came from a spare, or `limit` appends; returns how many it made.
std::uint64_t append_until_prewritten(event_store& store, const std::filesystem::path& dir, std::uint64_t limit) {
  std::uint64_t appended = 0;
  while (appended < limit && count(dir).prewritten_wals == 0) {
    for (int i = 0; i < 100; ++i, ++appended) {
      auto r = store.append(make_request(numbered("c", appended), numbered("s", appended % 13)));
      EXPECT_TRUE(r) << r.error().message();
    }
  }
  return appended;
}

TEST(prewritten_wal, spares_become_wals_and_never_outlive_the_store) {
  gongjian::testing::temp_dir dir;
  const auto store_dir = dir.path() / "store";
  std::filesystem::create_directories(store_dir);
  // A spare a crash left half written: it was never a WAL, so opening removes it.
  std::ofstream(store_dir / "spare-wal-7") << "half";

  auto opened = event_store::open(small_wal_options(store_dir));
  ASSERT_TRUE(opened) << opened.error().message();
  auto& store = *opened;
  EXPECT_FALSE(std::filesystem::exists(store_dir / "spare-wal-7"));

  const std::uint64_t appended = append_until_prewritten(*store, store_dir, 20'000);
  ASSERT_GT(count(store_dir).prewritten_wals, 0) << "no WAL came from a spare after " << appended << " appends";

  store->close();
  EXPECT_EQ(count(store_dir).spares, 0);  // ready spares are deleted at close

  // Every append is there after a reopen (RocksDB recovers the prewritten WALs it had not flushed).
  auto reopened = event_store::open(small_wal_options(store_dir));
  ASSERT_TRUE(reopened) << reopened.error().message();
  EXPECT_EQ((*reopened)->head().value, appended);
  auto report = (*reopened)->verify(position{0}, position{0});
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->intact());
  EXPECT_EQ(report->checked, appended);
  (*reopened)->close();
}

// A second open of a directory a store holds (a second server started by mistake) is refused
// before it touches anything the holder depends on: its ready spares stay, and it goes on writing
// WALs from them. (Spares left by a crash are only deleted once the lock is taken.)
TEST(prewritten_wal, a_second_open_is_refused_and_leaves_the_holders_spares) {
  gongjian::testing::temp_dir dir;
  const auto store_dir = dir.path() / "store";
  auto holder = event_store::open(small_wal_options(store_dir));
  ASSERT_TRUE(holder) << holder.error().message();
  std::uint64_t appended = 0;
  const auto spares = [&] {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(store_dir)) {
      if (entry.path().filename().string().starts_with("spare-wal-")) names.push_back(entry.path().filename());
    }
    return names;
  };
  // The first WAL is not prewritten: once it passes a quarter of a spare, spares are made.
  while (spares().empty() && appended < 20'000) {
    ASSERT_TRUE((*holder)->append(make_request(numbered("early-", appended), numbered("s", appended % 13))));
    ++appended;
  }
  const auto ready = spares();
  ASSERT_FALSE(ready.empty()) << "no spare after " << appended << " appends";

  for (const bool same_options : {true, false}) {
    options o = small_wal_options(store_dir);
    if (!same_options) o.wal_spare_bytes = 0;
    auto second = event_store::open(o);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error(), errc::in_use) << second.error().message();
  }
  for (const auto& name : ready) EXPECT_TRUE(std::filesystem::exists(store_dir / name)) << name;

  appended += append_until_prewritten(**holder, store_dir, 20'000);
  EXPECT_GT(count(store_dir).prewritten_wals, 0);
  (*holder)->close();

  // Closed, the directory is free again.
  auto reopened = event_store::open(small_wal_options(store_dir));
  ASSERT_TRUE(reopened) << reopened.error().message();
  EXPECT_EQ((*reopened)->head().value, appended);
  (*reopened)->close();
}

TEST(prewritten_wal, none_are_made_when_switched_off_or_in_bulk_mode) {
  for (const bool bulk : {false, true}) {
    SCOPED_TRACE(bulk ? "bulk mode" : "wal_spare_bytes = 0");
    gongjian::testing::temp_dir dir;
    const auto store_dir = dir.path() / "store";
    options o = small_wal_options(store_dir);
    if (bulk) {
      o.mode = durability::bulk_import_without_fsync;  // no WAL to prepare for
    } else {
      o.wal_spare_bytes = 0;
    }
    auto opened = event_store::open(o);
    ASSERT_TRUE(opened) << opened.error().message();
    // Far more than made the first spare ready in the test above.
    for (std::uint64_t i = 0; i < 4000; ++i) {
      ASSERT_TRUE((*opened)->append(make_request(numbered("c", i), numbered("s", i % 13))));
      ASSERT_EQ(count(store_dir).spares, 0) << "after " << i << " appends";
    }
    if (bulk) {
      ASSERT_TRUE((*opened)->sync());
    }
    EXPECT_EQ(count(store_dir).prewritten_wals, 0);
    (*opened)->close();
  }
}

}  // namespace
}  // namespace gongjian::eventstore::test
