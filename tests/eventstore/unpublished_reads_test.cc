// Durable mode reads without a RocksDB snapshot, bounded by the published head. These tests hold
// the syncer after it has written a group's derived data (stream index, stream heads, command ids)
// and before its fsync, when RocksDB's latest state already holds that group, and check that no
// reader sees it: the promise the read snapshot used to keep. And that flushed files stay as they
// were written: a snapshot released per group made RocksDB 7.8.3 rewrite each one at the bottom of
// its column family ("BottommostFiles" compactions). No sleeps, no timing.

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>

#include "rocks_event_store.h"
#include "store_fixture.h"

namespace gongjian::eventstore::test {
namespace {

// Holds the syncer in the hook once armed, until released.
class syncer_gate {
 public:
  void hook() {
    std::unique_lock lock(mutex_);
    if (!armed_) return;
    armed_ = false;
    held_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_; });
  }
  void arm() {
    std::lock_guard lock(mutex_);
    armed_ = true;
  }
  void wait_held() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return held_; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool armed_ = false;
  bool held_ = false;
  bool released_ = false;
};

class unpublished_reads_test : public store_test {
 protected:
  rocks_event_store& rocks() { return dynamic_cast<rocks_event_store&>(*store); }
};

TEST_F(unpublished_reads_test, a_group_written_but_not_synced_is_invisible_to_every_reader) {
  syncer_gate gate;
  rocks().set_before_sync_for_testing([&] { gate.hook(); });
  append_ok(make_request("c1", "s"));
  append_ok(make_request("c2", "s"));

  gate.arm();
  std::mutex m;
  std::condition_variable cv;
  int completed = 0;
  auto done = [&](result<append_result> r) {
    EXPECT_TRUE(r) << r.error().message();
    std::lock_guard lock(m);
    ++completed;
    cv.notify_all();
  };
  // One request: versions 3 and 4 of "s" and version 1 of "t" (positions 3..5), one group.
  append_request r = make_request("c3", "s", expected_version::any(), 2);
  r.writes.push_back(make_request("c3", "t").writes[0]);
  store->append_async(std::move(r), done);
  gate.wait_held();

  // The syncer has written the group's stream index entries and stream heads; nothing of it is
  // published.
  EXPECT_EQ(store->head(), position{2});
  EXPECT_EQ(store->stream_head("s").value(), stream_version{2});
  EXPECT_EQ(store->stream_head("t").value(), stream_version{0});
  auto forward = store->read_stream("s", stream_version{1}, read_direction::forward, 10);
  ASSERT_TRUE(forward);
  ASSERT_EQ(forward->size(), 2u);
  EXPECT_EQ(forward->back().version, stream_version{2});
  auto backward = store->read_stream("s", stream_version{100}, read_direction::backward, 10);
  ASSERT_TRUE(backward);
  ASSERT_EQ(backward->size(), 2u);
  EXPECT_EQ(backward->front().version, stream_version{2});
  auto newest = store->read_stream("s", stream_version{100}, read_direction::backward, 1);
  ASSERT_TRUE(newest);
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ(newest->front().version, stream_version{2});
  EXPECT_TRUE(store->read_stream("t", stream_version{1}, read_direction::forward, 10).value().empty());
  EXPECT_TRUE(store->read_stream("t", stream_version{100}, read_direction::backward, 10).value().empty());
  EXPECT_EQ(store->read_all(position{1}, 100).value().size(), 2u);
  auto report = store->verify(position{}, position{});
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->first_bad.has_value()) << report->problem;
  EXPECT_EQ(report->checked, 2u);

  gate.release();
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return completed == 1; });
  }
  EXPECT_EQ(store->head(), position{5});
  EXPECT_EQ(store->stream_head("s").value(), stream_version{4});
  EXPECT_EQ(store->stream_head("t").value(), stream_version{1});
  EXPECT_EQ(store->read_stream("s", stream_version{1}, read_direction::forward, 10).value().size(), 4u);
  EXPECT_EQ(store->read_stream("t", stream_version{100}, read_direction::backward, 10).value().size(), 1u);
}

std::set<std::string> sst_files(const std::filesystem::path& dir) {
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".sst") files.insert(entry.path().filename().string());
  }
  return files;
}

TEST_F(unpublished_reads_test, a_flushed_file_is_not_rewritten_when_appends_follow) {
  append_ok(make_request("c0", "s"));
  // More than the consumers' 16 MiB write buffer: a flush, whose file is alone at the bottom.
  for (std::uint64_t i = 1; i <= 20; ++i) {
    consumer_commit c;
    c.consumer = "p";
    c.checkpoint = position{1};
    for (std::size_t k = 0; k < 1024; ++k) c.puts.emplace_back(numbered(numbered("k", i) + "/", k), std::string(1024, 'v'));
    ASSERT_TRUE(store->commit_consumer(c));
  }
  ASSERT_TRUE(store->await_background_work());
  const auto flushed = sst_files(make_options().directory);
  ASSERT_FALSE(flushed.empty());
  // Each append is its own group; before, each released the previous group's snapshot, which
  // marked the flushed file for a rewrite to zero its sequence numbers.
  for (std::uint64_t i = 1; i <= 5; ++i) append_ok(make_request(numbered("c", i), "s"));
  ASSERT_TRUE(store->await_background_work());
  const auto after = sst_files(make_options().directory);
  for (const auto& f : flushed) EXPECT_TRUE(after.contains(f)) << f << " was rewritten";
}

}  // namespace
}  // namespace gongjian::eventstore::test
