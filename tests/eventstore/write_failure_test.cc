// A write to the disk that fails stops the store writing, loses nothing it acknowledged, and a
// reopen once the cause is gone carries on. The failure here is RLIMIT_FSIZE (EFBIG, "File too
// large"), which fails a growing WAL as a full disk does (ENOSPC) without needing one: a server
// whose disk filled up answered commands with 500s, flooded its log with retried consumer commits
// and then aborted in RocksDB (Debian's build asserts when a failed file writer is written again).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "store_fixture.h"

namespace gongjian::eventstore::test {
namespace {

using ::testing::HasSubstr;

// This process's files may not grow past `bytes` while it lives; SIGXFSZ, which would kill the
// process, is ignored so that the write fails with EFBIG instead (as the server does too).
class file_size_limit {
 public:
  explicit file_size_limit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    previous_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~file_size_limit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    ::signal(SIGXFSZ, previous_handler_);
  }
  file_size_limit(const file_size_limit&) = delete;
  file_size_limit& operator=(const file_size_limit&) = delete;

 private:
  rlimit saved_{};
  sighandler_t previous_handler_ = SIG_DFL;
};

// A WAL that grows into the limit: no prewritten spares (they are made at full size ahead).
options growing_wal_options(const std::filesystem::path& dir) {
  options o;
  o.directory = dir;
  o.block_cache_bytes = 8u << 20;
  o.wal_spare_bytes = 0;
  return o;
}

constexpr rlim_t wal_limit = 1u << 20;  // ~2,000 appends of this test's size

// Every acknowledged append is in the reopened store, byte for byte where it was, and the chain
// verifies.
void expect_acknowledged_after_reopen(const options& o, const std::vector<append_result>& acknowledged,
                                      std::uint64_t acknowledged_head) {
  auto reopened = event_store::open(o);
  ASSERT_TRUE(reopened) << reopened.error().message();
  auto& store = **reopened;
  EXPECT_GE(store.head().value, acknowledged_head);
  for (const auto& ack : acknowledged) {
    auto page = store.read_all(ack.first, 1);
    ASSERT_TRUE(page && page->size() == 1) << "position " << ack.first.value;
    EXPECT_EQ(page->front().stream, ack.streams.front().stream);
    EXPECT_EQ(page->front().version, ack.streams.front().last_version);
  }
  auto report = store.verify(position{0}, position{0});
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_TRUE(report->intact()) << report->problem;
  // And it writes again.
  EXPECT_TRUE(store.append(make_request("after-reopen", "s-after")));
  store.close();
}

// A store in a fresh directory whose WAL grows (`o`), open as `opened`.
class write_failure : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = event_store::open(o);
    ASSERT_TRUE(store) << store.error().message();
    opened = std::move(store).value();
  }

  gongjian::testing::temp_dir dir;
  const options o = growing_wal_options(dir.path() / "store");
  std::unique_ptr<event_store> opened;
};

TEST_F(write_failure, the_first_failed_write_stops_every_later_one_and_a_reopen_recovers) {
  auto& store = *opened;
  EXPECT_FALSE(store.write_failure());

  std::vector<append_result> acknowledged;
  std::optional<append_error> refused;
  {
    file_size_limit limit(wal_limit);
    for (std::uint64_t i = 0; i < 20'000 && !refused; ++i) {
      auto r = store.append_detailed(make_request(numbered("c", i), numbered("s", i % 7)));
      if (r) {
        acknowledged.push_back(*r);
      } else {
        refused = r.error();
      }
    }
  }
  ASSERT_TRUE(refused) << "no write failed below " << wal_limit << " bytes";
  ASSERT_FALSE(acknowledged.empty());
  EXPECT_EQ(refused->code, errc::io_error);
  EXPECT_THAT(refused->message, HasSubstr("not acknowledged: writing an append batch"));
  EXPECT_THAT(refused->message, HasSubstr("File too large"));
  ASSERT_TRUE(store.write_failure());
  EXPECT_THAT(*store.write_failure(), HasSubstr("writing an append batch: IO error"));

  // The disk has room again, but nothing is written any more: what the failed write left is unknown.
  auto later = store.append_detailed(make_request("later", "s-later"));
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().code, errc::io_error);
  EXPECT_THAT(later.error().message, HasSubstr("stopped writing"));
  EXPECT_EQ(store.commit_consumer(consumer_commit{"projection", position{1}, {{"k", "v"}}, {}}).error(),
            errc::io_error);
  EXPECT_EQ(store.consumer_reset("projection").error(), errc::io_error);
  EXPECT_EQ(store.sync().error(), errc::io_error);

  // Reads go on, up to the head, which is the last acknowledged position.
  const std::uint64_t head = acknowledged.back().last.value;
  EXPECT_EQ(store.head().value, head);
  EXPECT_EQ(head, acknowledged.size());
  auto last = store.read_all(position{head}, 10);
  ASSERT_TRUE(last);
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ(last->front().command_id, numbered("c", acknowledged.size() - 1));
  store.close();

  expect_acknowledged_after_reopen(o, acknowledged, head);
}

