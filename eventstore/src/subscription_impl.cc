#include "subscription_impl.h"

#include <pthread.h>

#include <algorithm>
#include <span>

#include "logger.h"

namespace gongjian::eventstore {

subscription_state::subscription_state(const event_store& store, live_buffer& buffer, subscribe_options opts,
                                       batch_handler handler)
    : store_(store),
      buffer_(buffer),
      opts_(opts),
      handler_(std::move(handler)),
      last_delivered_(opts.after.value) {}

subscription_state::~subscription_state() {
  if (thread_.joinable()) {
    // The last reference can be dropped by the subscription's own thread (its handler destroyed
    // the handle); that thread is about to return and cannot join itself.
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
    } else {
      thread_.join();
    }
  }
}

void subscription_state::start() {
  buffer_.add_subscriber();
  // The thread keeps the state alive for as long as it runs.
  thread_ = std::thread([self = shared_from_this()] { self->run(); });
}

void subscription_state::stop_and_join() {
  std::lock_guard lock(join_mutex_);
  if (joined_) return;
  stop_requested_.store(true, std::memory_order_release);
  if (thread_.get_id() == std::this_thread::get_id()) return;  // from the handler: the loop ends on return
  buffer_.wake_all();
  if (thread_.joinable()) thread_.join();
  joined_ = true;
}

std::error_code subscription_state::error() const {
  std::lock_guard lock(error_mutex_);
  return error_;
}

void subscription_state::fail(std::error_code ec) {
  std::lock_guard lock(error_mutex_);
  error_ = ec;
}

void subscription_state::run() {
  pthread_setname_np(pthread_self(), "es-subscriber");
  const std::size_t max_batch = std::max<std::size_t>(opts_.max_batch, 1);
  position next{opts_.after.value + 1};
  std::vector<recorded_event> batch;
  batch.reserve(std::min<std::size_t>(max_batch, 4096));

  while (!stop_requested_.load(std::memory_order_acquire)) {
    auto status = buffer_.read(next, max_batch, batch, stop_requested_);
    if (status == live_buffer::read_status::stopped) break;
    if (status == live_buffer::read_status::behind) {
      catching_up_.store(true, std::memory_order_release);
      auto page = store_.read_all(next, max_batch);
      if (!page) {
        if (page.error() != errc::closed) {
          log().error("subscription after position {} stopped: reading position {} failed: {}", opts_.after.value,
                      next.value, page.error().message());
          fail(page.error());
        }
        break;
      }
      if (page->empty() || page->front().pos != next) {
        // The buffer says `next` is committed, so the disk must have it: the log lost records.
        log().error("subscription after position {} stopped: position {} is missing from the log",
                    opts_.after.value, next.value);
        fail(make_error_code(errc::corruption));
        break;
      }
      batch = std::move(page).value();
    } else {
      catching_up_.store(false, std::memory_order_release);
    }
    const bool more = handler_(std::span<const recorded_event>(batch.data(), batch.size()));
    next = position{batch.back().pos.value + 1};
    last_delivered_.store(batch.back().pos.value, std::memory_order_release);
    if (!more) break;
  }
  finished_.store(true, std::memory_order_release);
  buffer_.remove_subscriber();
}

}  // namespace gongjian::eventstore
