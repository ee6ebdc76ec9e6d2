// As-of snapshots are spaced by events AND by bytes: one is taken once `snapshot_every_events`
// events have passed and the log has grown by at least the size of the last snapshot, never
// earlier and never later. So snapshots never take more room than the log, and an as-of replay
// is bounded by the state's size in events (see runner_options::snapshot_every_events).
#include <gtest/gtest.h>

#include <map>

#include "gongjian/projections/as_of.h"
#include "gongjian/projections/binary.h"
#include "gongjian/projections/runner.h"
#include "projections/campaign_generator.h"
#include "support/temp_dir.h"

namespace gongjian::projections::testing {
namespace {

TEST(SnapshotCadence, WaitsForTheLogToGrowByTheLastSnapshotsSize) {
  gongjian::testing::temp_dir dir;
  eventstore::options so;
  so.directory = dir / "db";
  so.mode = eventstore::durability::bulk_import_without_fsync;
  auto store = eventstore::event_store::open(so);
  ASSERT_TRUE(store) << store.error().message();

  campaign_generator gen(3);
  auto events = gen.setup(300);
  events.push_back({0, gen.campaign(1, domain::date_from_ymd(2016, 7, 1), domain::interview_rules{})});
  for (int day = 1; day <= 30; ++day) {
    auto more = gen.actions(day, 40);
    events.insert(events.end(), more.begin(), more.end());
  }
  for (std::size_t i = 0; i < events.size(); ++i)
    append_event(**store, events[i].event, 1467331200000 + events[i].day * 86400000LL, "gen:" + std::to_string(i));

  constexpr std::uint64_t every = 10;
  runner_options o;
  o.snapshot_every_events = every;
  projection_runner runner(**store, o);
  ASSERT_TRUE(runner.open().has_value());
  ASSERT_TRUE(runner.catch_up().has_value());

  std::map<std::uint64_t, std::uint64_t> snapshots;  // position -> bytes
  ASSERT_TRUE((*store)->consumer_scan(o.consumer, "s/", eventstore::read_direction::forward,
                                      [&](std::string_view k, std::string_view v) {
                                        if (!k.starts_with("s/")) return false;
                                        std::uint64_t p = 0;
                                        for (char c : k.substr(2)) p = (p << 8) | static_cast<unsigned char>(c);
                                        snapshots[p] = v.size();
                                        return true;
                                      }));
  ASSERT_GE(snapshots.size(), 3u);

  std::vector<std::uint64_t> sizes{0};  // stored_size by position
  for (eventstore::position from{0};;) {
    auto page = (*store)->read_all(eventstore::position{from.value + 1}, 4096);
    ASSERT_TRUE(page);
    if (page->empty()) break;
    for (const auto& rec : *page) sizes.push_back(eventstore::stored_size(rec));
    from = page->back().pos;
  }

  // Replaying the rule from the log gives exactly the stored snapshots.
  std::uint64_t since = 0, bytes = 0, last_snapshot = 0, widest = 0, previous = 0;
  std::map<std::uint64_t, std::uint64_t> expected;
  for (std::uint64_t p = 1; p < sizes.size(); ++p) {
    ++since;
    bytes += sizes[p];
    if (since >= every && bytes >= last_snapshot) {
      expected[p] = snapshots.count(p) ? snapshots[p] : 0;
      last_snapshot = snapshots.count(p) ? snapshots[p] : 0;
      widest = std::max(widest, p - previous);
      previous = p;
      since = bytes = 0;
    }
  }
  EXPECT_EQ(snapshots, expected);
  // The byte rule mattered: some snapshots are much farther apart than `every` events.
  EXPECT_GT(widest, 4 * every);
}

}  // namespace
}  // namespace gongjian::projections::testing
