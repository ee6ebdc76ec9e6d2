// The stream index's memtable (src/hash_table_rep.h, stream_index_rep) under RocksDB itself, with
// the store's prefix extractor: keys are <stream>\0<version, 8 bytes big-endian>. A model (std::map)
// of every write is compared with point reads at the latest state and at snapshots, with the reads
// the store makes (seek forward and back within one stream, bounded to it), and with total-order
// scans before and after a flush and after a reopen that replays the WAL into a new memtable.

#include <gtest/gtest.h>

#include <rocksdb/db.h>

#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "hash_table_rep.h"
#include "keys.h"
#include "support/temp_dir.h"

namespace gongjian::eventstore {
namespace {

std::string index_key(const std::string& stream, std::uint64_t version) {
  std::string k;
  keys::stream_index_key(k, stream, stream_version{version});
  return k;
}

class stream_index_rep_test : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void open() {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.allow_concurrent_memtable_write = false;
    options.prefix_extractor = new_stream_prefix_transform();  // as the store configures `streams`
    options.memtable_factory = new_stream_index_rep_factory();
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir_.path().string(), &db).ok());
    db_.reset(db);
  }
  void put(const std::string& key, const std::string& value) {
    ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), key, value).ok());
    model_[key] = value;
  }
  void erase(const std::string& key) {
    ASSERT_TRUE(db_->Delete(rocksdb::WriteOptions(), key).ok());
    model_.erase(key);
  }
  std::optional<std::string> get(const std::string& key, const rocksdb::Snapshot* at = nullptr) {
    rocksdb::ReadOptions ro;
    ro.snapshot = at;
    std::string value;
    auto s = db_->Get(ro, key, &value);
    if (s.IsNotFound()) return std::nullopt;
    EXPECT_TRUE(s.ok()) << s.ToString();
    return value;
  }
  // What read_stream does: an iterator bounded to one stream, sought forward from a version or
  // back from one.
  std::vector<std::string> read(const std::string& stream, std::uint64_t from, bool forward) {
    std::string lower = stream + '\0';
    std::string upper = stream + '\1';
    rocksdb::Slice lower_bound(lower), upper_bound(upper);
    rocksdb::ReadOptions ro;
    ro.iterate_lower_bound = &lower_bound;
    ro.iterate_upper_bound = &upper_bound;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
    std::vector<std::string> out;
    const std::string target = index_key(stream, from);
    for (forward ? it->Seek(target) : it->SeekForPrev(target); it->Valid(); forward ? it->Next() : it->Prev()) {
      out.push_back(it->key().ToString() + "=" + it->value().ToString());
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    return out;
  }
  std::vector<std::string> expected_read(const std::string& stream, std::uint64_t from, bool forward) {
    std::vector<std::string> out;
    const std::string prefix = stream + '\0';
    const std::string target = index_key(stream, from);
    if (forward) {
      for (auto it = model_.lower_bound(target); it != model_.end() && it->first.starts_with(prefix); ++it)
        out.push_back(it->first + "=" + it->second);
    } else {
      for (auto it = model_.upper_bound(target); it != model_.begin();) {
        --it;
        if (!it->first.starts_with(prefix)) break;
        out.push_back(it->first + "=" + it->second);
      }
    }
    return out;
  }
  std::vector<std::string> scan() {
    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
    std::vector<std::string> out;
    for (it->SeekToFirst(); it->Valid(); it->Next()) out.push_back(it->key().ToString() + "=" + it->value().ToString());
    EXPECT_TRUE(it->status().ok());
    return out;
  }
  std::vector<std::string> expected_scan() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : model_) out.push_back(k + "=" + v);
    return out;
  }

  testing::temp_dir dir_{"gongjian-stream-rep"};
  std::unique_ptr<rocksdb::DB> db_;  // closed before dir_ is removed
  std::map<std::string, std::string> model_;
};

