#pragma once
// The rankings fan-out's sweep over one slice of a ranking's subscribers (read_topics.cc,
// rankings_hub). A network-thread handler offers the ranking's newest change to the slice's
// subscribers a chunk at a time, round-robin. A newer change does not restart the sweep at the
// slice's first subscriber: the sweep goes on from where it is, with the newer change, once round
// the slice (so those given the older change get the newer one at the end of the lap, and those
// not reached yet skip the older one). The subscriber just past the cursor then waits at most one
// lap for the newest ranking, where a restart made it wait for the rest of the older pass and then
// its place in the new one; and the first subscribers of a slice are not always served first.
//
// Not thread-safe: the hub's mutex guards it. Offsets are within the slice and wrap at its size.

#include <algorithm>
#include <cstddef>

namespace gongjian::server {

class fanout_sweep {
 public:
  struct chunk {
    std::size_t first = 0;  // offset of the first subscriber in the slice
    std::size_t count = 0;  // subscribers from `first` on, wrapping at the slice's size
  };

  // A change for a slice of `size` subscribers: every one of them needs it. True when no handler
  // is queued or running for the slice, so the caller must post one.
  bool on_change(std::size_t size) {
    remaining_ = size;
    if (scheduled_ || size == 0) return false;
    scheduled_ = true;
    return true;
  }

  // Handler: the next at most `max` subscribers to offer the newest change to, in a slice that
  // now has `size` subscribers. A chunk of count 0 means the slice is done: the handler ends and
  // the next change posts a new one.
  chunk next(std::size_t size, std::size_t max) {
    remaining_ = std::min(remaining_, size);  // the list may have shrunk since the change
    if (remaining_ == 0 || max == 0) {
      remaining_ = 0;
      scheduled_ = false;
      return {};
    }
    if (cursor_ >= size) cursor_ = 0;
    const chunk c{cursor_, std::min(remaining_, max)};
    cursor_ = (cursor_ + c.count) % size;
    remaining_ -= c.count;
    return c;
  }

  // Handler, after a lap's worth of offers (it yields to the other handlers of its thread): true
  // when subscribers remain, and the handler posts itself again (the slice stays scheduled).
  bool more_after_yield() {
    if (remaining_ > 0) return true;
    scheduled_ = false;
    return false;
  }

  bool scheduled() const { return scheduled_; }
  std::size_t remaining() const { return remaining_; }

 private:
  std::size_t cursor_ = 0;     // next offset to visit
  std::size_t remaining_ = 0;  // subscribers still to be offered the newest change
  bool scheduled_ = false;     // a handler is queued or running
};

}  // namespace gongjian::server
