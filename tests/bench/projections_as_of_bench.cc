// As-of queries at random past positions of a large campaign log (issue 4: median under 1 s in a
// 10-million-event log). The log is either generated here with tests/projections' seeded
// generator (the tree, --orgs organizations with their members, then 100 days of field actions
// up to --events, appended in the event store's bulk-import mode, many events per append), or,
// with --reuse yes, one already in --dir, such as `gongjian demo --orgs 610000` (about ten
// million events; the test generator looks members up by scanning, so it is meant for logs of a
// few hundred thousand events). The projections are then rebuilt over the log with snapshots
// every --snapshot-every events (that rebuild is timed too: the rebuild figure at this size), and
// the store's compaction of what the rebuild wrote is waited for (timed apart: compaction_s);
// then a history_cursor is opened at --queries random positions and the provinces are ranked
// there, each query timed. Prints the snapshots' size, the median, p90 and max query time, and
// RESULT lines. Never asserts.
//
// usage: projections_as_of_bench [--events N] [--orgs N] [--snapshot-every K] [--queries Q]
//                                [--dir DIR] [--reuse yes]
//   --dir DIR    where the event store is (default: a fresh directory under /tmp, removed after)
//   --reuse yes  DIR already holds a log (an earlier run's, or a demo's): use it as it is
#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "../projections/campaign_generator.h"
#include "gongjian/eventstore/event_store.h"
#include "gongjian/projections/as_of.h"
#include "gongjian/projections/rankings.h"
#include "gongjian/projections/runner.h"

namespace {

using namespace gongjian;
using clock_type = std::chrono::steady_clock;

constexpr std::int64_t campaign_start_ms = 1467331200000;  // 2016-07-01T00:00Z

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

bool parse(std::string_view text, std::uint64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

// Appends with a bounded number of requests in flight; the first failure is kept.
class bulk_appender {
 public:
  explicit bulk_appender(eventstore::event_store& store) : store_(store) {}
  void add(const domain::event& e, std::int64_t ms) {
    auto encoded = domain::encode(e);
    if (request_.writes.empty()) {
      request_.command_id = "bench:" + std::to_string(++requests_);
      request_.metadata.timestamp_ms = ms;
      request_.metadata.by = eventstore::actor{"staff", "operator", "000000"};
    }
    std::string stream = domain::stream_of(e);
    if (request_.writes.empty() || request_.writes.back().stream != stream) {
      request_.writes.push_back(eventstore::stream_write{std::move(stream), eventstore::expected_version::any(), {}});
    }
    request_.writes.back().events.push_back(
        eventstore::event_data{std::string(encoded.type), encoded.schema_version, std::move(encoded.payload)});
    if (++in_request_ == 512) flush();
  }
  void flush() {
    if (request_.writes.empty()) return;
    {
      std::unique_lock lock(mutex_);
      room_.wait(lock, [&] { return in_flight_ < 64; });
      ++in_flight_;
    }
    store_.append_async(std::move(request_), [this](gongjian::result<eventstore::append_result> r) {
      std::lock_guard lock(mutex_);
      --in_flight_;
      if (!r && error_.empty()) error_ = r.error().message();
      room_.notify_all();
    });
    request_ = {};
    in_request_ = 0;
  }
  std::string drain() {
    flush();
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return in_flight_ == 0; });
    return error_;
  }

