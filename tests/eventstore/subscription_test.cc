// Subscriptions: catch up from disk, switch to live, fall back to catch-up when too slow, stop.
// The handler records what it got; tests wait on a condition variable for the count they expect.

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <semaphore>
#include <thread>
#include <vector>

#include "store_fixture.h"

namespace gongjian::eventstore::test {
namespace {

// What a handler saw, awaited by the test thread.
class delivery_log {
 public:
  bool record(std::span<const recorded_event> batch, bool catching_up) {
    std::lock_guard lock(mutex_);
    for (const auto& e : batch) events_.push_back(e);
    (catching_up ? catch_up_batches_ : live_batches_)++;
    changed_.notify_all();
    return true;
  }
  void wait_for(std::size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return events_.size() >= count; });
  }
  std::vector<recorded_event> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::size_t live_batches() {
    std::lock_guard lock(mutex_);
    return live_batches_;
  }
  std::size_t catch_up_batches() {
    std::lock_guard lock(mutex_);
    return catch_up_batches_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<recorded_event> events_;
  std::size_t live_batches_ = 0;
  std::size_t catch_up_batches_ = 0;
};

void expect_consecutive(const std::vector<recorded_event>& events, std::uint64_t first, std::uint64_t last) {
  ASSERT_EQ(events.size(), last - first + 1);
  for (std::size_t i = 0; i < events.size(); ++i) ASSERT_EQ(events[i].pos.value, first + i) << "at index " << i;
}

// Lets the test hand the subscription to its own handler (for catching_up()) once subscribe()
// has returned it.
struct subscription_slot {
  std::atomic<subscription*> sub{nullptr};
  std::binary_semaphore ready{0};
  bool ready_seen = false;  // handler thread only
  subscription& get() {
    if (!ready_seen) {
      ready.acquire();
      ready_seen = true;
    }
    return *sub.load();
  }
  void set(subscription* s) {
    sub.store(s);
    ready.release();
  }
};

using subscription_test = store_test;

TEST_F(subscription_test, catches_up_then_goes_live_without_gap_or_duplicate) {
  for (int i = 0; i < 50; ++i) append_ok(make_request(numbered("pre", i), "s", expected_version::any(), 20));
  delivery_log log;
  subscription_slot slot;
  auto sub = store->subscribe(subscribe_options{position{0}, 64}, [&](std::span<const recorded_event> batch) {
    return log.record(batch, slot.get().catching_up());
  });
  slot.set(sub.get());
  // Appends race with the catch-up: four writers, 1000 more events.
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 250; ++i) {
        auto r = store->append(make_request(numbered(numbered("w", w) + "-", i), numbered("t", w)));
        ASSERT_TRUE(r);
      }
    });
  }
  for (auto& t : writers) t.join();
  log.wait_for(2000);
  // A last append after everything is delivered can only arrive live.
  append_ok(make_request("last", "s"));
  log.wait_for(2001);
  sub->stop();
  auto got = log.events();
  expect_consecutive(got, 1, 2001);
  EXPECT_EQ(got, read_everything());
  EXPECT_GT(log.catch_up_batches(), 0u);
  EXPECT_GT(log.live_batches(), 0u);
  EXPECT_EQ(sub->last_delivered(), position{2001});
  EXPECT_FALSE(sub->catching_up());
}

TEST_F(subscription_test, starts_from_any_position) {
  append_ok(make_request("c1", "s", expected_version::any(), 10));
  delivery_log log;
  auto sub = store->subscribe(subscribe_options{position{7}, 2},
                              [&](std::span<const recorded_event> batch) { return log.record(batch, false); });
  log.wait_for(3);
  sub->stop();
  expect_consecutive(log.events(), 8, 10);
}

class slow_subscriber_test : public store_test {
 protected:
  void SetUp() override {
    live_buffer_events = 16;
    store_test::SetUp();
  }
};

