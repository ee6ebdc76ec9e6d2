#pragma once
// The rankings fan-out's sweep over a ranking's subscribers (read_topics.cc, rankings_hub). Up to
// `workers` network-thread handlers (one per network thread) offer the ranking's newest change to
// the subscribers a chunk at a time, taking their chunks from one shared cursor, round-robin. A
// newer change does not restart the sweep at the first subscriber: the sweep goes on from where it
// is, with the newer change, once round the list (so those given the older change get the newer
// one at the end of the lap, and those not reached yet skip the older one). The subscriber just
// past the cursor then waits at most one lap for the newest ranking.
//
// One cursor for all handlers, not a fixed slice of the list per handler: a handler whose thread
// is descheduled (the machine's other threads, or requests on that thread) holds up at most the
// chunk it took, and the other handlers go on with the rest of the lap, where a fixed slice waited
// for its one thread.
//
// Not thread-safe: the hub's mutex guards it. Offsets wrap at the list's size.

#include <algorithm>
#include <cstddef>

namespace gongjian::server {

class fanout_sweep {
 public:
  struct chunk {
    std::size_t first = 0;  // offset of the first subscriber
    std::size_t count = 0;  // subscribers from `first` on, wrapping at the list's size
  };

  explicit fanout_sweep(std::size_t workers = 1) : workers_(std::max<std::size_t>(workers, 1)) {}

  // A change for a list of `size` subscribers: every one of them needs it. Returns how many
  // handlers the caller must post (those that bring the running ones up to `workers`).
  std::size_t on_change(std::size_t size) {
    remaining_ = size;
    if (size == 0) return 0;
    const std::size_t post = workers_ - active_;
    active_ = workers_;
    return post;
  }

  // Handler: the next at most `max` subscribers to offer the newest change to, in a list that now
  // has `size` subscribers. A chunk of count 0 means the sweep is done for this handler: it ends
  // (the next change posts handlers again).
  chunk next(std::size_t size, std::size_t max) {
    remaining_ = std::min(remaining_, size);  // the list may have shrunk since the change
    if (remaining_ == 0 || max == 0) {
      remaining_ = 0;
      if (active_ > 0) --active_;
      return {};
    }
    if (cursor_ >= size) cursor_ = 0;
    const chunk c{cursor_, std::min(remaining_, max)};
    cursor_ = (cursor_ + c.count) % size;
    remaining_ -= c.count;
    return c;
  }

  // Handler, after its share of a lap (it yields to the other handlers of its thread): true when
  // subscribers remain, and the handler posts itself again (it stays running); false ends it.
  bool more_after_yield() {
    if (remaining_ > 0) return true;
    if (active_ > 0) --active_;
    return false;
  }

  // A handler's share of a lap of `size` subscribers before it yields.
  std::size_t share(std::size_t size) const { return (size + workers_ - 1) / workers_; }

  std::size_t active() const { return active_; }
  std::size_t remaining() const { return remaining_; }

 private:
  std::size_t workers_;
  std::size_t cursor_ = 0;     // next offset to visit
  std::size_t remaining_ = 0;  // subscribers still to be offered the newest change
  std::size_t active_ = 0;     // handlers queued or running
};

}  // namespace gongjian::server
