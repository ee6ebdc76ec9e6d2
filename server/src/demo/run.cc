// Appends the generated campaign to an event store (see demo.h).
//
// Each accepted command becomes one append: its events (already encoded by the domain codec)
// grouped by stream in the order decide produced them, its command id and its metadata. Appends
// go through append_async so the store's single writer can group thousands of them into one
// write batch; the store's queue is first in, first out, so the log keeps the order in which the
// commands were decided (which is what a replay through apply needs). At most
// `max_in_flight` appends wait at a time, which bounds memory however large the demo.
//
// Bulletins and interviews come from the projections' workflow, driven on a virtual clock: every
// morning of the virtual campaign (08:00 China time, before the day's field work) the day's
// appends are drained, the clock set, and the workflow ticked; it brings the projections up to
// the head, issues any bulletin due with the interviews its rules call for, and appends them
// itself. The generator then observes those events (so its write model stays the log's) and the
// interviewees answer, pledge and rectify in the days that follow.

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "gongjian/domain/codec.h"
#include "gongjian/eventstore/event_store.h"
#include "gongjian/projections/runner.h"
#include "gongjian/projections/workflow.h"
#include "gongjian/server/demo.h"

namespace gongjian::server::demo {
namespace {

constexpr std::size_t max_in_flight = 16384;

eventstore::append_request to_request(generated_command&& c) {
  eventstore::append_request request;
  request.command_id = std::move(c.command_id);
  request.metadata = std::move(c.metadata);
  for (const auto& e : c.events) {
    std::string stream = domain::stream_of(e);
    auto encoded = domain::encode(e);
    // Consecutive events of one stream share a write; decide never interleaves streams, but a
    // stream that came back later would get a write of its own and keep the order anyway.
    if (request.writes.empty() || request.writes.back().stream != stream) {
      request.writes.push_back(eventstore::stream_write{std::move(stream), eventstore::expected_version::any(), {}});
    }
    request.writes.back().events.push_back(
        eventstore::event_data{std::string(encoded.type), encoded.schema_version, std::move(encoded.payload)});
  }
  return request;
}

// Appends with a bounded number in flight; remembers the first failure.
class bounded_appender {
 public:
  explicit bounded_appender(eventstore::event_store& store) : store_(store) {}

  void append(eventstore::append_request request) {
    {
      std::unique_lock lock(mutex_);
      room_.wait(lock, [&] { return in_flight_ < max_in_flight; });
      ++in_flight_;
    }
    const std::string command_id = request.command_id;
    store_.append_async(std::move(request), [this, command_id](result<eventstore::append_result> r) {
      std::lock_guard lock(mutex_);
      --in_flight_;
      if (!r && error_.empty()) error_ = "append of " + command_id + " failed: " + r.error().message();
      if (r && r->duplicate && error_.empty()) {
        error_ = "append of " + command_id + " was a duplicate: the store already held this demo's commands";
      }
      room_.notify_all();
    });
  }

  // Waits for every append to complete; the first error, or empty.
  std::string drain() {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return in_flight_ == 0; });
    return error_;
  }

  bool failed() {
    std::lock_guard lock(mutex_);
    return !error_.empty();
  }

 private:
  eventstore::event_store& store_;
  std::mutex mutex_;
  std::condition_variable room_;
  std::size_t in_flight_ = 0;
  std::string error_;
};

}  // namespace

result<run_report, std::string> run(const geography& geo, const options& opts, eventstore::event_store& store) {
  const auto started = std::chrono::steady_clock::now();
  const eventstore::position first_head = store.head();
  campaign_generator generator(geo, opts);
  bounded_appender appender(store);
  const command_sink sink = [&](generated_command&& c) { appender.append(to_request(std::move(c))); };

  // As-of snapshots too, so that history queries on the demo's log start from a snapshot near the
  // asked position instead of replaying from position 1 (the server only snapshots what it
  // applies itself). At 30,000 orgs a snapshot is about 4 MB: five of them for the default run.
  projections::runner_options runner_options;
  runner_options.snapshot_every_events = 100000;
  projections::projection_runner runner(store, runner_options);
  if (auto opened = runner.open(); !opened) return failure("projections: " + opened.error().message());
  projections::virtual_clock clock(0);
  projections::workflow flow(store, runner, clock);

  run_report report;
  while (generator.days_done() < opts.days) {
    if (auto error = appender.drain(); !error.empty()) return failure(std::move(error));
    const eventstore::position before = store.head();
    const domain::date today = domain::add_days(opts.start, static_cast<std::int32_t>(generator.days_done()));
    constexpr std::int64_t ms_per_day = 86'400'000;
    // 08:00 China time is 00:00 UTC.
    clock.set(static_cast<std::int64_t>(today.days_since_epoch) * ms_per_day);
    auto ticked = flow.tick();
    if (!ticked) return failure("workflow: " + ticked.error().message());
    report.bulletins += ticked->bulletins;
    report.interviews += ticked->interviews;
    report.escalations += ticked->escalations;
    for (eventstore::position next = before.next(); next <= store.head();) {
      auto page = store.read_all(next, 4096);
      if (!page) return failure("reading the workflow's events: " + page.error().message());
      if (page->empty()) break;
      for (const auto& rec : *page) {
        auto e = domain::decode(rec.type, rec.schema_version, rec.payload);
        if (!e) return failure("decoding " + rec.type + " at " + std::to_string(rec.pos.value) + ": " + e.error().message);
        generator.observe(*e);
        next = rec.pos.next();
      }
    }
    generator.step_day(sink);
  }
  if (auto error = appender.drain(); !error.empty()) return failure(std::move(error));
  // The projections' state and checkpoint go into the store too, so a server started on the
  // demo's data resumes from here instead of replaying the whole log.
  if (auto caught_up = runner.catch_up(); !caught_up) return failure("projections: " + caught_up.error().message());
  if (auto synced = store.sync(); !synced) return failure("sync failed: " + synced.error().message());

  report.provinces = geo.provinces.size();
  report.cities = geo.city_count();
  report.counties = geo.county_count();
  const auto& st = generator.state();
  for (const auto& j : st.jurisdictions()) {
    if (j.level == domain::jurisdiction_level::office) ++report.offices;
  }
  report.orgs = st.orgs().size();
  report.members = st.members().size();
  report.branches = st.branches().size();
  report.targets = st.targets().size();
  for (const auto& [id, t] : st.targets()) {
    if (t.status == domain::target_status::struck_off) ++report.targets_struck_off;
  }
  report.commands = generator.commands() + report.bulletins + report.interviews + report.escalations;
  report.events = store.head().value - first_head.value;
  report.rejections = generator.rejections().size();
  report.days = generator.days_done();
  report.notes = geo.notes;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace gongjian::server::demo