TEST_F(slow_subscriber_test, a_subscriber_behind_the_live_buffer_returns_to_catch_up_and_misses_nothing) {
  delivery_log log;
  subscription_slot slot;
  std::binary_semaphore gate(0);
  std::atomic<bool> hold{false};
  std::atomic<bool> saw_catch_up_after_live{false};
  std::atomic<bool> was_live{false};
  std::atomic<int> calls_returned{0};
  auto sub = store->subscribe(subscribe_options{position{0}, 8}, [&](std::span<const recorded_event> batch) {
    const bool catching_up = slot.get().catching_up();
    if (!catching_up) was_live = true;
    if (catching_up && was_live) saw_catch_up_after_live = true;
    log.record(batch, catching_up);
    if (hold.exchange(false)) gate.acquire();  // block inside this call until the test releases it
    calls_returned.fetch_add(1);
    return true;
  });
  slot.set(sub.get());
  // Go live first: subscribe at an empty log, then one event arrives through the buffer.
  append_ok(make_request("first", "s"));
  log.wait_for(1);
  EXPECT_TRUE(was_live.load());
  // The call that delivered it must be over, or `hold` below would stop that call instead of the
  // next one, which then never comes.
  while (calls_returned.load() < 1) std::this_thread::yield();
  // Hold the handler on its next call while 1000 events (far more than the 16 buffered) commit.
  hold = true;
  append_ok(make_request("second", "s"));
  log.wait_for(2);
  for (int i = 0; i < 100; ++i) append_ok(make_request(numbered("bulk", i), "s", expected_version::any(), 10));
  gate.release();
  log.wait_for(1002);
  sub->stop();
  expect_consecutive(log.events(), 1, 1002);
  EXPECT_TRUE(saw_catch_up_after_live.load());
  EXPECT_EQ(sub->error(), std::error_code{});
}

TEST_F(subscription_test, no_handler_call_after_stop_returns) {
  std::atomic<bool> stopped{false};
  std::atomic<int> calls_after_stop{0};
  delivery_log log;
  auto sub = store->subscribe(subscribe_options{position{0}, 4}, [&](std::span<const recorded_event> batch) {
    if (stopped) ++calls_after_stop;
    return log.record(batch, false);
  });
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(store->append(make_request(numbered("c", i), "s")));
  });
  log.wait_for(10);
  sub->stop();
  stopped = true;
  writer.join();
  EXPECT_EQ(calls_after_stop.load(), 0);
  sub->stop();  // idempotent
  const auto delivered = log.events();
  if (!delivered.empty()) expect_consecutive(delivered, 1, delivered.back().pos.value);
}

TEST_F(subscription_test, returning_false_ends_the_subscription) {
  append_ok(make_request("c1", "s", expected_version::any(), 10));
  std::atomic<int> calls{0};
  std::binary_semaphore called(0);
  auto sub = store->subscribe(subscribe_options{position{0}, 3}, [&](std::span<const recorded_event>) {
    ++calls;
    called.release();
    return false;
  });
  called.acquire();
  append_ok(make_request("c2", "s"));
  sub->stop();  // joins; the thread had already ended after the first call
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(sub->last_delivered(), position{3});
}

TEST_F(subscription_test, close_stops_subscriptions_and_handles_may_outlive_the_store) {
  append_ok(make_request("c1", "s", expected_version::any(), 5));
  delivery_log log;
  auto sub = store->subscribe(subscribe_options{position{0}, 10},
                              [&](std::span<const recorded_event> batch) { return log.record(batch, false); });
  log.wait_for(5);
  store->close();
  store.reset();
  sub->stop();
  EXPECT_EQ(sub->last_delivered(), position{5});
  sub.reset();
}

TEST_F(subscription_test, subscribing_to_a_closed_store_never_delivers) {
  append_ok(make_request("c1", "s"));
  store->close();
  std::atomic<int> calls{0};
  auto sub = store->subscribe(subscribe_options{position{0}, 10}, [&](std::span<const recorded_event>) {
    ++calls;
    return true;
  });
  sub->stop();
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(sub->last_delivered(), position{0});
}

TEST_F(subscription_test, many_subscribers_each_get_everything) {
  constexpr int subscribers = 6;
  std::vector<std::unique_ptr<delivery_log>> logs;
  std::vector<std::unique_ptr<subscription>> subs;
  for (int i = 0; i < subscribers; ++i) {
    logs.push_back(std::make_unique<delivery_log>());
    auto* log = logs.back().get();
    subs.push_back(store->subscribe(subscribe_options{position{static_cast<std::uint64_t>(i * 50)}, 1 + static_cast<std::size_t>(i) * 7},
                                    [log](std::span<const recorded_event> b) { return log->record(b, false); }));
  }
  for (int i = 0; i < 100; ++i) append_ok(make_request(numbered("c", i), numbered("s", i % 3), expected_version::any(), 5));
  for (int i = 0; i < subscribers; ++i) {
    const std::uint64_t after = static_cast<std::uint64_t>(i * 50);
    logs[static_cast<std::size_t>(i)]->wait_for(500 - after);
    subs[static_cast<std::size_t>(i)]->stop();
    expect_consecutive(logs[static_cast<std::size_t>(i)]->events(), after + 1, 500);
  }
}

}  // namespace
}  // namespace gongjian::eventstore::test
