#include "gongjian/projections/runner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstddef>
#include <deque>
#include <thread>
#include <vector>

#include "gongjian/domain/codec.h"
#include "gongjian/projections/as_of.h"
#include "gongjian/projections/audit.h"
#include "gongjian/projections/errc.h"

namespace gongjian::projections {

projection_runner::projection_runner(eventstore::event_store& store, runner_options options)
    : store_(store), options_(std::move(options)), keyed_(&store, options_.consumer),
      last_checkpoint_(std::chrono::steady_clock::now()) {}

projection_runner::~projection_runner() {
  if (subscription_) subscription_->stop();
  if (in_flight_.valid()) in_flight_.wait();
}

result<void> projection_runner::open() {
  std::unique_lock lock(mutex_);
  auto checkpoint = store_.consumer_checkpoint(options_.consumer);
  if (!checkpoint) return failure(checkpoint.error());
  if (checkpoint->has_value() && (*checkpoint)->value > store_.head().value) {
    // The state describes events the log no longer holds: a bulk import cut short by a crash
    // (its consumer commits may outlive the log records they follow). Resuming would skip the
    // positions the log assigns next, so the projections start again from the log's first event.
    spdlog::warn("projections: checkpoint {} is past the log's end {}; rebuilding '{}' from the start",
                 (*checkpoint)->value, store_.head().value, options_.consumer);
    if (auto reset = store_.consumer_reset(options_.consumer); !reset) return failure(reset.error());
    checkpoint = store_.consumer_checkpoint(options_.consumer);
    if (!checkpoint) return failure(checkpoint.error());
  }
  // An audit index of a former layout (lines of 48 bytes with a copy of the hash; before that, one
  // a/m/<ms><pos> key per event for the time index) cannot be read as today's: the projections
  // start again from the log's first event, once. Every commit since writes audit_line_marker.
  auto marker = store_.consumer_get(options_.consumer, audit_line_marker);
  if (!marker) return failure(marker.error());
  if (checkpoint->has_value() && *marker != std::to_string(audit_line_size)) {
    spdlog::warn("projections: '{}' has an audit index of a former layout; rebuilding it from the start",
                 options_.consumer);
    if (auto reset = store_.consumer_reset(options_.consumer); !reset) return failure(reset.error());
    checkpoint = store_.consumer_checkpoint(options_.consumer);
    if (!checkpoint) return failure(checkpoint.error());
  }
  // A state of another layout version (projection_state.h) lacks what this build keeps, or counted
  // the former way: it starts again too.
  auto layout = store_.consumer_get(options_.consumer, projection_layout_key);
  if (!layout) return failure(layout.error());
  if (checkpoint->has_value() && *layout != std::to_string(projection_layout_version)) {
    spdlog::warn("projections: '{}' holds layout version {}, this build keeps version {}; rebuilding it from the start",
                 options_.consumer, layout->value_or("1"), projection_layout_version);
    if (auto reset = store_.consumer_reset(options_.consumer); !reset) return failure(reset.error());
    checkpoint = store_.consumer_checkpoint(options_.consumer);
    if (!checkpoint) return failure(checkpoint.error());
  }
  if (!state_.load(store_, options_.consumer)) return failure(make_error_code(errc::corrupt_state));
  const std::uint64_t stored = checkpoint->has_value() ? (*checkpoint)->value : 0;
  if (stored != state_.last_applied().value) return failure(make_error_code(errc::corrupt_state));
  applied_position_.store(stored);
  checkpointed_position_.store(stored);
  spdlog::info("projections: resuming at position {} ({} events applied so far)", stored, state_.events_applied());
  return {};
}

void projection_runner::apply_batch(std::span<const eventstore::recorded_event> events) {
  for (const auto& rec : events) {
    if (rec.pos.value <= state_.last_applied().value) continue;  // already folded in (never expected)
    apply_one(rec, domain::decode(rec.type, rec.schema_version, rec.payload));
  }
  after_batch();
}

void projection_runner::apply_decoded(std::span<const eventstore::recorded_event> events,
                                      std::span<const result<domain::event, domain::rejection>> decoded) {
  // The strings of an event a few ahead are fetched while this one is applied: the reading thread
  // allocated them, so without this the fold's first touch of each (the audit index hashing the
  // actor's name, comparing the type's) was a cache miss, a twentieth of its time.
  constexpr std::size_t fetch_ahead = 2;
  for (std::size_t k = 0; k < events.size(); ++k) {
    if (k + fetch_ahead < events.size()) {
      const auto& next = events[k + fetch_ahead];
      __builtin_prefetch(next.metadata.by.user.data());
      __builtin_prefetch(next.type.data());
    }
    if (events[k].pos.value <= state_.last_applied().value) continue;
    apply_one(events[k], decoded[k]);
  }
  after_batch();
}

void projection_runner::apply_one(const eventstore::recorded_event& rec,
                                  const result<domain::event, domain::rejection>& decoded) {
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

void projection_runner::after_batch() {
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

namespace {
// In key order, the store's memtable inserts each key next to the one before (its skiplist keeps
// the last insert point) instead of searching from the top for every key: over a 101,612-event
// rebuild (callgrind) the memtable inserts cost 478 M instructions instead of 882 M, the sort 205 M.
// Stable, so that were a key ever put twice, the last put would still win.
// A commit's puts come as a few runs already in key order (persist_into's n/o/p, b/i/w, m;
// keyed_state's buffer; its postings), so the runs are found and merged pairwise (a few passes
// over the puts) instead of sorting from scratch (a merge sort's ~17 passes over a rebuild's
// ~250k puts). With many runs (no order to use) it falls back to the plain stable sort.
void in_key_order(eventstore::consumer_commit& commit) {
  auto& puts = commit.puts;
  auto less = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::vector<std::size_t> bounds{0};  // run r is [bounds[r], bounds[r + 1])
  for (std::size_t i = 1; i < puts.size(); ++i)
    if (puts[i].first < puts[i - 1].first) bounds.push_back(i);
  bounds.push_back(puts.size());
  constexpr std::size_t max_runs = 256;
  if (bounds.size() - 1 > max_runs) {
    std::stable_sort(puts.begin(), puts.end(), less);
    return;
  }
  const auto at = [&](std::size_t i) { return puts.begin() + static_cast<std::ptrdiff_t>(i); };
  while (bounds.size() > 2) {
    std::vector<std::size_t> merged{0};
    std::size_t r = 0;
    for (; r + 2 < bounds.size(); r += 2) {
      std::inplace_merge(at(bounds[r]), at(bounds[r + 1]), at(bounds[r + 2]), less);
      merged.push_back(bounds[r + 2]);
    }
    if (r + 1 < bounds.size()) merged.push_back(bounds.back());  // an odd run out: carried as is
    bounds = std::move(merged);
  }
}
}  // namespace

result<void> projection_runner::settle_locked() {
  if (!in_flight_.valid()) return {};
  auto done = in_flight_.get();
  if (done) keyed_.landed();
  return done;
}

result<void> projection_runner::commit_locked(eventstore::consumer_commit commit,
                                              std::future<eventstore::consumer_commit> keyed) {
  auto previous = settle_locked();  // commits land in order, one in flight at most
  if (!commits_in_flight_) {
    if (keyed.valid()) {
      auto drained = keyed.get();
      std::move(drained.puts.begin(), drained.puts.end(), std::back_inserter(commit.puts));
      std::move(drained.deletes.begin(), drained.deletes.end(), std::back_inserter(commit.deletes));
    } else {
      keyed_.drain_into(commit);
    }
    in_key_order(commit);
    auto done = store_.commit_consumer(commit);
    if (!previous) return previous;
    return done;
  }
  keyed_.drain_into_in_flight(commit);
  in_flight_ = std::async(std::launch::async, [this, c = std::move(commit)]() mutable {
    in_key_order(c);
    return store_.commit_consumer(c);
  });
  return previous;
}

result<void> projection_runner::checkpoint_locked() {
  // A large buffer of keyed writes (a rebuild's last checkpoint: its ledger and its audit lines,
  // placed into their postings as they drain) drains on another thread while this one encodes
  // the in-memory state: the two touch nothing in common. A commit handed to the store in
  // flight drains here, as it keeps a copy of what it hands over.
  std::future<eventstore::consumer_commit> keyed;
  if (!commits_in_flight_ && keyed_.pending_size() + keyed_.deferred_lines() >= drain_aside_at) {
    keyed = std::async(std::launch::async, [this] {
      eventstore::consumer_commit part;
      keyed_.drain_into(part);
      return part;
    });
  }
  eventstore::consumer_commit commit;
  commit.consumer = options_.consumer;
  commit.checkpoint = state_.last_applied();
  state_.persist_into(commit);
  const auto at = commit.checkpoint.value;
  auto done = commit_locked(std::move(commit), std::move(keyed));
  if (done) checkpointed_position_.store(at);
  since_checkpoint_ = 0;
  last_checkpoint_ = std::chrono::steady_clock::now();
  return done;
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
  auto snapshot = state_.canonical();
  last_snapshot_bytes_ = snapshot.size();
  commit.puts.emplace_back(snapshot_key(state_.last_applied()), std::move(snapshot));
  const auto at = commit.checkpoint.value;
  auto done = commit_locked(std::move(commit));
  if (done) checkpointed_position_.store(at);
  since_checkpoint_ = 0;
  last_checkpoint_ = std::chrono::steady_clock::now();
  return done;
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
  if (auto applied = apply_available(); !applied) return applied;
  return checkpoint();
}

result<void> projection_runner::apply_available() {
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
  return {};
}

// Rebuild's catch-up. A reader thread reads pages from the log and decodes them, a few pages
// ahead (a bounded queue), while this thread folds them and hands each checkpoint's commit to a
// third thread (commit_locked), so reading, folding and writing overlap. The order of events, of
// checkpoints and of commits is the order of the plain catch_up; so is every byte written.
result<void> projection_runner::catch_up_pipelined() {
  struct page {
    std::vector<eventstore::recorded_event> events;
    std::vector<result<domain::event, domain::rejection>> decoded;
    std::error_code error;
  };
  constexpr std::size_t ahead = 4;
  std::mutex m;
  std::condition_variable changed;
  std::deque<page> queue;
  // Pages folded, handed back for the reader to free: their strings were allocated on its thread,
  // and frees of another thread's chunks were a sixth of the folding thread's samples (perf), the
  // thread that bounds a rebuild; the reader has time to spare.
  std::vector<page> spent;
  bool finished = false;  // the reader read an empty page, failed, or was told to stop
  bool stop = false;
  eventstore::position from;
  {
    std::shared_lock lock(mutex_);
    from = state_.last_applied().next();
  }
  std::thread reader([&] {
    std::vector<page> to_free;
    for (;;) {
      {
        std::lock_guard lock(m);
        to_free.swap(spent);
      }
      to_free.clear();
      page p;
      auto got = store_.read_all(from, options_.page_size);
      const bool last = !got || got->empty();
      if (!got) {
        p.error = got.error();
      } else if (!got->empty()) {
        p.events = std::move(*got);
        p.decoded.reserve(p.events.size());
        for (const auto& rec : p.events) p.decoded.push_back(domain::decode(rec.type, rec.schema_version, rec.payload));
        from = p.events.back().pos.next();
      }
      std::unique_lock lock(m);
      changed.wait(lock, [&] { return stop || queue.size() < ahead; });
      if (stop) break;
      if (!p.events.empty() || p.error) queue.push_back(std::move(p));
      if (last) {
        finished = true;
        changed.notify_all();
        break;
      }
      changed.notify_all();
    }
  });
  std::error_code failed;
  for (;;) {
    page p;
    {
      std::unique_lock lock(m);
      changed.wait(lock, [&] { return finished || !queue.empty(); });
      if (queue.empty()) break;
      p = std::move(queue.front());
      queue.pop_front();
      changed.notify_all();
    }
    if (p.error) {
      failed = p.error;
      break;
    }
    {
      std::unique_lock lock(mutex_);
      apply_decoded(p.events, p.decoded);
    }
    notify_applied();
    std::lock_guard lock(m);
    spent.push_back(std::move(p));
  }
  {
    std::lock_guard lock(m);
    stop = true;
    changed.notify_all();
  }
  reader.join();
  if (failed) return failure(failed);
  return {};
}

result<rebuild_report> projection_runner::rebuild() {
  const auto started = std::chrono::steady_clock::now();
  {
    std::unique_lock lock(mutex_);
    if (auto reset = store_.consumer_reset(options_.consumer); !reset) return failure(reset.error());
    state_ = projection_state();
    applied_position_.store(0);
    checkpointed_position_.store(0);
    keyed_.clear();
    since_checkpoint_ = 0;
    since_snapshot_ = 0;
    log_bytes_since_snapshot_ = 0;
    last_snapshot_bytes_ = 0;
  }
  // The store's rebuild settings for this consumer's commits (no WAL, no compression, no automatic
  // compaction) until every one of them is in; end_consumer_rebuild makes them durable and puts
  // the live settings back, also when the rebuild fails. A crash in between leaves an earlier
  // checkpoint with the state it describes (or none), which `open` resumes from.
  if (auto begun = store_.begin_consumer_rebuild(options_.consumer); !begun) return failure(begun.error());
  {
    std::unique_lock lock(mutex_);
    commits_in_flight_ = true;
  }
  auto caught_up = catch_up_pipelined();
  {
    std::unique_lock lock(mutex_);
    commits_in_flight_ = false;
    auto settled = settle_locked();
    if (caught_up && !settled) caught_up = settled;
  }
  if (caught_up) caught_up = checkpoint();
  auto ended = store_.end_consumer_rebuild(options_.consumer);
  if (!caught_up) return failure(caught_up.error());
  if (!ended) return failure(ended.error());
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