 private:
  eventstore::event_store& store_;
  eventstore::append_request request_;
  std::size_t in_request_ = 0;
  std::uint64_t requests_ = 0;
  std::mutex mutex_;
  std::condition_variable room_;
  std::size_t in_flight_ = 0;
  std::string error_;
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t events = 10'000'000, orgs = 300'000, snapshot_every = 250'000, queries = 20;
  std::string dir;
  bool reuse = false;
  for (int i = 1; i < argc; i += 2) {
    std::string_view flag = argv[i];
    const bool has_value = i + 1 < argc;
    if (has_value && flag == "--events" && parse(argv[i + 1], events)) continue;
    if (has_value && flag == "--orgs" && parse(argv[i + 1], orgs)) continue;
    if (has_value && flag == "--snapshot-every" && parse(argv[i + 1], snapshot_every) && snapshot_every > 0) continue;
    if (has_value && flag == "--queries" && parse(argv[i + 1], queries) && queries > 0) continue;
    if (has_value && flag == "--dir") {
      dir = argv[i + 1];
      continue;
    }
    if (has_value && flag == "--reuse" && std::string_view(argv[i + 1]) == "yes") {
      reuse = true;
      continue;
    }
    std::fprintf(stderr,
                 "usage: projections_as_of_bench [--events N] [--orgs N] [--snapshot-every K] [--queries Q] [--dir DIR] "
                 "[--reuse yes]\n");
    return 2;
  }
  const bool temporary = dir.empty();
  if (temporary) dir = (std::filesystem::temp_directory_path() / ("gongjian-as-of-bench-" + std::to_string(::getpid()))).string();
  if (reuse && temporary) {
    std::fprintf(stderr, "projections_as_of_bench: --reuse needs --dir\n");
    return 2;
  }

  eventstore::options o;
  o.directory = dir;
  o.mode = eventstore::durability::bulk_import_without_fsync;
  auto opened = eventstore::event_store::open(o);
  if (!opened) {
    std::fprintf(stderr, "projections_as_of_bench: cannot open %s: %s\n", dir.c_str(), opened.error().message().c_str());
    return 1;
  }
  auto& store = **opened;

  if (!reuse) {
    const auto started = clock_type::now();
    projections::testing::campaign_generator gen(20161010);
    bulk_appender appender(store);
    std::uint64_t written = 0;
    auto put = [&](const std::vector<projections::testing::timed_event>& batch) {
      for (const auto& e : batch) {
        appender.add(e.event, campaign_start_ms + e.day * 86400000LL + static_cast<std::int64_t>(written % 86400000));
        ++written;
      }
    };
    put(gen.setup(orgs));
    put({{0, gen.campaign(1, domain::date_from_ymd(2016, 7, 1), domain::interview_rules{})}});
    // Day d ends when `d` hundredths of the remaining events are written (an action may yield
    // no event, so the generator is asked again until the day's share is there).
    const std::uint64_t base = written;
    for (int day = 1; day <= 100 && written < events; ++day) {
      const std::uint64_t day_end = events <= base ? base : base + (events - base) * static_cast<std::uint64_t>(day) / 100;
      while (written < day_end) put(gen.actions(day, std::min<std::uint64_t>(10000, day_end - written)));
    }
    if (auto error = appender.drain(); !error.empty()) {
      std::fprintf(stderr, "projections_as_of_bench: append failed: %s\n", error.c_str());
      return 1;
    }
    if (auto synced = store.sync(); !synced) {
      std::fprintf(stderr, "projections_as_of_bench: sync failed: %s\n", synced.error().message().c_str());
      return 1;
    }
    const double s = seconds_since(started);
    std::printf("log: %llu events (generated and appended in bulk mode) in %.1f s: %.0f events/s\n",
                static_cast<unsigned long long>(store.head().value), s, static_cast<double>(store.head().value) / s);
  }
  const std::uint64_t head = store.head().value;

