// The memtable of stream_heads and commands (src/hash_table_rep.h) under RocksDB itself: point
// reads at the latest state and at snapshots (a key's versions chained newest first), a deleted
// key, total-order and prefix iteration before and after a flush, growth past the initial table,
// and a reopen that replays the WAL into it.

#include <gtest/gtest.h>

#include <rocksdb/db.h>
#include <rocksdb/slice_transform.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "hash_table_rep.h"

namespace gongjian::eventstore {
namespace {

class hash_table_rep_test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gongjian-hash-rep-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    open();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void open() {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.allow_concurrent_memtable_write = false;
    options.prefix_extractor.reset(rocksdb::NewNoopTransform());  // as the store configures it
    options.memtable_factory = new_hash_table_rep_factory();
    options.memtable_prefix_bloom_size_ratio = 0.05;
    options.memtable_whole_key_filtering = true;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir_.string(), &db).ok());
    db_.reset(db);
  }
  std::string get(const std::string& key, const rocksdb::Snapshot* at = nullptr) {
    rocksdb::ReadOptions ro;
    ro.snapshot = at;
    std::string value;
    auto s = db_->Get(ro, key, &value);
    if (s.IsNotFound()) return "<none>";
    EXPECT_TRUE(s.ok()) << s.ToString();
    return value;
  }
  std::vector<std::string> scan() {
    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
    std::vector<std::string> keys;
    for (it->SeekToFirst(); it->Valid(); it->Next()) keys.push_back(it->key().ToString() + "=" + it->value().ToString());
    EXPECT_TRUE(it->status().ok());
    return keys;
  }

  std::filesystem::path dir_;
  std::unique_ptr<rocksdb::DB> db_;
};

TEST_F(hash_table_rep_test, reads_each_version_at_its_snapshot_and_sees_deletes) {
  rocksdb::WriteOptions w;
  ASSERT_TRUE(db_->Put(w, "stream-a", "1").ok());
  const rocksdb::Snapshot* first = db_->GetSnapshot();
  ASSERT_TRUE(db_->Put(w, "stream-a", "2").ok());
  ASSERT_TRUE(db_->Put(w, "stream-b", "1").ok());
  const rocksdb::Snapshot* second = db_->GetSnapshot();
  ASSERT_TRUE(db_->Put(w, "stream-a", "3").ok());
  ASSERT_TRUE(db_->Delete(w, "stream-b").ok());

  EXPECT_EQ(get("stream-a"), "3");
  EXPECT_EQ(get("stream-a", first), "1");
  EXPECT_EQ(get("stream-a", second), "2");
  EXPECT_EQ(get("stream-b"), "<none>");
  EXPECT_EQ(get("stream-b", first), "<none>");
  EXPECT_EQ(get("stream-b", second), "1");
  EXPECT_EQ(get("stream-c"), "<none>");
  EXPECT_EQ(scan(), (std::vector<std::string>{"stream-a=3"}));

  // The flush iterates the memtable in order; the flushed file answers the same.
  ASSERT_TRUE(db_->Flush(rocksdb::FlushOptions()).ok());
  EXPECT_EQ(get("stream-a"), "3");
  EXPECT_EQ(get("stream-a", second), "2");
  EXPECT_EQ(get("stream-b", second), "1");
  EXPECT_EQ(get("stream-b"), "<none>");
  db_->ReleaseSnapshot(first);
  db_->ReleaseSnapshot(second);
}

TEST_F(hash_table_rep_test, many_keys_in_random_order_read_back_sorted_before_and_after_flush_and_reopen) {
  std::vector<std::string> keys;
  for (int i = 0; i < 5000; ++i) keys.push_back("cmd-" + std::to_string(i * 7919 % 100003));
  std::mt19937 random(42);
  std::shuffle(keys.begin(), keys.end(), random);
  rocksdb::WriteOptions w;
  for (const auto& k : keys) ASSERT_TRUE(db_->Put(w, k, "v-" + k).ok());
  for (std::size_t i = 0; i < keys.size(); i += 3) ASSERT_TRUE(db_->Put(w, keys[i], "w-" + keys[i]).ok());

  std::vector<std::size_t> order(keys.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return keys[x] < keys[y]; });
  std::vector<std::string> expected;
  for (auto i : order) expected.push_back(keys[i] + (i % 3 == 0 ? "=w-" : "=v-") + keys[i]);

  EXPECT_EQ(scan(), expected);
  EXPECT_EQ(get(keys[0]), "w-" + keys[0]);
  EXPECT_EQ(get(keys[1]), "v-" + keys[1]);
  EXPECT_EQ(get("cmd-missing"), "<none>");

  // Reopen without a flush: the WAL is replayed into a new memtable of the same kind.
  db_.reset();
  open();
  EXPECT_EQ(scan(), expected);
  EXPECT_EQ(get(keys[3]), "w-" + keys[3]);

  ASSERT_TRUE(db_->Flush(rocksdb::FlushOptions()).ok());
  EXPECT_EQ(scan(), expected);
  EXPECT_EQ(get(keys[4]), "v-" + keys[4]);

  // A prefix-mode (not total-order) iterator seeks the whole key.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  ASSERT_TRUE(db_->Put(w, keys[5], "x").ok());
  it.reset(db_->NewIterator(rocksdb::ReadOptions()));
  it->Seek(keys[5]);
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key().ToString(), keys[5]);
  EXPECT_EQ(it->value().ToString(), "x");
}

}  // namespace
}  // namespace gongjian::eventstore
