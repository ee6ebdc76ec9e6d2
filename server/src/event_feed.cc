#include "event_feed.h"

#include <boost/json.hpp>

#include <algorithm>

#include "event_json.h"

namespace gongjian::server {

feed_message make_event_message(const eventstore::recorded_event& event) {
  boost::json::object message;
  message["type"] = "event";
  message["topic"] = "events";
  message["position"] = event.pos.value;
  message["event"] = event_to_json(event);
  return feed_message{event.pos.value, std::make_shared<const std::string>(boost::json::serialize(message))};
}

event_feed::~event_feed() { stop(); }

void event_feed::start(eventstore::event_store& store) {
  std::unique_lock lock(mutex_);
  last_position_ = store.head().value;
  eventstore::subscribe_options opts;
  opts.after = eventstore::position{last_position_};
  lock.unlock();
  subscription_ = store.subscribe(opts, [this](std::span<const eventstore::recorded_event> events) {
    return on_batch(events);
  });
}

void event_feed::stop() {
  if (subscription_) {
    subscription_->stop();
    subscription_.reset();
  }
}

void event_feed::add(const std::shared_ptr<feed_listener>& listener) {
  std::lock_guard lock(mutex_);
  listeners_.emplace_back(listener.get(), listener);
}

void event_feed::remove(const feed_listener* listener) {
  std::lock_guard lock(mutex_);
  std::erase_if(listeners_, [listener](const auto& entry) { return entry.first == listener || entry.second.expired(); });
}

bool event_feed::on_batch(std::span<const eventstore::recorded_event> events) {
  if (events.empty()) return true;
  {
    // Declared before the lock, as below: a listener's last reference is dropped after it.
    std::vector<std::shared_ptr<feed_listener>> told;
    std::lock_guard lock(mutex_);
    told.reserve(listeners_.size());
    for (const auto& [raw, weak] : listeners_) {
      if (auto l = weak.lock()) {
        l->on_committed();
        told.push_back(std::move(l));
      }
    }
  }
  // Formatting happens outside the lock; only the ring append and the hand-off are serialized.
  auto batch = std::make_shared<std::vector<feed_message>>();
  batch->reserve(events.size());
  for (const auto& e : events) batch->push_back(make_event_message(e));
  if (batch->empty()) return true;
  // Declared before the lock so that the listeners' last references (if a session just ended)
  // are dropped after the lock is released.
  std::vector<std::shared_ptr<feed_listener>> alive;
  std::lock_guard lock(mutex_);
  for (const auto& m : *batch) {
    // The store delivers in order without gap or repeat; a repeat here would be its bug.
    if (m.position <= last_position_) continue;
    ring_.push_back(m);
    last_position_ = m.position;
  }
  while (ring_.size() > ring_capacity_) ring_.pop_front();
  const feed_batch shared = std::move(batch);
  alive.reserve(listeners_.size());
  std::size_t dead = 0;
  for (const auto& [raw, weak] : listeners_) {
    if (auto l = weak.lock()) {
      l->on_live(shared);
      alive.push_back(std::move(l));
    } else {
      ++dead;
    }
  }
  if (dead > 0) std::erase_if(listeners_, [](const auto& entry) { return entry.second.expired(); });
  return true;
}

bool event_feed::take_recent(std::uint64_t after, std::size_t max_count, std::vector<feed_message>& out,
                             bool* reached_end) {
  std::lock_guard lock(mutex_);
  *reached_end = false;
  if (after >= last_position_) {
    *reached_end = true;
    return true;
  }
  // The ring holds positions (last_position_ - ring_.size(), last_position_] contiguously.
  const std::uint64_t first = ring_.empty() ? last_position_ + 1 : ring_.front().position;
  if (after + 1 < first) return false;
  std::size_t index = static_cast<std::size_t>(after + 1 - first);
  std::size_t taken = 0;
  for (; index < ring_.size() && taken < max_count; ++index, ++taken) out.push_back(ring_[index]);
  *reached_end = index >= ring_.size();
  return true;
}

std::uint64_t event_feed::last_position() const {
  std::lock_guard lock(mutex_);
  return last_position_;
}

}  // namespace gongjian::server
