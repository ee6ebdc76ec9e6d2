#pragma once
// The projection runner: consumes the global log in order, decodes each recorded event with the
// domain codec, folds it into projection_state, tracks the last applied position (as Redpanda's
// state_machine_base tracks last_applied_offset), and every N events or T milliseconds persists
// the state changed since the last checkpoint together with the checkpoint in ONE
// commit_consumer call, so a restart resumes exactly from the checkpoint. Every K events it also
// stores a full snapshot keyed by position, for as-of queries (see as_of.h).
//
// Threading: `start` subscribes; the subscription's thread applies batches under the runner's
// exclusive lock. `read` gives other threads (server handlers, the workflow) a consistent view
// under a shared lock. `catch_up` and `rebuild` apply on the calling thread and must not run
// while a subscription is active.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <span>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "gongjian/domain/codec.h"
#include "gongjian/domain/result.h"
#include "gongjian/eventstore/event_store.h"
#include "gongjian/projections/keyed_state.h"
#include "gongjian/projections/projection_state.h"

namespace gongjian::projections {

struct runner_options {
  std::string consumer = "projections";
  std::uint64_t checkpoint_every_events = 10000;
  std::chrono::milliseconds checkpoint_every{1000};
  // Full snapshot for as-of queries every this many events (0 = none), but never before the log
  // has grown by as many bytes as the last snapshot took: snapshots never take more room than the
  // log they describe, and as-of replays grow with the state's size instead of a fixed count
  // (10,000 events apart is 34 MB per 610,000 orgs; at that size this rule spaces them ~100,000
  // events apart).
  std::uint64_t snapshot_every_events = 0;
  // Events read per page during catch-up and rebuild.
  std::size_t page_size = 4096;
};

struct rebuild_report {
  std::uint64_t events = 0;
  std::chrono::nanoseconds elapsed{0};
  double events_per_second() const {
    return elapsed.count() == 0 ? 0.0 : static_cast<double>(events) * 1e9 / static_cast<double>(elapsed.count());
  }
};

class projection_runner {
 public:
  projection_runner(eventstore::event_store& store, runner_options options);
  ~projection_runner();
  projection_runner(const projection_runner&) = delete;
  projection_runner& operator=(const projection_runner&) = delete;

  // Loads the persisted state (resuming at its checkpoint). Called once, before anything else.
  // A checkpoint past the log's head (a bulk import cut short) resets the consumer: it starts
  // again from the first event.
  result<void> open();
  // Subscribes from the last applied position; events are applied on the subscription's thread.
  void start();
  // Stops the subscription and writes a final checkpoint.
  result<void> stop();

  // Applies everything up to the head on the calling thread, then checkpoints.
  result<void> catch_up();
  // The same without the final checkpoint: the state is checkpointed on the runner's cadence only
  // (every N events or T ms). For a caller that tells in-memory readers first and checkpoints after.
  result<void> apply_available();
  // consumer_reset, then replays the whole log from position 1 on the calling thread.
  result<rebuild_report> rebuild();
  // Persists state + checkpoint now (one commit_consumer).
  result<void> checkpoint();

  // Brings the state up to the store's current head: waits for the subscription when one runs,
  // applies on the calling thread (catch_up) otherwise. False on timeout or error.
  bool sync(std::chrono::milliseconds timeout);
  // Blocks until `p` is applied or the timeout passes; true when applied.
  bool wait_for(eventstore::position p, std::chrono::milliseconds timeout);
  eventstore::position last_applied() const;
  // The position of the last checkpoint the store holds. The audit index's postings are written by
  // checkpoints and invisible until then, so an audit answer reflects this position, which may be
  // behind last_applied(). Without a lock; inside read(f) it is consistent with the state f sees
  // (it changes only under the exclusive lock).
  eventstore::position checkpointed() const { return eventstore::position{checkpointed_position_.load()}; }
  std::uint64_t decode_failures() const;

  // Runs `f(const projection_state&, const keyed_state&)` under the shared lock.
  template <class F>
  auto read(F&& f) const {
    std::shared_lock lock(mutex_);
    return f(state_, keyed_);
  }

  eventstore::event_store& store() { return store_; }
  const runner_options& options() const { return options_; }

 private:
  void apply_batch(std::span<const eventstore::recorded_event> events);  // exclusive lock held
  // The same for events already decoded (decoded[k] is events[k]'s decoding).
  void apply_decoded(std::span<const eventstore::recorded_event> events,
                     std::span<const result<domain::event, domain::rejection>> decoded);
  void apply_one(const eventstore::recorded_event& rec, const result<domain::event, domain::rejection>& decoded);
  void after_batch();
  void notify_applied();  // exclusive lock not held
  result<void> checkpoint_locked();
  result<void> snapshot_locked();
  // Hands `commit` to the store: on this thread, or, while a rebuild runs (commits_in_flight_), on
  // another while this one goes on folding (one commit in flight at most, in order).
  // `keyed`, when valid, is keyed_'s writes drained on another thread (checkpoint_locked).
  result<void> commit_locked(eventstore::consumer_commit commit, std::future<eventstore::consumer_commit> keyed = {});
  // Buffered keyed writes and audit lines from which checkpoint_locked drains them aside.
  static constexpr std::size_t drain_aside_at = 50'000;
  // Waits for the commit in flight, if any; its result.
  result<void> settle_locked();
  // Rebuild's catch-up: one thread reads and decodes pages ahead while this one folds.
  result<void> catch_up_pipelined();

  eventstore::event_store& store_;
  runner_options options_;
  mutable std::shared_mutex mutex_;
  projection_state state_;
  keyed_state keyed_;
  std::uint64_t since_checkpoint_ = 0;
  std::uint64_t since_snapshot_ = 0;
  std::uint64_t log_bytes_since_snapshot_ = 0;
  std::uint64_t last_snapshot_bytes_ = 0;
  std::uint64_t decode_failures_ = 0;
  std::chrono::steady_clock::time_point last_checkpoint_;
  bool commits_in_flight_ = false;
  std::future<result<void>> in_flight_;
  std::unique_ptr<eventstore::subscription> subscription_;
  std::atomic<bool> subscribed_{false};
  // The last applied position, readable without mutex_ (wait_for's predicate runs under
  // applied_mutex_, which must never be held while taking mutex_).
  std::atomic<std::uint64_t> applied_position_{0};
  std::atomic<std::uint64_t> checkpointed_position_{0};  // see checkpointed()
  mutable std::mutex applied_mutex_;
  std::condition_variable applied_;
};

}  // namespace gongjian::projections
