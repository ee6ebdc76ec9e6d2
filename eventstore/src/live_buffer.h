#pragma once
// The ring of recently committed events that feeds live subscribers without touching the disk.
//
// Threads: the writer thread publishes into it after each durable batch; subscription threads read
// from it and sleep on its condition variable while they are at the head. All state is guarded by
// one mutex. The ring always describes the committed positions [oldest, newest] it holds; a batch
// nobody listens to empties it and moves `oldest` past the batch, so a reader whose next position
// is below `oldest` knows to fetch from disk (catch-up) — it never sees a gap.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

#include "gongjian/eventstore/types.h"

namespace gongjian::eventstore {

class live_buffer {
 public:
  live_buffer(std::size_t capacity, position head);

  // True when some subscriber could use the next batch's events (so the writer builds them).
  bool wanted() const { return subscribers_.load(std::memory_order_acquire) > 0; }
  void add_subscriber() { subscribers_.fetch_add(1, std::memory_order_acq_rel); }
  void remove_subscriber() { subscribers_.fetch_sub(1, std::memory_order_acq_rel); }

  // Writer thread, after a batch ending at `last` is durable. `events` holds the batch's events
  // in order (first = newest + 1), or is empty when nobody wanted them.
  void publish(position last, std::vector<recorded_event>& events);

  enum class read_status { delivered, behind, stopped };
  // Copies up to max_count events starting at `next` into `out`. Waits while `next` is beyond the
  // newest committed event. `behind`: `next` is older than anything held; read it from disk.
  read_status read(position next, std::size_t max_count, std::vector<recorded_event>& out,
                   const std::atomic<bool>& stop);

  // Wakes every waiting reader so it can notice its stop flag.
  void wake_all();

 private:
  const std::size_t capacity_;
  std::atomic<std::size_t> subscribers_{0};
  std::mutex mutex_;
  std::condition_variable published_;
  std::deque<recorded_event> events_;  // positions [oldest_, newest_]
  std::uint64_t oldest_;
  std::uint64_t newest_;
  std::size_t waiting_ = 0;  // readers asleep on published_
};

}  // namespace gongjian::eventstore