  projections::runner_options ro;
  ro.checkpoint_every_events = 100000;
  ro.checkpoint_every = std::chrono::hours(24);
  ro.snapshot_every_events = snapshot_every;
  {
    projections::projection_runner runner(store, ro);
    if (auto r = runner.open(); !r) {
      std::fprintf(stderr, "projections_as_of_bench: %s\n", r.error().message().c_str());
      return 1;
    }
    auto report = runner.rebuild();
    if (!report) {
      std::fprintf(stderr, "projections_as_of_bench: rebuild failed: %s\n", report.error().message().c_str());
      return 1;
    }
    std::printf("rebuild with snapshots every %llu events: %llu events in %.1f s: %.0f events/s (decode failures %llu)\n",
                static_cast<unsigned long long>(snapshot_every), static_cast<unsigned long long>(report->events),
                std::chrono::duration<double>(report->elapsed).count(), report->events_per_second(),
                static_cast<unsigned long long>(runner.decode_failures()));
    std::printf("RESULT rebuild_events=%llu rebuild_events_per_s=%.0f\n", static_cast<unsigned long long>(report->events),
                report->events_per_second());
  }
  {
    // The rebuild's state is compacted in the background once it ends: wait for that, so the
    // queries below are timed on a settled store rather than against the compaction.
    const auto started = clock_type::now();
    if (auto waited = store.await_background_work(); !waited) {
      std::fprintf(stderr, "projections_as_of_bench: waiting for the compaction failed: %s\n",
                   waited.error().message().c_str());
      return 1;
    }
    const double s = seconds_since(started);
    std::printf("compaction after the rebuild: %.1f s\n", s);
    std::printf("RESULT compaction_s=%.1f\n", s);
  }
  std::uint64_t snapshots = 0, snapshot_bytes = 0;
  auto scanned = store.consumer_scan(ro.consumer, "s/", eventstore::read_direction::forward,
                                     [&](std::string_view key, std::string_view value) {
                                       if (!key.starts_with("s/")) return false;
                                       ++snapshots;
                                       snapshot_bytes += value.size();
                                       return true;
                                     });
  if (!scanned) {
    std::fprintf(stderr, "projections_as_of_bench: scanning snapshots failed\n");
    return 1;
  }
  std::printf("snapshots: %llu, %.1f MB uncompressed in all (%.1f MB each)\n", static_cast<unsigned long long>(snapshots),
              static_cast<double>(snapshot_bytes) / 1e6,
              snapshots == 0 ? 0.0 : static_cast<double>(snapshot_bytes) / 1e6 / static_cast<double>(snapshots));

  std::mt19937_64 rng(42);
  std::vector<double> ms;
  for (std::uint64_t q = 0; q < queries; ++q) {
    const eventstore::position p{1 + rng() % head};
    const auto started = clock_type::now();
    auto cursor = projections::history_cursor::open(store, ro.consumer, p);
    if (!cursor) {
      std::fprintf(stderr, "projections_as_of_bench: as-of %llu failed: %s\n", static_cast<unsigned long long>(p.value),
                   cursor.error().message().c_str());
      return 1;
    }
    // What a caller asks of it: the ranking of the provinces at that position.
    const auto& model = cursor->state().model();
    const auto ranked = projections::rank_children(model, model.tree().root(), projections::ranking_options{});
    const double took = seconds_since(started) * 1000.0;
    ms.push_back(took);
    std::printf("  as of %10llu: %8.1f ms (%zu provinces ranked)\n", static_cast<unsigned long long>(p.value), took,
                ranked.size());
  }
  std::printf("as-of over %llu events, snapshots every %llu: median %.1f ms, p90 %.1f ms, max %.1f ms\n",
              static_cast<unsigned long long>(head), static_cast<unsigned long long>(snapshot_every), percentile(ms, 0.5),
              percentile(ms, 0.9), *std::max_element(ms.begin(), ms.end()));
  std::printf("RESULT as_of_events=%llu snapshot_every=%llu snapshot_mb=%.1f median_ms=%.1f p90_ms=%.1f max_ms=%.1f\n",
              static_cast<unsigned long long>(head), static_cast<unsigned long long>(snapshot_every),
              static_cast<double>(snapshot_bytes) / 1e6, percentile(ms, 0.5), percentile(ms, 0.9),
              *std::max_element(ms.begin(), ms.end()));
  store.close();
  if (temporary) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return 0;
}
