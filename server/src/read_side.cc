#include "read_side.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "shared_state.h"

namespace gongjian::server {

class read_side::kicker final : public feed_listener {
 public:
  explicit kicker(read_side& owner) : owner_(owner) {}
  // Feed thread, feed lock held: only signals, before the feed formats the batch.
  void on_live(const feed_batch&) override {}
  bool wants_messages() const override { return false; }
  void on_committed() override {
    {
      std::lock_guard lock(owner_.stop_mutex_);
      owner_.kicked_ = true;
    }
    owner_.apply_cv_.notify_one();
  }

 private:
  read_side& owner_;
};

read_side::read_side(shared_state& state, std::shared_ptr<command_service> commands, read_side_options options)
    : state_(state), store_(state.store), options_(options), workflow_store_(state.store, std::move(commands)) {
  projections::runner_options o;
  o.consumer = consumer;
  o.snapshot_every_events = options_.snapshot_every_events;
  runner_ = std::make_unique<projections::projection_runner>(store_, o);
  projections::workflow_options w;
  w.apply_timeout = std::chrono::seconds(5);
  // The workflow folds the log through workflow_store and waits for the same runner.
  workflow_ = std::make_unique<projections::workflow>(workflow_store_, *runner_, clock_, w);
}

read_side::~read_side() { stop(); }

void read_side::start() {
  if (auto opened = runner_->open(); !opened)
    throw std::runtime_error("cannot load the projections (try 'gongjian rebuild'): " + opened.error().message());
  const auto started = std::chrono::steady_clock::now();
  if (auto caught = runner_->catch_up(); !caught)
    throw std::runtime_error("projections cannot catch up with the log: " + caught.error().message());
  kicker_ = std::make_shared<kicker>(*this);
  state_.feed.add(kicker_);
  state_.log->info("projections caught up at position {} in {} ms", runner_->last_applied().value,
                   std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
  published_.store(runner_->last_applied().value);
  ready_ = true;
  applier_ = std::thread([this] { apply_loop(); });
  ticker_ = std::thread([this] { workflow_loop(); });
}

void read_side::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
    ready_ = false;
  }
  stop_cv_.notify_all();
  apply_cv_.notify_all();
  if (kicker_) state_.feed.remove(kicker_.get());
  if (ticker_.joinable()) ticker_.join();
  if (applier_.joinable()) applier_.join();
  if (auto done = runner_->stop(); !done) state_.log->error("projections: final checkpoint failed: {}", done.error().message());
}

void read_side::add_listener(const std::shared_ptr<applied_listener>& listener) {
  std::lock_guard lock(listeners_mutex_);
  listeners_.emplace_back(listener.get(), listener);
}

void read_side::remove_listener(const applied_listener* listener) {
  std::lock_guard lock(listeners_mutex_);
  std::erase_if(listeners_, [listener](const auto& e) { return e.first == listener || e.second.expired(); });
}

