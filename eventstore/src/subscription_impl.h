#pragma once
// One subscription: its own thread reads the global log from disk in pages (catch-up) until its
// next position is inside the live buffer, then takes events from the buffer (live). Falling
// behind the buffer's oldest event sends it back to the disk. Delivery is by position, so there is
// never a gap or a repeat whichever source an event came from.
//
// Ownership: the state is shared by the handle given to the caller, the thread itself and the
// store's registry (so close() can stop it). Once joined, the state never touches the store again,
// so a handle may outlive the store.

#include <atomic>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "gongjian/eventstore/event_store.h"
#include "live_buffer.h"

namespace gongjian::eventstore {

class subscription_state : public std::enable_shared_from_this<subscription_state> {
 public:
  subscription_state(const event_store& store, live_buffer& buffer, subscribe_options opts, batch_handler handler);
  ~subscription_state();

  void start();
  // Stops delivery; once it returns (from any thread but the subscription's own), the handler
  // will not be called again.
  void stop_and_join();
  bool finished() const { return finished_.load(std::memory_order_acquire); }

  position last_delivered() const { return position{last_delivered_.load(std::memory_order_acquire)}; }
  bool catching_up() const { return catching_up_.load(std::memory_order_acquire); }
  std::error_code error() const;

 private:
  void run();
  void fail(std::error_code ec);

  const event_store& store_;
  live_buffer& buffer_;
  const subscribe_options opts_;
  batch_handler handler_;

  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> finished_{false};
  std::atomic<std::uint64_t> last_delivered_;
  std::atomic<bool> catching_up_{true};

  mutable std::mutex error_mutex_;
  std::error_code error_;

  std::mutex join_mutex_;
  bool joined_ = false;  // guarded by join_mutex_; after it is set the store may be gone
  std::thread thread_;
};

class subscription_handle final : public subscription {
 public:
  explicit subscription_handle(std::shared_ptr<subscription_state> state) : state_(std::move(state)) {}
  ~subscription_handle() override { stop(); }
  void stop() override { state_->stop_and_join(); }
  position last_delivered() const override { return state_->last_delivered(); }
  bool catching_up() const override { return state_->catching_up(); }
  std::error_code error() const override { return state_->error(); }

 private:
  std::shared_ptr<subscription_state> state_;
};

}  // namespace gongjian::eventstore
