// The rankings fan-out's sweep over a slice (server/src/fanout_sweep.h): a newer change goes on
// from where the sweep is, once round the slice, instead of restarting at its first subscriber.
#include <gtest/gtest.h>

#include <vector>

#include "fanout_sweep.h"

namespace gongjian::server {
namespace {

// The offsets a chunk covers, in order.
std::vector<std::size_t> offsets(fanout_sweep::chunk c, std::size_t size) {
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < c.count; ++k) out.push_back((c.first + k) % size);
  return out;
}

TEST(FanoutSweep, AChangePostsOnceAndCoversTheSliceInChunks) {
  fanout_sweep s;
  EXPECT_TRUE(s.on_change(10));
  EXPECT_FALSE(s.on_change(10)) << "a second change while the handler is queued is not posted again";
  std::vector<std::size_t> seen;
  for (auto c = s.next(10, 4); c.count > 0; c = s.next(10, 4))
    for (auto o : offsets(c, 10)) seen.push_back(o);
  EXPECT_EQ(seen, (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_FALSE(s.scheduled());
  EXPECT_TRUE(s.on_change(10)) << "after the handler ended, the next change posts one";
}

TEST(FanoutSweep, ANewerChangeMidSweepGoesOnFromTheCursorOnceRound) {
  fanout_sweep s;
  ASSERT_TRUE(s.on_change(10));
  EXPECT_EQ(offsets(s.next(10, 4), 10), (std::vector<std::size_t>{0, 1, 2, 3}));
  // A newer change: not posted (the handler is running); the rest of the slice gets it in this
  // sweep, and so do 0..3 (given the older change) at the end of the lap.
  EXPECT_FALSE(s.on_change(10));
  std::vector<std::size_t> seen;
  for (auto c = s.next(10, 4); c.count > 0; c = s.next(10, 4))
    for (auto o : offsets(c, 10)) seen.push_back(o);
  EXPECT_EQ(seen, (std::vector<std::size_t>{4, 5, 6, 7, 8, 9, 0, 1, 2, 3}));
}

TEST(FanoutSweep, TheNextChangeStartsWhereTheLastSweepEnded) {
  fanout_sweep s;
  ASSERT_TRUE(s.on_change(10));
  (void)s.next(10, 6);
  EXPECT_FALSE(s.on_change(10));
  std::vector<std::size_t> seen;
  for (auto c = s.next(10, 6); c.count > 0; c = s.next(10, 6))
    for (auto o : offsets(c, 10)) seen.push_back(o);
  EXPECT_EQ(seen, (std::vector<std::size_t>{6, 7, 8, 9, 0, 1, 2, 3, 4, 5}));
  ASSERT_TRUE(s.on_change(10));
  EXPECT_EQ(s.next(10, 3).first, 6u) << "not always the slice's first subscriber first";
}

TEST(FanoutSweep, YieldingKeepsTheSliceScheduledWhileSubscribersRemain) {
  fanout_sweep s;
  ASSERT_TRUE(s.on_change(4));
  (void)s.next(4, 4);
  EXPECT_FALSE(s.on_change(4));
  EXPECT_TRUE(s.more_after_yield());
  EXPECT_TRUE(s.scheduled());
  EXPECT_FALSE(s.on_change(4)) << "the re-posted handler takes it";
  (void)s.next(4, 4);
  EXPECT_FALSE(s.more_after_yield());
  EXPECT_FALSE(s.scheduled());
}

TEST(FanoutSweep, AShrunkenOrEmptySliceEnds) {
  fanout_sweep s;
  ASSERT_TRUE(s.on_change(10));
  (void)s.next(10, 8);  // cursor at 8
  auto c = s.next(3, 8);  // the list shrank: the cursor wraps, at most one lap
  EXPECT_EQ(c.first, 0u);
  EXPECT_EQ(c.count, 2u);
  EXPECT_EQ(s.next(3, 8).count, 0u);
  EXPECT_FALSE(s.on_change(0)) << "nobody to offer to: nothing posted";
  EXPECT_FALSE(s.scheduled());
}

}  // namespace
}  // namespace gongjian::server