// The runner is driven from here rather than by its own store subscription (start()): the
// runner's wait_for takes its locks in the opposite order from apply_batch (applied_mutex_ then
// the state lock, against the state lock then applied_mutex_), so any thread waiting on it (the
// workflow's sync, a notifier) can deadlock with the subscription thread. Without a
// subscription, runner.sync() is catch_up() on the caller's thread, which is safe to run from
// two threads (apply_batch skips positions already applied).
//
// Applier thread: woken by the server's live event feed whenever events are committed (or every
// 50 ms), it applies everything up to the head, publishes the position and tells the listeners that
// read only the in-memory state (rankings) at once, then checkpoints (so the audit and time indexes
// are readable) and tells the rest. The checkpoint costs about as much as applying the round, so the
// rankings subscribers no longer wait for it. While no listener reads checkpointed state, a round
// checkpoints only once `checkpoint_interval` has passed since the last checkpoint (a checkpoint
// still owed is written when it is up, events or not): at ~700 rounds a second under load each
// round's commit (nodes, org, meta, one posting per audit axis value, its WAL write) was half the
// applier's CPU. Positions that arrive while listeners are busy are coalesced into the next round.
void read_side::apply_loop() {
  using clock = std::chrono::steady_clock;
  std::uint64_t notified = runner_->last_applied().value;  // published, told to in-memory listeners
  std::uint64_t checkpointed = notified;                    // checkpointed, told to the others
  auto last_checkpoint = clock::now();
  std::vector<std::shared_ptr<applied_listener>> in_memory, checkpointed_listeners;
  // After a failed checkpoint (a full disk) the next try waits checkpoint_retry: retried every
  // round, and logged each time, it filled a log with 13,000 lines a second.
  bool checkpoint_failing = false;
  clock::time_point checkpoint_failed_at;
  while (!stopping_.load()) {
    {
      // A checkpoint still owed is written when its interval is up even if no event comes.
      auto wait = std::chrono::milliseconds(50);
      if (checkpointed < notified) {
        auto due = std::chrono::duration_cast<std::chrono::milliseconds>(last_checkpoint + options_.checkpoint_interval -
                                                                         clock::now());
        wait = std::clamp(due, std::chrono::milliseconds(0), wait);
      }
      std::unique_lock lock(stop_mutex_);
      apply_cv_.wait_for(lock, wait, [this] { return kicked_ || stopping_.load(); });
      kicked_ = false;
    }
    if (stopping_.load()) break;
    if (runner_->last_applied() < store_.head()) {
      if (auto done = runner_->apply_available(); !done) {
        state_.log->warn("projections: applying the log failed: {}", done.error().message());
        continue;
      }
    }
    const std::uint64_t now = runner_->last_applied().value;
    if (now <= checkpointed) continue;
    in_memory.clear();
    checkpointed_listeners.clear();
    {
      std::lock_guard lock(listeners_mutex_);
      for (const auto& [raw, weak] : listeners_)
        if (auto l = weak.lock())
          (l->reads_checkpointed_state() ? checkpointed_listeners : in_memory).push_back(std::move(l));
    }
    if (now > notified) {
      for (const auto& l : in_memory) l->on_applied(now);
      notified = now;
      published_.store(now);
    }
    if (checkpointed_listeners.empty() && clock::now() - last_checkpoint < options_.checkpoint_interval) continue;
    if (checkpoint_failing && clock::now() - checkpoint_failed_at < options_.checkpoint_retry) continue;
    if (auto done = runner_->checkpoint(); !done) {
      // The in-memory state is ahead of the store; a later round checkpoints it again.
      if (!checkpoint_failing) {
        state_.log->warn("projections: checkpoint failed: {} (retrying every {} ms, logged again once it succeeds)",
                         done.error().message(), options_.checkpoint_retry.count());
      }
      checkpoint_failing = true;
      checkpoint_failed_at = clock::now();
      continue;
    }
    if (checkpoint_failing) {
      state_.log->info("projections: checkpoints succeed again");
      checkpoint_failing = false;
    }
    last_checkpoint = clock::now();
    checkpointed = now;
    for (const auto& l : checkpointed_listeners) l->on_applied(now);
  }
}

// Workflow thread: tick, then sleep until the next tick or stop().
void read_side::workflow_loop() {
  bool paused = false;
  while (!stopping_.load()) {
    // Bulletins and interviews are appended: nothing to do while the store refuses writes.
    if (auto why = store_.write_failure()) {
      if (!std::exchange(paused, true)) state_.log->warn("workflow paused: the event store stopped writing ({})", *why);
      std::unique_lock lock(stop_mutex_);
      stop_cv_.wait_for(lock, options_.workflow_tick, [this] { return stopping_.load(); });
      continue;
    }
    auto report = workflow_->tick();
    ++workflow_ticks_;
    if (!report) {
      // Logged when ticks start failing, not at every tick of a failure that lasts.
      if (workflow_failures_in_a_row_++ == 0)
        state_.log->warn("workflow tick failed: {} (retrying at every tick, logged again once one succeeds)",
                         report.error().message());
      ++workflow_failures_;
    } else if (workflow_failures_in_a_row_ > 0) {
      state_.log->info("workflow ticks succeed again after {} failed", workflow_failures_in_a_row_);
      workflow_failures_in_a_row_ = 0;
    }
    if (report && report->bulletins + report->interviews + report->escalations > 0) {
      bulletins_issued_ += report->bulletins;
      interviews_scheduled_ += report->interviews;
      state_.log->info("workflow: {} bulletin(s), {} interview(s), {} escalation(s) issued", report->bulletins,
                       report->interviews, report->escalations);
    }
    std::unique_lock lock(stop_mutex_);
    stop_cv_.wait_for(lock, options_.workflow_tick, [this] { return stopping_.load(); });
  }
}

