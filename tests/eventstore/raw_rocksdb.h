#pragma once
// The store's RocksDB opened directly (tests only), to tamper with it or to take away what the
// store would have to rebuild.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/db.h>

namespace gongjian::eventstore::test {

// The store's RocksDB opened directly, every column family by name, as an attacker (or a bad disk)
// would see it.
class raw_rocksdb {
 public:
  explicit raw_rocksdb(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    auto status = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.string(), &names);
    EXPECT_TRUE(status.ok()) << status.ToString();
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* raw = nullptr;
    status = rocksdb::DB::Open(rocksdb::Options(), dir.string(), descriptors, &handles_, &raw);
    EXPECT_TRUE(status.ok()) << status.ToString();
    db_.reset(raw);
    for (std::size_t i = 0; i < names.size(); ++i) by_name_[names[i]] = handles_[i];
  }
  ~raw_rocksdb() {
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
    (void)db_->Close();
  }

  std::string get(const std::string& cf, const std::string& key) {
    std::string value;
    auto status = db_->Get(rocksdb::ReadOptions(), by_name_.at(cf), key, &value);
    EXPECT_TRUE(status.ok()) << status.ToString();
    return value;
  }
  void put(const std::string& cf, const std::string& key, const std::string& value) {
    ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), by_name_.at(cf), key, value).ok());
  }
  void remove(const std::string& cf, const std::string& key) {
    ASSERT_TRUE(db_->Delete(rocksdb::WriteOptions(), by_name_.at(cf), key).ok());
  }
  bool contains(const std::string& cf, const std::string& key) {
    std::string value;
    auto status = db_->Get(rocksdb::ReadOptions(), by_name_.at(cf), key, &value);
    EXPECT_TRUE(status.ok() || status.IsNotFound()) << status.ToString();
    return status.ok();
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> by_name_;
};

}  // namespace gongjian::eventstore::test
