#pragma once
// The server's one live subscription to the event log, fanned out to every WebSocket subscriber of
// the "events" topic (one store subscription, not one per client).
//
// Threads: on_batch runs on the event store's subscription thread. It formats each event's
// WebSocket message once, appends them to a bounded ring of recent messages and, under the same
// mutex, hands the batch to every registered listener, which only posts it to its own strand.
// take_recent runs on a listener's strand. Because the ring append and the hand-off happen under
// one lock, a listener that reads the ring up to position R and switches to live in the same strand
// handler sees every later batch after it, and none of them twice: that is what makes the switch
// from catch-up to live gapless.

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "gongjian/eventstore/event_store.h"

namespace gongjian::server {

class metrics;

// One event's WebSocket message, formatted once and shared by all subscribers.
struct feed_message {
  std::uint64_t position = 0;
  std::shared_ptr<const std::string> text;
};
using feed_batch = std::shared_ptr<const std::vector<feed_message>>;

// Formats the WebSocket message for one event of the "events" topic.
feed_message make_event_message(const eventstore::recorded_event& event);

class feed_listener {
 public:
  virtual ~feed_listener() = default;
  // Called on the store's subscription thread with the feed's mutex held: post, do not work.
  virtual void on_live(const feed_batch& batch) = 0;
  // Called on the same thread and lock as soon as the store hands over committed events, before
  // their messages are formatted: for listeners that need only to know that the log moved (the
  // projections' applier), which then need not wait for the formatting of the whole batch.
  virtual void on_committed() {}
  // False for a listener that reads no messages (on_live ignores its batch). While no listener
  // wants messages the feed does not format them: the ring keeps the events as they came and
  // formats them when someone takes them (take_recent).
  virtual bool wants_messages() const { return true; }
};

class event_feed {
 public:
  explicit event_feed(std::size_t ring_capacity) : ring_capacity_(ring_capacity) {}
  ~event_feed();

  // Subscribes to the store after its current head. Call once, before serving.
  void start(eventstore::event_store& store);
  // Ends the store subscription; no on_live call happens after it returns.
  void stop();

  void add(const std::shared_ptr<feed_listener>& listener);
  void remove(const feed_listener* listener);

  // Appends to `out` the ring's messages with position > after, at most max_count. Returns false
  // when the ring cannot serve `after` (older events are only on disk). `*reached_end` is set when
  // `out` now ends at the newest event the feed has seen.
  bool take_recent(std::uint64_t after, std::size_t max_count, std::vector<feed_message>& out, bool* reached_end);

  // Newest position the feed has seen (the store's head at start, then every live event).
  std::uint64_t last_position() const;

 private:
  // One event of the ring: its message, or (formatted on demand) the event itself.
  struct ring_entry {
    std::uint64_t position = 0;
    std::shared_ptr<const std::string> text;
    std::shared_ptr<const eventstore::recorded_event> event;  // set while text is not
  };
  bool on_batch(std::span<const eventstore::recorded_event> events);
  // With mutex_ held: whether a live listener reads messages; refreshes message_listeners_.
  bool count_message_listeners();

  const std::size_t ring_capacity_;
  mutable std::mutex mutex_;
  std::deque<ring_entry> ring_;
  // A hint read before formatting, without the lock: how many listeners want messages. A listener
  // added after it was read is still served: on_batch checks again under the lock.
  std::atomic<std::size_t> message_listeners_{0};
  std::uint64_t last_position_ = 0;
  // The raw pointer identifies a listener for remove() without locking its weak_ptr: a lock() that
  // turned out to hold the last reference would run the listener's destructor (which calls
  // remove()) under mutex_.
  struct listener_entry {
    const feed_listener* raw;
    std::weak_ptr<feed_listener> weak;
    bool wants_messages;  // asked once, in add()
  };
  std::vector<listener_entry> listeners_;
  std::unique_ptr<eventstore::subscription> subscription_;
};

}  // namespace gongjian::server
