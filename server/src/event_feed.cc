#include "event_feed.h"

#include <boost/json.hpp>

#include <algorithm>

#include "event_json.h"
#include "json_text.h"

namespace gongjian::server {

feed_message make_event_message(const eventstore::recorded_event& event) {
  boost::json::object message;
  message["type"] = "event";
  message["topic"] = "events";
  message["position"] = event.pos.value;
  message["event"] = event_to_json(event);
  return feed_message{event.pos.value, std::make_shared<const std::string>(json_text(message))};
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
  listeners_.push_back(listener_entry{listener.get(), listener, listener->wants_messages()});
  count_message_listeners();
}

void event_feed::remove(const feed_listener* listener) {
  std::lock_guard lock(mutex_);
  std::erase_if(listeners_, [listener](const auto& entry) { return entry.raw == listener || entry.weak.expired(); });
  count_message_listeners();
}

bool event_feed::count_message_listeners() {
  std::size_t n = 0;
  for (const auto& entry : listeners_)
    if (entry.wants_messages && !entry.weak.expired()) ++n;
  message_listeners_.store(n);
  return n > 0;
}

bool event_feed::on_batch(std::span<const eventstore::recorded_event> events) {
  if (events.empty()) return true;
  {
    // Declared before the lock, as below: a listener's last reference is dropped after it.
    std::vector<std::shared_ptr<feed_listener>> told;
    std::lock_guard lock(mutex_);
    told.reserve(listeners_.size());
    for (const auto& entry : listeners_) {
      if (auto l = entry.weak.lock()) {
        l->on_committed();
        told.push_back(std::move(l));
      }
    }
  }
  // Formatting happens outside the lock; only the ring append and the hand-off are serialized.
  // Nobody reads messages live (no "events" subscriber; the applier only needs the signal above):
  // the ring keeps copies of the events and take_recent formats them if someone asks.
  const bool format_now = message_listeners_.load() > 0;
  auto batch = std::make_shared<std::vector<feed_message>>();
  std::vector<std::shared_ptr<const eventstore::recorded_event>> kept;
  if (format_now) {
    batch->reserve(events.size());
    for (const auto& e : events) batch->push_back(make_event_message(e));
  } else {
    kept.reserve(events.size());
    for (const auto& e : events) kept.push_back(std::make_shared<const eventstore::recorded_event>(e));
  }
  // Declared before the lock so that the listeners' last references (if a session just ended)
  // are dropped after the lock is released.
  std::vector<std::shared_ptr<feed_listener>> alive;
  std::lock_guard lock(mutex_);
  if (!format_now && message_listeners_.load() > 0) {
    // A listener that wants messages came meanwhile (rare): format for it now.
    batch->reserve(kept.size());
    for (const auto& e : kept) batch->push_back(make_event_message(*e));
    kept.clear();
  }
  const std::size_t count = kept.empty() ? batch->size() : kept.size();
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t position = kept.empty() ? (*batch)[i].position : kept[i]->pos.value;
    // The store delivers in order without gap or repeat; a repeat here would be its bug.
    if (position <= last_position_) continue;
    if (kept.empty()) ring_.push_back(ring_entry{position, (*batch)[i].text, nullptr});
    else ring_.push_back(ring_entry{position, nullptr, std::move(kept[i])});
    last_position_ = position;
  }
  while (ring_.size() > ring_capacity_) ring_.pop_front();
  if (batch->empty()) return true;  // no message to hand over (nobody reads them)
  const feed_batch shared = std::move(batch);
  alive.reserve(listeners_.size());
  std::size_t dead = 0;
  for (const auto& entry : listeners_) {
    if (auto l = entry.weak.lock()) {
      l->on_live(shared);
      alive.push_back(std::move(l));
    } else {
      ++dead;
    }
  }
  if (dead > 0) {
    std::erase_if(listeners_, [](const auto& entry) { return entry.weak.expired(); });
    count_message_listeners();
  }
  return true;
}

bool event_feed::take_recent(std::uint64_t after, std::size_t max_count, std::vector<feed_message>& out,
                             bool* reached_end) {
  std::vector<ring_entry> taken;
  {
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
    for (; index < ring_.size() && taken.size() < max_count; ++index) taken.push_back(ring_[index]);
    *reached_end = index >= ring_.size();
  }
  // Events kept unformatted are formatted here, outside the lock (this caller's strand), and the
  // messages put back in the ring for the next reader, where the ring still holds them.
  bool formatted = false;
  for (auto& e : taken) {
    if (!e.text) {
      e.text = make_event_message(*e.event).text;
      formatted = true;
    }
    out.push_back(feed_message{e.position, e.text});
  }
  if (formatted) {
    std::lock_guard lock(mutex_);
    if (!ring_.empty()) {
      const std::uint64_t first = ring_.front().position;
      for (const auto& e : taken) {
        if (e.position < first || e.position - first >= ring_.size()) continue;
        auto& slot = ring_[static_cast<std::size_t>(e.position - first)];
        if (!slot.text) {
          slot.text = e.text;
          slot.event.reset();
        }
      }
    }
  }
  return true;
}

std::uint64_t event_feed::last_position() const {
  std::lock_guard lock(mutex_);
  return last_position_;
}

}  // namespace gongjian::server
