#include "live_buffer.h"

#include <algorithm>
#include <iterator>

namespace gongjian::eventstore {

live_buffer::live_buffer(std::size_t capacity, position head)
    : capacity_(std::max<std::size_t>(capacity, 1)), oldest_(head.value + 1), newest_(head.value) {}

void live_buffer::publish(position last, std::vector<recorded_event>& events) {
  {
    std::lock_guard lock(mutex_);
    if (events.empty()) {
      events_.clear();
    } else {
      std::size_t skip = events.size() > capacity_ ? events.size() - capacity_ : 0;
      if (skip > 0) events_.clear();
      std::move(events.begin() + static_cast<std::ptrdiff_t>(skip), events.end(), std::back_inserter(events_));
      while (events_.size() > capacity_) events_.pop_front();
    }
    newest_ = last.value;
    oldest_ = events_.empty() ? newest_ + 1 : events_.front().pos.value;
    if (waiting_ == 0) {
      events.clear();
      return;  // nobody asleep: skip the wake-up call on the writer's hot path
    }
  }
  events.clear();
  published_.notify_all();
}

live_buffer::read_status live_buffer::read(position next, std::size_t max_count, std::vector<recorded_event>& out,
                                           const std::atomic<bool>& stop) {
  out.clear();
  std::unique_lock lock(mutex_);
  ++waiting_;
  published_.wait(lock, [&] { return stop.load(std::memory_order_acquire) || next.value <= newest_; });
  --waiting_;
  if (stop.load(std::memory_order_acquire)) return read_status::stopped;
  if (next.value < oldest_) return read_status::behind;
  const std::size_t begin = next.value - oldest_;
  const std::size_t end = std::min(events_.size(), begin + max_count);
  out.insert(out.end(), events_.begin() + static_cast<std::ptrdiff_t>(begin),
             events_.begin() + static_cast<std::ptrdiff_t>(end));
  return read_status::delivered;
}

void live_buffer::wake_all() {
  // Taking the mutex orders this wake-up after a reader's check of its stop flag.
  { std::lock_guard lock(mutex_); }
  published_.notify_all();
}

}  // namespace gongjian::eventstore