result<std::shared_ptr<const projections::projection_state>> read_side::state_at(std::uint64_t p) {
  {
    std::lock_guard lock(cache_mutex_);
    for (const auto& [pos, s] : cache_)
      if (pos == p) return s;
  }
  auto cursor = projections::history_cursor::open(store_, consumer, eventstore::position{p});
  if (!cursor) return failure(cursor.error());
  auto kept = std::make_shared<projections::history_cursor>(std::move(cursor).value());
  // Aliasing constructor: the state lives as long as its cursor.
  std::shared_ptr<const projections::projection_state> s(kept, &kept->state());
  std::lock_guard lock(cache_mutex_);
  cache_.emplace_back(p, s);
  while (cache_.size() > options_.as_of_cache) cache_.pop_front();
  return s;
}

std::optional<std::string> read_side::cached_body(const std::string& key, std::uint64_t position) {
  std::lock_guard lock(bodies_mutex_);
  auto it = bodies_.find(key);
  if (it == bodies_.end() || it->second.first != position) return std::nullopt;
  return it->second.second;
}

void read_side::cache_body(const std::string& key, std::uint64_t position, std::string body) {
  // Bounded by the number of distinct live queries; a dashboard asks a few hundred at most, so
  // starting over when full is simpler than an LRU and costs one recomputation each.
  constexpr std::size_t kMaxBodies = 1024;
  std::lock_guard lock(bodies_mutex_);
  auto it = bodies_.find(key);
  if (it != bodies_.end()) {
    if (it->second.first < position) it->second = {position, std::move(body)};
    return;
  }
  if (bodies_.size() >= kMaxBodies) bodies_.clear();
  bodies_.emplace(key, std::pair{position, std::move(body)});
}

result<std::uint64_t> read_side::position_at_time(std::int64_t unix_ms) const {
  auto p = projections::position_at_time(store_, consumer, unix_ms);
  if (!p) return failure(p.error());
  return p->value;
}

std::string read_side::metrics_text() const {
  const std::uint64_t head = store_.head().value;
  const std::uint64_t applied = runner_->last_applied().value;
  std::string out;
  auto gauge = [&out](const char* name, const char* help, const char* type, std::uint64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
           std::to_string(v) + "\n";
  };
  gauge("gongjian_projections_position", "Last log position the projections have applied.", "gauge", applied);
  gauge("gongjian_projections_lag_events", "Committed events the projections have not applied yet (head - applied).",
        "gauge", head > applied ? head - applied : 0);
  gauge("gongjian_projections_ready", "1 once the projections have caught up with the log at start-up.", "gauge",
        ready_.load() ? 1 : 0);
  gauge("gongjian_projections_decode_failures_total", "Events the projections could not decode (skipped).", "counter",
        runner_->decode_failures());
  gauge("gongjian_workflow_ticks_total", "Campaign workflow ticks.", "counter", workflow_ticks_.load());
  gauge("gongjian_workflow_failures_total", "Campaign workflow ticks that failed.", "counter", workflow_failures_.load());
  gauge("gongjian_workflow_bulletins_total", "Bulletins issued by this process.", "counter", bulletins_issued_.load());
  gauge("gongjian_workflow_interviews_total", "Interviews scheduled by this process.", "counter",
        interviews_scheduled_.load());
  return out;
}

}  // namespace gongjian::server
