// The rankings fan-out's sweep (server/src/fanout_sweep.h): a newer change goes on from where the
// sweep is, once round the list, instead of restarting at its first subscriber; up to one handler
// per network thread takes chunks from the one cursor.
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

TEST(FanoutSweep, AChangePostsOnceAndCoversTheListInChunks) {
  fanout_sweep s;
  EXPECT_EQ(s.on_change(10), 1u);
  EXPECT_EQ(s.on_change(10), 0u) << "a second change while the handler is queued is not posted again";
  std::vector<std::size_t> seen;
  for (auto c = s.next(10, 4); c.count > 0; c = s.next(10, 4))
    for (auto o : offsets(c, 10)) seen.push_back(o);
  EXPECT_EQ(seen, (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(s.active(), 0u);
  EXPECT_EQ(s.on_change(10), 1u) << "after the handler ended, the next change posts one";
}

TEST(FanoutSweep, ANewerChangeMidSweepGoesOnFromTheCursorOnceRound) {
  fanout_sweep s;
  ASSERT_EQ(s.on_change(10), 1u);
  EXPECT_EQ(offsets(s.next(10, 4), 10), (std::vector<std::size_t>{0, 1, 2, 3}));
  // A newer change: not posted (the handler is running); the rest of the list gets it in this
  // sweep, and so do 0..3 (given the older change) at the end of the lap.
  EXPECT_EQ(s.on_change(10), 0u);
  std::vector<std::size_t> seen;
  for (auto c = s.next(10, 4); c.count > 0; c = s.next(10, 4))
    for (auto o : offsets(c, 10)) seen.push_back(o);
  EXPECT_EQ(seen, (std::vector<std::size_t>{4, 5, 6, 7, 8, 9, 0, 1, 2, 3}));
}

TEST(FanoutSweep, TheNextChangeStartsWhereTheLastSweepEnded) {
  fanout_sweep s;
  ASSERT_EQ(s.on_change(10), 1u);
  (void)s.next(10, 6);
  EXPECT_EQ(s.on_change(10), 0u);
  std::vector<std::size_t> seen;
  for (auto c = s.next(10, 6); c.count > 0; c = s.next(10, 6))
    for (auto o : offsets(c, 10)) seen.push_back(o);
  EXPECT_EQ(seen, (std::vector<std::size_t>{6, 7, 8, 9, 0, 1, 2, 3, 4, 5}));
  ASSERT_EQ(s.on_change(10), 1u);
  EXPECT_EQ(s.next(10, 3).first, 6u) << "not always the first subscriber first";
}

TEST(FanoutSweep, YieldingKeepsTheHandlerRunningWhileSubscribersRemain) {
  fanout_sweep s;
  ASSERT_EQ(s.on_change(4), 1u);
  (void)s.next(4, 4);
  EXPECT_EQ(s.on_change(4), 0u);
  EXPECT_TRUE(s.more_after_yield());
  EXPECT_EQ(s.active(), 1u);
  EXPECT_EQ(s.on_change(4), 0u) << "the re-posted handler takes it";
  (void)s.next(4, 4);
  EXPECT_FALSE(s.more_after_yield());
  EXPECT_EQ(s.active(), 0u);
}

TEST(FanoutSweep, AShrunkenOrEmptyListEnds) {
  fanout_sweep s;
  ASSERT_EQ(s.on_change(10), 1u);
  (void)s.next(10, 8);  // cursor at 8
  auto c = s.next(3, 8);  // the list shrank: the cursor wraps, at most one lap
  EXPECT_EQ(c.first, 0u);
  EXPECT_EQ(c.count, 2u);
  EXPECT_EQ(s.next(3, 8).count, 0u);
  EXPECT_EQ(s.on_change(0), 0u) << "nobody to offer to: nothing posted";
  EXPECT_EQ(s.active(), 0u);
}

// Two handlers (two network threads) share one cursor: when one of them stalls holding a chunk
// (its thread descheduled), the other goes on with the rest of the lap; with a fixed half of the
// list per handler, the stalled one's half waited for it.
TEST(FanoutSweep, HandlersShareTheCursorSoAStalledOneHoldsUpOnlyItsChunk) {
  fanout_sweep s(2);
  EXPECT_EQ(s.on_change(12), 2u) << "one handler per worker";
  EXPECT_EQ(s.on_change(12), 0u) << "both already posted";
  EXPECT_EQ(s.share(12), 6u);
  const auto stalled = s.next(12, 2);  // handler A takes 0..1 and stalls there
  EXPECT_EQ(offsets(stalled, 12), (std::vector<std::size_t>{0, 1}));
  std::vector<std::size_t> seen;  // handler B alone
  for (auto c = s.next(12, 2); c.count > 0; c = s.next(12, 2))
    for (auto o : offsets(c, 12)) seen.push_back(o);
  EXPECT_EQ(seen, (std::vector<std::size_t>{2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(s.active(), 1u) << "B ended; A still holds its chunk";
  EXPECT_EQ(s.on_change(12), 1u) << "a change now posts one handler, bringing them back to two";
  EXPECT_EQ(s.active(), 2u);
  EXPECT_EQ(s.next(12, 2).first, 0u) << "the newer change goes on from the cursor (12 wraps to 0)";
}

TEST(FanoutSweep, HandlersTakeAlternateChunksInListOrder) {
  fanout_sweep s(2);
  ASSERT_EQ(s.on_change(8), 2u);
  EXPECT_EQ(s.next(8, 3).first, 0u);  // A
  EXPECT_EQ(s.next(8, 3).first, 3u);  // B
  auto last = s.next(8, 3);           // A again
  EXPECT_EQ(last.first, 6u);
  EXPECT_EQ(last.count, 2u) << "at most one lap per change";
  EXPECT_EQ(s.next(8, 3).count, 0u);  // B ends
  EXPECT_EQ(s.next(8, 3).count, 0u);  // A ends
  EXPECT_EQ(s.active(), 0u);
}

}  // namespace
}  // namespace gongjian::server
