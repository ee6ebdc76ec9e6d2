// await_background_work: after a rebuild-style run (consumer commits between
// begin_consumer_rebuild and end_consumer_rebuild, which leave the consumers' column family with
// several L0 files and a compaction to run once the live settings are back), the call returns
// once that compaction is done. The compaction threads (RocksDB's LOW pool of the default Env,
// which the store uses) are held busy until the rebuild has ended, so that the compaction is
// known to be still pending when the wait begins; no sleeps, no timing.

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>

#include <rocksdb/db.h>
#include <rocksdb/env.h>

#include "keys.h"
#include "rocks_event_store.h"
#include "store_fixture.h"

namespace gongjian::eventstore::test {
namespace {

// Occupies every thread of the default Env's LOW pool (compactions) until released.
class compaction_pool_hold {
 public:
  compaction_pool_hold() {
    auto* env = rocksdb::Env::Default();
    threads_ = env->GetBackgroundThreads(rocksdb::Env::Priority::LOW);
    for (int i = 0; i < threads_; ++i) env->Schedule(&compaction_pool_hold::hold, this, rocksdb::Env::Priority::LOW);
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return holding_ == threads_; });
  }
  ~compaction_pool_hold() { release(); }
  void release() {
    std::unique_lock lock(mutex_);
    released_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return holding_ == 0; });
  }

 private:
  static void hold(void* arg) {
    auto* self = static_cast<compaction_pool_hold*>(arg);
    std::unique_lock lock(self->mutex_);
    ++self->holding_;
    self->cv_.notify_all();
    self->cv_.wait(lock, [&] { return self->released_; });
    --self->holding_;
    self->cv_.notify_all();
  }

  int threads_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  int holding_ = 0;
  bool released_ = false;
};

consumer_commit state_commit(const std::string& consumer, std::uint64_t checkpoint) {
  consumer_commit c;
  c.consumer = consumer;
  c.checkpoint = position{checkpoint};
  for (std::size_t k = 0; k < 200; ++k) c.puts.emplace_back(numbered("k/", k), std::string(512, 'v'));
  return c;
}

class background_work_test : public store_test {
 protected:
  rocks_event_store& rocks() { return dynamic_cast<rocks_event_store&>(*store); }
  std::uint64_t consumers_property(const std::string& property) {
    auto v = rocks().int_property(keys::consumers_cf, property);
    EXPECT_TRUE(v.has_value()) << property;
    return v.value_or(0);
  }
  std::uint64_t l0_files() { return consumers_property(rocksdb::DB::Properties::kNumFilesAtLevelPrefix + "0"); }
};

TEST_F(background_work_test, returns_at_once_when_there_is_nothing_to_do) {
  append_ok(make_request("c1", "s"));
  auto waited = store->await_background_work();
  ASSERT_TRUE(waited) << waited.error().message();
}

TEST_F(background_work_test, waits_for_the_compaction_a_rebuild_leaves) {
  // Five consumers rebuild at once; each end flushes the column family (one L0 file each) while
  // the others keep automatic compactions off, and the last end turns them back on.
  constexpr int consumers = 5;
  {
    compaction_pool_hold hold;
    for (int c = 0; c < consumers; ++c) ASSERT_TRUE(store->begin_consumer_rebuild(numbered("p", c)));
    for (int c = 0; c < consumers; ++c) {
      ASSERT_TRUE(store->commit_consumer(state_commit(numbered("p", c), 1)));
      ASSERT_TRUE(store->end_consumer_rebuild(numbered("p", c)));
    }
    // The compaction is wanted but cannot start yet: this is what the wait has to outlast.
    ASSERT_EQ(l0_files(), static_cast<std::uint64_t>(consumers));
    ASSERT_EQ(consumers_property(rocksdb::DB::Properties::kCompactionPending), 1u);
  }
  auto waited = store->await_background_work();
  ASSERT_TRUE(waited) << waited.error().message();
  // level0_file_num_compaction_trigger is 4: done means fewer L0 files than that.
  EXPECT_LT(l0_files(), 4u);
  EXPECT_EQ(consumers_property(rocksdb::DB::Properties::kCompactionPending), 0u);
  EXPECT_EQ(consumers_property(rocksdb::DB::Properties::kNumRunningCompactions), 0u);
  EXPECT_EQ(consumers_property(rocksdb::DB::Properties::kMemTableFlushPending), 0u);
  EXPECT_EQ(consumers_property(rocksdb::DB::Properties::kNumRunningFlushes), 0u);
  // The state is all there.
  for (int c = 0; c < consumers; ++c) {
    auto checkpoint = store->consumer_checkpoint(numbered("p", c));
    ASSERT_TRUE(checkpoint && checkpoint->has_value());
    EXPECT_EQ((*checkpoint)->value, 1u);
  }
}

TEST_F(background_work_test, a_closed_store_says_closed) {
  store->close();
  auto waited = store->await_background_work();
  ASSERT_FALSE(waited);
  EXPECT_EQ(waited.error(), errc::closed);
}

}  // namespace
}  // namespace gongjian::eventstore::test
