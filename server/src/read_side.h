#pragma once
// The read side inside `serve`: the projection runner (indicators, rankings, ledger, audit index,
// snapshots for as-of queries), an applier that tells live topics which log position the
// projections have applied, and the campaign workflow (bulletins and interviews on the wall
// clock, projections/workflow.h).
//
// Threads and ownership: owned by server::impl (shared with the query routes and topics, which
// hold it by shared_ptr). start() runs on the start-up thread before the port opens: it resumes
// the runner at its checkpoint and catches up to the head. Then
//   - the applier thread, woken by the live event feed, applies new events (runner.catch_up,
//     exclusive lock; see apply_loop for why not the runner's own subscription) and calls every
//     applied_listener with the newest applied position (listeners compute small things under
//     the runner's shared lock, or post to their strands);
//   - the workflow thread ticks the campaign workflow every few seconds; its appends go through
//     workflow_store, so the command service's write model sees them too.
// Queries read through runner().read() (shared lock) on the store pool, never on network threads.
// stop() (shutdown, after the network threads have ended, before the store closes) joins both
// threads and stops the runner with a final checkpoint.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "command_service.h"
#include "event_feed.h"
#include "gongjian/projections/as_of.h"
#include "gongjian/projections/runner.h"
#include "gongjian/projections/workflow.h"
#include "workflow_store.h"

namespace gongjian::server {

class shared_state;

class applied_listener {
 public:
  virtual ~applied_listener() = default;
  // Applier thread (read_side.h): the projections now reflect the log up to `position`. Must not block long.
  virtual void on_applied(std::uint64_t position) = 0;
  // False for a listener that reads only the runner's in-memory state (rankings): it is told before
  // the round's checkpoint is written. The others (audit, interviews) read what the checkpoint
  // writes to the store, so they are told after it.
  virtual bool reads_checkpointed_state() const { return true; }
};

struct read_side_options {
  // Full snapshot of the projections every this many events (as-of queries replay at most this
  // many events from the nearest snapshot).
  std::uint64_t snapshot_every_events = 10000;
  // How often the workflow looks at the campaign clock.
  std::chrono::milliseconds workflow_tick{2000};
  // As-of states kept (an auditor stepping a slider asks for the same positions again).
  std::size_t as_of_cache = 4;
  // The live applier writes a checkpoint at most this often while no listener reads checkpointed
  // state (audit, interviews topics); with one, after every round. Rounds in between are applied,
  // published and told to the in-memory listeners (rankings) at once.
  std::chrono::milliseconds checkpoint_interval{20};
  // After a failed checkpoint, how long until the next try.
  std::chrono::milliseconds checkpoint_retry{1000};
};

class read_side {
 public:
  static constexpr const char* consumer = "projections";

  read_side(shared_state& state, std::shared_ptr<command_service> commands, read_side_options options = {});
  ~read_side();
  read_side(const read_side&) = delete;
  read_side& operator=(const read_side&) = delete;

  // Start-up thread: open at the checkpoint, catch up, start the applier and the
  // workflow. Throws std::runtime_error when the persisted projections cannot be loaded.
  void start();
  // Shutdown: ends the workflow and the applier, stops the runner (final checkpoint). Idempotent.
  void stop();
  bool ready() const { return ready_.load(); }

  projections::projection_runner& runner() { return *runner_; }
  eventstore::event_store& store() { return store_; }
  std::uint64_t last_applied() const { return runner_->last_applied().value; }
  // The position the applier last caught up to and told its listeners about; unlike
  // last_applied() it takes no lock, so a network thread may read it.
  std::uint64_t published_position() const { return published_.load(); }

  // Bodies of live (not as-of) query answers by a key naming the route and its parameters, each
  // with the position it was computed at. A body is a function of the projections at that
  // position alone, so while published_position() still equals it the body is the answer, and a
  // network thread can give it without the store pool hop and the runner's lock. Any thread.
  std::optional<std::string> cached_body(const std::string& key, std::uint64_t position);
  void cache_body(const std::string& key, std::uint64_t position, std::string body);

  void add_listener(const std::shared_ptr<applied_listener>& listener);
  void remove_listener(const applied_listener* listener);

  // The projections as they stood at log position `p` (nearest snapshot, then replay), cached.
  // Any thread (the store pool); errors: position_not_in_log, store errors.
  result<std::shared_ptr<const projections::projection_state>> state_at(std::uint64_t p);
  // The position of the last event at or before a Unix time in ms (0 when none).
  result<std::uint64_t> position_at_time(std::int64_t unix_ms) const;

  // Prometheus lines: projection position, lag, decode failures, workflow ticks.
  std::string metrics_text() const;

 private:
  class kicker;
  void apply_loop();
  void workflow_loop();

  shared_state& state_;
  eventstore::event_store& store_;
  read_side_options options_;
  std::unique_ptr<projections::projection_runner> runner_;
  workflow_store workflow_store_;
  projections::wall_clock clock_;
  std::unique_ptr<projections::workflow> workflow_;

  std::atomic<bool> ready_{false};
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  std::condition_variable apply_cv_;
  bool kicked_ = false;  // under stop_mutex_
  std::shared_ptr<feed_listener> kicker_;  // a kicker
  std::thread applier_;
  std::thread ticker_;

  std::mutex listeners_mutex_;
  // Raw pointer identifies a listener for remove() (see event_feed.h for why).
  std::vector<std::pair<const applied_listener*, std::weak_ptr<applied_listener>>> listeners_;

  std::atomic<std::uint64_t> published_{0};
  std::mutex bodies_mutex_;
  std::unordered_map<std::string, std::pair<std::uint64_t, std::string>> bodies_;

  std::mutex cache_mutex_;
  std::deque<std::pair<std::uint64_t, std::shared_ptr<const projections::projection_state>>> cache_;

  std::atomic<std::uint64_t> workflow_ticks_{0};
  std::atomic<std::uint64_t> workflow_failures_{0};
  std::uint64_t workflow_failures_in_a_row_ = 0;  // workflow thread only
  std::atomic<std::uint64_t> bulletins_issued_{0};
  std::atomic<std::uint64_t> interviews_scheduled_{0};
};

}  // namespace gongjian::server