// A consumer's commits alone (an idle log, projections checkpointing) find the failure too, and
// stop the store: appends are refused from then on, before any of them would have had to sync.
TEST_F(write_failure, a_consumer_commit_that_fails_stops_the_store) {
  auto& store = *opened;
  ASSERT_TRUE(store.append(make_request("before", "s-before")));
  std::optional<std::error_code> refused;
  {
    file_size_limit limit(wal_limit);
    const std::string value(4096, 'v');
    for (std::uint64_t i = 0; i < 10'000 && !refused; ++i) {
      auto r = store.commit_consumer(consumer_commit{"projection", position{1}, {{numbered("k", i), value}}, {}});
      if (!r) refused = r.error();
    }
  }
  ASSERT_TRUE(refused) << "no commit failed below " << wal_limit << " bytes";
  EXPECT_EQ(*refused, errc::io_error);
  ASSERT_TRUE(store.write_failure());
  EXPECT_THAT(*store.write_failure(), HasSubstr("committing consumer state"));
  EXPECT_THAT(*store.write_failure(), HasSubstr("File too large"));
  auto later = store.append(make_request("after", "s-after"));
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error(), errc::io_error);
  EXPECT_EQ(store.head().value, 1u);
  store.close();

  auto reopened = event_store::open(o);
  ASSERT_TRUE(reopened) << reopened.error().message();
  EXPECT_EQ((*reopened)->head().value, 1u);
  (*reopened)->close();
}

// Writers and a consumer committing at once when the disk refuses: every append and commit
// returns (none hangs, the process does not abort), and what was acknowledged survives.
TEST_F(write_failure, concurrent_writers_and_commits_all_get_an_answer) {
  auto& store = *opened;

  constexpr int writers = 8;
  std::vector<std::vector<append_result>> acknowledged(writers);
  std::atomic<int> refused_writers{0};
  std::atomic<bool> stop{false};
  {
    file_size_limit limit(wal_limit);
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
      threads.emplace_back([&, w] {
        for (std::uint64_t i = 0; i < 20'000; ++i) {
          auto r = store.append(make_request(numbered(numbered("w", static_cast<std::uint64_t>(w)) + "-", i), numbered("s", w)));
          if (!r) {
            ++refused_writers;
            return;
          }
          acknowledged[w].push_back(*r);
        }
      });
    }
    std::thread committer([&] {
      for (std::uint64_t i = 1; !stop.load(); ++i) {
        if (!store.commit_consumer(consumer_commit{"projection", position{0}, {{"round", std::to_string(i)}}, {}}))
          return;
      }
    });
    for (auto& t : threads) t.join();
    stop = true;
    committer.join();
  }
  EXPECT_EQ(refused_writers.load(), writers);
  ASSERT_TRUE(store.write_failure());
  std::vector<append_result> all;
  for (const auto& a : acknowledged) all.insert(all.end(), a.begin(), a.end());
  std::uint64_t head = 0;
  for (const auto& a : all) head = std::max(head, a.last.value);
  EXPECT_EQ(store.head().value, head);
  store.close();

  expect_acknowledged_after_reopen(o, all, head);
}

}  // namespace
}  // namespace gongjian::eventstore::test