TEST_F(stream_index_rep_test, reads_each_version_at_its_snapshot_and_within_its_stream) {
  // "org-1" and "org-10": one name is a prefix of the other, the terminator keeps them apart.
  put(index_key("org-1", 1), "p1");
  put(index_key("org-10", 1), "p2");
  const rocksdb::Snapshot* first = db_->GetSnapshot();
  put(index_key("org-1", 2), "p3");
  put(index_key("org-1", 1), "p1-again");
  const rocksdb::Snapshot* second = db_->GetSnapshot();
  erase(index_key("org-10", 1));

  EXPECT_EQ(get(index_key("org-1", 1)), "p1-again");
  EXPECT_EQ(get(index_key("org-1", 1), first), "p1");
  EXPECT_EQ(get(index_key("org-1", 2), first), std::nullopt);
  EXPECT_EQ(get(index_key("org-1", 2), second), "p3");
  EXPECT_EQ(get(index_key("org-10", 1)), std::nullopt);
  EXPECT_EQ(get(index_key("org-10", 1), second), "p2");
  EXPECT_EQ(get(index_key("org-2", 1)), std::nullopt);
  EXPECT_EQ(read("org-1", 1, true), expected_read("org-1", 1, true));
  EXPECT_EQ(read("org-1", 9, false), expected_read("org-1", 9, false));
  EXPECT_EQ(read("org-1", 9, false).size(), 2u);
  EXPECT_EQ(read("org-10", 1, true), std::vector<std::string>{});
  EXPECT_EQ(read("org-3", 1, true), std::vector<std::string>{});
  EXPECT_EQ(scan(), expected_scan());

  ASSERT_TRUE(db_->Flush(rocksdb::FlushOptions()).ok());
  EXPECT_EQ(get(index_key("org-1", 1)), "p1-again");
  EXPECT_EQ(get(index_key("org-10", 1), second), "p2");
  EXPECT_EQ(scan(), expected_scan());
  db_->ReleaseSnapshot(first);
  db_->ReleaseSnapshot(second);
}

TEST_F(stream_index_rep_test, many_streams_with_versions_out_of_order_match_a_model_through_flush_and_reopen) {
  std::mt19937 random(7);
  std::vector<std::string> streams;
  for (int s = 0; s < 300; ++s) streams.push_back("stream-" + std::to_string(s * 7919 % 1009));
  std::map<std::string, std::uint64_t> next;
  for (int i = 0; i < 6000; ++i) {
    const auto& stream = streams[random() % streams.size()];
    std::uint64_t& v = next[stream];
    // Mostly the next version; now and then an older or a skipped one (out of order for a
    // stream), and now and then a delete.
    const auto roll = random() % 20;
    std::uint64_t version = ++v;
    if (roll == 0 && v > 3) version = v - 2;
    if (roll == 1) version = (v += 5);
    if (roll == 2 && v > 1) {
      erase(index_key(stream, v - 1));
      continue;
    }
    put(index_key(stream, version), "pos-" + std::to_string(i));
  }
  auto check = [&] {
    EXPECT_EQ(scan(), expected_scan());
    for (int probe = 0; probe < 200; ++probe) {
      const auto& stream = streams[random() % streams.size()];
      const std::uint64_t from = random() % (next[stream] + 3);
      ASSERT_EQ(read(stream, from, true), expected_read(stream, from, true)) << stream << " from " << from;
      ASSERT_EQ(read(stream, from, false), expected_read(stream, from, false)) << stream << " back from " << from;
      const auto key = index_key(stream, from);
      const auto found = model_.find(key);
      ASSERT_EQ(get(key), found == model_.end() ? std::nullopt : std::optional<std::string>(found->second));
    }
  };
  check();

  // Reopen without a flush: the WAL is replayed into a new memtable of the same kind.
  db_.reset();
  open();
  check();

  // Half in a file, half in the memtable: reads merge them.
  ASSERT_TRUE(db_->Flush(rocksdb::FlushOptions()).ok());
  for (int i = 0; i < 500; ++i) {
    const auto& stream = streams[random() % streams.size()];
    put(index_key(stream, ++next[stream]), "late-" + std::to_string(i));
  }
  check();
}

}  // namespace
}  // namespace gongjian::eventstore
