// The log's memtable (src/hash_table_rep.h, log_rep) under RocksDB itself: keys are positions, 8
// bytes big-endian, written in ascending order as the store writes them, and now and then a
// position written again (out of order), as the tampering tests do through raw RocksDB. A model
// (std::map) of every write is compared with point reads at the latest state and at snapshots,
// with scans forward and back from any position, before and after a flush and after a reopen that
// replays the WAL (out-of-order entries included) into a new memtable; iterators that were made
// before an out-of-order insert go on without repeating or skipping an entry; readers that run
// beside the writer see every position it has finished.

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "encoding.h"
#include "hash_table_rep.h"
#include "support/temp_dir.h"

namespace gongjian::eventstore {
namespace {

// (Not label("prefix", n): GCC 12 warns about that with -Wrestrict, wrongly.)
std::string label(const char* prefix, std::uint64_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

std::string position_key(std::uint64_t p) {
  std::string k;
  encoding::put_big_endian64(k, p);
  return k;
}

class log_rep_test : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void open() {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.allow_concurrent_memtable_write = false;
    options.memtable_factory = new_log_rep_factory();  // as the store configures `log`
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir_.path().string(), &db).ok());
    db_.reset(db);
  }
  void put(std::uint64_t p, const std::string& value) {
    ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), position_key(p), value).ok());
    model_[position_key(p)] = value;
  }
  std::optional<std::string> get(std::uint64_t p, const rocksdb::Snapshot* at = nullptr) {
    rocksdb::ReadOptions ro;
    ro.snapshot = at;
    std::string value;
    auto s = db_->Get(ro, position_key(p), &value);
    if (s.IsNotFound()) return std::nullopt;
    EXPECT_TRUE(s.ok()) << s.ToString();
    return value;
  }
  // Every entry from position `from` on (forward), or from it back to the first.
  std::vector<std::string> read(std::uint64_t from, bool forward) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    std::vector<std::string> out;
    const std::string target = position_key(from);
    for (forward ? it->Seek(target) : it->SeekForPrev(target); it->Valid(); forward ? it->Next() : it->Prev()) {
      out.push_back(it->key().ToString() + "=" + it->value().ToString());
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    return out;
  }
  std::vector<std::string> expected_read(std::uint64_t from, bool forward) const {
    std::vector<std::string> out;
    const std::string target = position_key(from);
    if (forward) {
      for (auto it = model_.lower_bound(target); it != model_.end(); ++it) out.push_back(it->first + "=" + it->second);
    } else {
      for (auto it = model_.upper_bound(target); it != model_.begin();) {
        --it;
        out.push_back(it->first + "=" + it->second);
      }
    }
    return out;
  }
  void check(std::uint64_t last, std::mt19937& random) {
    EXPECT_EQ(read(0, true), expected_read(0, true));
    EXPECT_EQ(read(last + 1, false), expected_read(last + 1, false));
    for (int probe = 0; probe < 100; ++probe) {
      const std::uint64_t p = random() % (last + 3);
      ASSERT_EQ(read(p, true), expected_read(p, true)) << "from " << p;
      ASSERT_EQ(read(p, false), expected_read(p, false)) << "back from " << p;
      const auto found = model_.find(position_key(p));
      ASSERT_EQ(get(p), found == model_.end() ? std::nullopt : std::optional<std::string>(found->second)) << p;
    }
  }

  testing::temp_dir dir_{"gongjian-log-rep"};
  std::unique_ptr<rocksdb::DB> db_;  // closed before dir_ is removed
  std::map<std::string, std::string> model_;
};

