#include "gongjian/projections/runner.h"

#include <spdlog/spdlog.h>

#include "gongjian/domain/codec.h"
#include "gongjian/projections/as_of.h"
#include "gongjian/projections/errc.h"

namespace gongjian::projections {

projection_runner::projection_runner(eventstore::event_store& store, runner_options options)
    : store_(store), options_(std::move(options)), keyed_(&store, options_.consumer),
      last_checkpoint_(std::chrono::steady_clock::now()) {}

projection_runner::~projection_runner() {
  if (subscription_) subscription_->stop();
}

result<void> projection_runner::open() {
  std::unique_lock lock(mutex_);
  auto checkpoint = store_.consumer_checkpoint(options_.consumer);
  if (!checkpoint) return failure(checkpoint.error());
  if (!state_.load(store_, options_.consumer)) return failure(make_error_code(errc::corrupt_state));
  const std::uint64_t stored = checkpoint->has_value() ? (*checkpoint)->value : 0;
  if (stored != state_.last_applied().value) return failure(make_error_code(errc::corrupt_state));
  applied_position_.store(stored);
  spdlog::info("projections: resuming at position {} ({} events applied so far)", stored, state_.events_applied());
  return {};
}

void projection_runner::apply_batch(std::span<const eventstore::recorded_event> events) {
  for (const auto& rec : events) {
    if (rec.pos.value <= state_.last_applied().value) continue;  // already folded in (never expected)
    auto decoded = domain::decode(rec.type, rec.schema_version, rec.payload);
    if (decoded) {
      state_.apply(rec, *decoded, keyed_);
    } else {
      // An event this build cannot read still advances the position, so the runner never stalls;
      // it is counted and logged, and a rebuild with a newer build picks it up.
      ++decode_failures_;
      spdlog::error("projections: cannot decode event at position {} ({} v{}): {}", rec.pos.value, rec.type,
                    rec.schema_version, decoded.error().message);
      state_.skip(rec);
    }
    ++since_checkpoint_;
    ++since_snapshot_;
    log_bytes_since_snapshot_ += eventstore::stored_size(rec);
    if (options_.snapshot_every_events != 0 && since_snapshot_ >= options_.snapshot_every_events &&
        log_bytes_since_snapshot_ >= last_snapshot_bytes_) {
      if (auto s = snapshot_locked(); !s) spdlog::error("projections: snapshot failed: {}", s.error().message());
    }
  }
  if (since_checkpoint_ >= options_.checkpoint_every_events ||
      std::chrono::steady_clock::now() - last_checkpoint_ >= options_.checkpoint_every) {
    if (auto c = checkpoint_locked(); !c) spdlog::error("projections: checkpoint failed: {}", c.error().message());
  }
  applied_position_.store(state_.last_applied().value);
}

// Called with mutex_ NOT held: waiters take applied_mutex_ first, so taking it under mutex_
// would invert the order.
void projection_runner::notify_applied() {
  {
    std::lock_guard lock(applied_mutex_);
  }
  applied_.notify_all();
}

result<void> projection_runner::checkpoint_locked() {
  eventstore::consumer_commit commit;
  commit.consumer = options_.consumer;
  commit.checkpoint = state_.last_applied();
  state_.persist_into(commit);
  keyed_.drain_into(commit);
  auto done = store_.commit_consumer(commit);
  if (!done) return done;
  since_checkpoint_ = 0;
  last_checkpoint_ = std::chrono::steady_clock::now();
  return {};
}

// A snapshot is written in the same commit as a checkpoint, so it never refers to state the
// store does not hold: key s/<position> -> the canonical encoding of the whole in-memory state.
result<void> projection_runner::snapshot_locked() {
  since_snapshot_ = 0;
  log_bytes_since_snapshot_ = 0;
  eventstore::consumer_commit commit;
  commit.consumer = options_.consumer;
  commit.checkpoint = state_.last_applied();
  state_.persist_into(commit);
  keyed_.drain_into(commit);
  auto snapshot = state_.canonical();
  last_snapshot_bytes_ = snapshot.size();
  commit.puts.emplace_back(snapshot_key(state_.last_applied()), std::move(snapshot));
  auto done = store_.commit_consumer(commit);
  if (!done) return done;
  since_checkpoint_ = 0;
  last_checkpoint_ = std::chrono::steady_clock::now();
  return {};
}

result<void> projection_runner::checkpoint() {
  std::unique_lock lock(mutex_);
  return checkpoint_locked();
}

void projection_runner::start() {
  eventstore::subscribe_options opts;
  {
    std::shared_lock lock(mutex_);
    opts.after = state_.last_applied();
  }
  subscribed_.store(true);
  subscription_ = store_.subscribe(opts, [this](std::span<const eventstore::recorded_event> events) {
    {
      std::unique_lock lock(mutex_);
      apply_batch(events);
    }
    notify_applied();
    return true;
  });
}

result<void> projection_runner::stop() {
  if (subscription_) {
    subscription_->stop();
    subscription_.reset();
  }
  subscribed_.store(false);
  return checkpoint();
}

result<void> projection_runner::catch_up() {
  for (;;) {
    eventstore::position from;
    {
      std::shared_lock lock(mutex_);
      from = state_.last_applied().next();
    }
    auto page = store_.read_all(from, options_.page_size);
    if (!page) return failure(page.error());
    if (page->empty()) break;
    {
      std::unique_lock lock(mutex_);
      apply_batch(*page);
    }
    notify_applied();
  }
  return checkpoint();
}

result<rebuild_report> projection_runner::rebuild() {
  const auto started = std::chrono::steady_clock::now();
  {
    std::unique_lock lock(mutex_);
    if (auto reset = store_.consumer_reset(options_.consumer); !reset) return failure(reset.error());
    state_ = projection_state();
    applied_position_.store(0);
    keyed_.clear();
    since_checkpoint_ = 0;
    since_snapshot_ = 0;
    log_bytes_since_snapshot_ = 0;
    last_snapshot_bytes_ = 0;
  }
  if (auto done = catch_up(); !done) return failure(done.error());
  rebuild_report report;
  {
    std::shared_lock lock(mutex_);
    report.events = state_.events_applied();
  }
  report.elapsed = std::chrono::steady_clock::now() - started;
  return report;
}

bool projection_runner::sync(std::chrono::milliseconds timeout) {
  if (subscribed_.load()) return wait_for(store_.head(), timeout);
  return catch_up().has_value();
}

bool projection_runner::wait_for(eventstore::position p, std::chrono::milliseconds timeout) {
  std::unique_lock lock(applied_mutex_);
  return applied_.wait_for(lock, timeout, [&] { return applied_position_.load() >= p.value; });
}

eventstore::position projection_runner::last_applied() const {
  std::shared_lock lock(mutex_);
  return state_.last_applied();
}

std::uint64_t projection_runner::decode_failures() const {
  std::shared_lock lock(mutex_);
  return decode_failures_;
}

}  // namespace gongjian::projections