TEST_F(log_rep_test, positions_in_order_and_rewritten_match_a_model_at_snapshots_through_flush_and_reopen) {
  std::mt19937 random(11);
  std::uint64_t last = 0;
  std::vector<std::pair<const rocksdb::Snapshot*, std::map<std::string, std::string>>> snapshots;
  for (int i = 0; i < 5000; ++i) {
    // Mostly the next position; now and then one written before, again (out of order).
    if (last > 10 && random() % 25 == 0) {
      put(1 + random() % last, label("again-", i));
    } else {
      put(++last, label("event-", i));
    }
    if (i % 1000 == 999) snapshots.emplace_back(db_->GetSnapshot(), model_);
  }
  check(last, random);
  for (const auto& [snapshot, then] : snapshots) {
    for (int probe = 0; probe < 50; ++probe) {
      const std::uint64_t p = 1 + random() % last;
      const auto found = then.find(position_key(p));
      ASSERT_EQ(get(p, snapshot), found == then.end() ? std::nullopt : std::optional<std::string>(found->second));
    }
    db_->ReleaseSnapshot(snapshot);
  }

  // Reopen without a flush: the WAL, rewrites included, is replayed into a new memtable in WAL
  // order, so the rewrites arrive out of order there too.
  db_.reset();
  open();
  check(last, random);

  // Half in a file, half in the memtable: reads merge them.
  ASSERT_TRUE(db_->Flush(rocksdb::FlushOptions()).ok());
  for (int i = 0; i < 500; ++i) put(++last, label("late-", i));
  put(3, "late-again");
  check(last, random);
}

TEST_F(log_rep_test, an_iterator_made_before_an_out_of_order_insert_neither_repeats_nor_skips) {
  for (std::uint64_t p = 1; p <= 100; ++p) put(p, label("v", p));
  const auto then = model_;

  // Forward: half way through, an earlier position is written again (inserted before the
  // iterator's entry, shifting it) and a later one too (after it); the iterator's snapshot sees
  // neither, and its walk goes on from where it was.
  std::unique_ptr<rocksdb::Iterator> forward(db_->NewIterator(rocksdb::ReadOptions()));
  std::vector<std::string> seen;
  forward->SeekToFirst();
  for (int i = 0; i < 50; ++i, forward->Next())
    seen.push_back(forward->key().ToString() + "=" + forward->value().ToString());
  put(10, "rewritten");
  put(90, "rewritten");
  for (; forward->Valid(); forward->Next())
    seen.push_back(forward->key().ToString() + "=" + forward->value().ToString());
  std::vector<std::string> expected;
  for (const auto& [k, v] : then) expected.push_back(k + "=" + v);
  EXPECT_EQ(seen, expected);

  // Backward, the same.
  std::unique_ptr<rocksdb::Iterator> backward(db_->NewIterator(rocksdb::ReadOptions()));
  const auto now = model_;
  seen.clear();
  backward->SeekToLast();
  for (int i = 0; i < 50; ++i, backward->Prev())
    seen.push_back(backward->key().ToString() + "=" + backward->value().ToString());
  put(95, "rewritten-again");
  put(5, "rewritten-again");
  for (; backward->Valid(); backward->Prev())
    seen.push_back(backward->key().ToString() + "=" + backward->value().ToString());
  expected.clear();
  for (auto it = now.rbegin(); it != now.rend(); ++it) expected.push_back(it->first + "=" + it->second);
  EXPECT_EQ(seen, expected);
}

TEST_F(log_rep_test, readers_beside_the_writer_see_every_position_it_finished) {
  constexpr std::uint64_t positions = 20'000;
  std::atomic<std::uint64_t> written{0};
  std::thread writer([&] {
    for (std::uint64_t p = 1; p <= positions; ++p) {
      ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), position_key(p), label("e", p)).ok());
      written.store(p, std::memory_order_release);
    }
  });
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      std::mt19937 random(r);
      while (written.load(std::memory_order_acquire) < positions) {
        const std::uint64_t head = written.load(std::memory_order_acquire);
        if (head == 0) continue;
        // A point read of a finished position finds it.
        const std::uint64_t p = 1 + random() % head;
        std::string value;
        if (!db_->Get(rocksdb::ReadOptions(), position_key(p), &value).ok() || value != label("e", p)) {
          ++failures;
        }
        // A scan from there sees consecutive positions at least up to the head it started with.
        std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
        std::uint64_t expect = p;
        for (it->Seek(position_key(p)); it->Valid() && expect <= head + 100; it->Next(), ++expect) {
          if (it->key().ToString() != position_key(expect)) {
            ++failures;
            break;
          }
        }
        if (expect <= head) ++failures;
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace gongjian::eventstore
