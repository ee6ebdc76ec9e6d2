// The runner against a real event store: resume from the checkpoint after restarts (including
// "crashes" between checkpoints), rebuild from zero, and compare byte for byte.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <cstdlib>
#include <fstream>
#include <random>

#include "gongjian/projections/as_of.h"
#include "gongjian/projections/audit.h"
#include "gongjian/projections/binary.h"
#include "gongjian/projections/member_transfers.h"
#include "gongjian/projections/runner.h"
#include "projections/builders.h"
#include "projections/campaign_generator.h"
#include "support/spawn_self.h"
#include "support/temp_dir.h"

namespace gongjian::projections::testing {
namespace {

constexpr std::int64_t campaign_start_ms = 1467331200000;  // 2016-07-01T00:00Z

std::unique_ptr<eventstore::event_store> open_store(const gongjian::testing::temp_dir& dir,
                                                   std::size_t rebuild_ingest_bytes = eventstore::options{}.rebuild_ingest_bytes) {
  eventstore::options o;
  o.directory = dir / "db";
  o.rebuild_ingest_bytes = rebuild_ingest_bytes;
  // The projections' promises do not depend on the log's fsyncs; skipping them keeps tests fast.
  o.mode = eventstore::durability::bulk_import_without_fsync;
  auto store = eventstore::event_store::open(o);
  if (!store) throw std::runtime_error("cannot open store: " + store.error().message());
  return std::move(store).value();
}

std::vector<timed_event> generated_campaign(std::uint64_t seed, std::size_t orgs, std::size_t per_day) {
  campaign_generator gen(seed);
  auto events = gen.setup(orgs);
  domain::interview_rules rules;
  events.push_back({0, gen.campaign(1, domain::date_from_ymd(2016, 7, 1), rules)});
  for (int day = 1; day <= 100; ++day) {
    auto more = gen.actions(day, per_day);
    events.insert(events.end(), more.begin(), more.end());
  }
  return events;
}

// Appends a generated campaign's events in order, each stamped on its day, one millisecond apart.
void append_campaign(eventstore::event_store& store, const std::vector<timed_event>& events) {
  for (std::size_t k = 0; k < events.size(); ++k)
    append_event(store, events[k].event, campaign_start_ms + events[k].day * 86400000LL + static_cast<std::int64_t>(k),
                 "gen:" + std::to_string(k));
}

// Every key and value of a consumer except its as-of snapshots (taken at option-dependent points).
// Postings (the audit index's a/u, a/j, a/y and per-minute a/t; the transfer letters' r/, d/, g/)
// are cut at checkpoints, which differ between a live run with restarts and a rebuild; they are
// compared line by line instead: each line becomes an entry <posting prefix><line's position> ->
// line, so the same lines under the same axis values (or minutes, members, branches, orgs) in the
// same order compare equal, and a missing, extra or altered line does not.
std::vector<std::pair<std::string, std::string>> consumer_contents(const eventstore::event_store& store,
                                                                   const std::string& consumer) {
  std::vector<std::pair<std::string, std::string>> out;
  auto scanned = store.consumer_scan(consumer, "", eventstore::read_direction::forward,
                                     [&](std::string_view k, std::string_view v) {
                                       if (k.starts_with("s/")) return true;
                                       std::size_t line = 0;
                                       if (k.starts_with("a/u/") || k.starts_with("a/j/") || k.starts_with("a/y/") ||
                                           k.starts_with("a/t/"))
                                         line = audit_line_size;
                                       if (k.starts_with("r/")) line = letter_line_size(letter_index::member);
                                       if (k.starts_with("d/")) line = letter_line_size(letter_index::branch);
                                       if (k.starts_with("g/")) line = letter_line_size(letter_index::org);
                                       if (line == 0) {
                                         out.emplace_back(std::string(k), std::string(v));
                                         return true;
                                       }
                                       EXPECT_EQ(v.size() % line, 0u) << "posting of " << v.size() << " bytes";
                                       EXPECT_FALSE(v.empty());
                                       const std::string_view prefix = k.substr(0, k.size() - 8);
                                       for (std::size_t at = 0; at + line <= v.size(); at += line) {
                                         std::string key(prefix);
                                         key.append(v.substr(at, 8));
                                         out.emplace_back(std::move(key), std::string(v.substr(at, line)));
                                       }
                                       // The key names the posting's last line.
                                       if (v.size() >= line) {
                                         EXPECT_EQ(k.substr(k.size() - 8), v.substr(v.size() - line, 8));
                                       }
                                       return true;
                                     });
  EXPECT_TRUE(scanned.has_value());
  return out;
}

// Every line of an audit axis value through read_audit, `limit` at a time.
std::vector<audit_line> all_audit_lines(const projection_runner& runner, audit_axis axis, const std::string& value,
                                        std::size_t limit) {
  return runner.read([&](const projection_state&, const keyed_state& keyed) {
    std::vector<audit_line> lines;
    audit_query q;
    q.axis = axis;
    q.value = value;
    q.limit = limit;
    for (;;) {
      auto page = read_audit(keyed, q);
      lines.insert(lines.end(), page.lines.begin(), page.lines.end());
      if (page.next.value == 0) break;
      q.after = page.next;
    }
    return lines;
  });
}

std::string canonical_of(projection_runner& runner) {
  return runner.read([](const projection_state& s, const keyed_state&) { return s.canonical(); });
}

TEST(runner, rebuild_equals_live_with_restarts_and_crashes_at_random_points) {
  gongjian::testing::temp_dir dir;
  auto store = open_store(dir);
  const auto events = generated_campaign(7, 200, 50);
  ASSERT_GT(events.size(), 4000u);
  std::mt19937_64 rng(2024);

  std::size_t appended = 0;
  int restarts = 0;
  while (appended < events.size()) {
    runner_options o;
    o.checkpoint_every_events = 1 + rng() % 300;
    o.checkpoint_every = std::chrono::hours(1);  // only the event count triggers checkpoints
    o.snapshot_every_events = 700;
    o.page_size = 1 + rng() % 500;
    auto runner = std::make_unique<projection_runner>(*store, o);
    ASSERT_TRUE(runner->open().has_value());
    runner->start();
    const std::size_t chunk = std::min<std::size_t>(events.size() - appended, 1 + rng() % 900);
    for (std::size_t k = 0; k < chunk; ++k, ++appended) {
      const auto& e = events[appended];
      append_event(*store, e.event, campaign_start_ms + e.day * 86400000LL + static_cast<std::int64_t>(appended),
                   "gen:" + std::to_string(appended));
    }
    // Stop part-way through what was appended: a crash (no final checkpoint) or a clean stop.
    const auto target = eventstore::position{store->head().value - rng() % (chunk / 2 + 1)};
    ASSERT_TRUE(runner->wait_for(target, std::chrono::seconds(30)));
    if (rng() % 2 == 0) {
      runner.reset();  // crash: whatever was applied after the last checkpoint is lost
    } else {
      ASSERT_TRUE(runner->stop().has_value());
    }
    ++restarts;
  }
  ASSERT_GE(restarts, 5);

  projection_runner live(*store, runner_options{});
  ASSERT_TRUE(live.open().has_value());
  ASSERT_TRUE(live.catch_up().has_value());
  EXPECT_EQ(live.last_applied(), store->head());
  EXPECT_EQ(live.decode_failures(), 0u);

  runner_options rebuilt_options;
  rebuilt_options.consumer = "projections-rebuilt";
  projection_runner rebuilt(*store, rebuilt_options);
  ASSERT_TRUE(rebuilt.open().has_value());
  auto report = rebuilt.rebuild();
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->events, store->head().value);

  const std::string a = canonical_of(live), b = canonical_of(rebuilt);
  EXPECT_EQ(a.size(), b.size());
  EXPECT_TRUE(a == b) << "live and rebuilt projection states differ";
  // The persisted state (orgs, nodes, ledger, audit index, checkpoint meta) is identical too.
  const auto live_contents = consumer_contents(*store, "projections");
  EXPECT_TRUE(live_contents == consumer_contents(*store, "projections-rebuilt"));
  // The audit trail reads the same through the API, paged across posting boundaries.
  for (const auto& [axis, value] : std::vector<std::pair<audit_axis, std::string>>{
           {audit_axis::event_type, "organization_registered"},
           {audit_axis::event_type, "member_recorded"},
           {audit_axis::actor, "staff"},
           {audit_axis::jurisdiction, "110101001"}}) {
    const auto from_live = all_audit_lines(live, axis, value, 41);
    EXPECT_FALSE(from_live.empty()) << value;
    EXPECT_EQ(from_live, all_audit_lines(rebuilt, axis, value, 41)) << value;
    EXPECT_EQ(from_live, all_audit_lines(rebuilt, axis, value, 100000)) << value;
  }
  // The transfer letters' indexes read the same: the letters addressed to each of the generator's
  // three branches (those issued: the others' receipt names no issue), and members' letters.
  const auto to_branch = [](projection_runner& runner, std::uint64_t branch) {
    return runner.read([&](const projection_state& s, const keyed_state& keyed) {
      return letters_to_branch(keyed, s.pending_letter_lines(), domain::branch_id{branch});
    });
  };
  std::size_t letters = 0;
  for (std::uint64_t branch = 1; branch <= 3; ++branch) {
    const auto from_live = to_branch(live, branch);
    EXPECT_FALSE(from_live.empty()) << branch;
    EXPECT_EQ(from_live, to_branch(rebuilt, branch)) << branch;
    for (const auto& l : from_live) {
      const auto of_member = [&](projection_runner& runner) {
        return runner.read([&](const projection_state& s, const keyed_state& keyed) {
          return member_transfers(keyed, s.pending_letter_lines(), l.member, 64);
        });
      };
      const auto ids = of_member(live);
      EXPECT_NE(std::find(ids.begin(), ids.end(), l.transfer), ids.end());
      EXPECT_EQ(ids, of_member(rebuilt));
      ++letters;
    }
  }
  EXPECT_GT(letters, 20u);
  // A fresh runner resuming from the rebuilt consumer loads the same state.
  projection_runner reopened(*store, rebuilt_options);
  ASSERT_TRUE(reopened.open().has_value());
  EXPECT_TRUE(canonical_of(reopened) == b);
  // The generator's history places every event: nothing was counted as an anomaly.
  EXPECT_EQ(live.read([](const projection_state& s, const keyed_state&) { return s.model().anomalies(); }), 0u);
}

// A rebuild of a large log writes its commits as table files and ingests them (the store's
// rebuild_ingest_bytes; this log's commits are far below the default, so the store here ingests
// every one): the same state, persisted byte for byte, as a catch-up whose commits go through
// the memtable, and again after the store is reopened.
TEST(runner, a_rebuild_whose_commits_are_ingested_equals_a_catch_up) {
  gongjian::testing::temp_dir dir;
  auto store = open_store(dir, 1);
  const auto events = generated_campaign(11, 150, 40);
  append_campaign(*store, events);
  std::string caught_up_state;
  std::vector<std::pair<std::string, std::string>> caught_up_contents;
  {
    projection_runner caught_up(*store, runner_options{});
    ASSERT_TRUE(caught_up.open().has_value());
    ASSERT_TRUE(caught_up.catch_up().has_value());
    caught_up_state = canonical_of(caught_up);
    caught_up_contents = consumer_contents(*store, "projections");
  }
  runner_options o;
  o.consumer = "projections-ingested";
  o.checkpoint_every_events = 700;  // several commits, each one file
  {
    projection_runner rebuilt(*store, o);
    ASSERT_TRUE(rebuilt.open().has_value());
    auto report = rebuilt.rebuild();
    ASSERT_TRUE(report.has_value());
    EXPECT_EQ(report->events, store->head().value);
    EXPECT_TRUE(canonical_of(rebuilt) == caught_up_state);
    EXPECT_TRUE(consumer_contents(*store, "projections-ingested") == caught_up_contents);
  }
  store->close();
  store = open_store(dir);
  projection_runner reopened(*store, o);
  ASSERT_TRUE(reopened.open().has_value());
  EXPECT_EQ(reopened.last_applied(), store->head());
  EXPECT_TRUE(canonical_of(reopened) == caught_up_state);
}

TEST(runner, as_of_from_snapshots_equals_state_replayed_from_zero) {
  gongjian::testing::temp_dir dir;
  auto store = open_store(dir);
  const auto events = generated_campaign(11, 60, 10);
  append_campaign(*store, events);
  runner_options o;
  o.snapshot_every_events = 100;
  projection_runner runner(*store, o);
  ASSERT_TRUE(runner.open().has_value());
  ASSERT_TRUE(runner.catch_up().has_value());
  std::mt19937_64 rng(5);
  for (int k = 0; k < 8; ++k) {
    const eventstore::position p{1 + rng() % store->head().value};
    auto with_snapshots = history_cursor::open(*store, o.consumer, p);
    ASSERT_TRUE(with_snapshots.has_value());
    auto from_zero = history_cursor::open(*store, "no-snapshots-here", eventstore::position{0});
    ASSERT_TRUE(from_zero.has_value());
    ASSERT_TRUE(from_zero->advance_to(p).has_value());
    EXPECT_EQ(with_snapshots->position(), p);
    EXPECT_TRUE(with_snapshots->state().canonical() == from_zero->state().canonical()) << "as-of differs at " << p.value;
  }
  // Stepping: one event at a time.
  auto cursor = history_cursor::open(*store, o.consumer, eventstore::position{10});
  ASSERT_TRUE(cursor.has_value());
  auto next = cursor->step();
  ASSERT_TRUE(next.has_value() && next->has_value());
  EXPECT_EQ((*next)->pos.value, 11u);
  EXPECT_EQ(cursor->position().value, 11u);
  // An entity as of a position: its stream's events up to it.
  const auto some = store->read_all(eventstore::position{store->head().value / 2}, 1).value().front();
  auto history = entity_history(*store, some.stream, some.pos);
  ASSERT_TRUE(history.has_value());
  ASSERT_FALSE(history->empty());
  EXPECT_EQ(history->back().pos, some.pos);
  for (const auto& rec : *history) EXPECT_EQ(rec.stream, some.stream);
  // The ledger as of a position: nothing designated after it, nothing struck off after it.
  runner.read([&](const projection_state& s, const keyed_state& keyed) {
    ledger_query q;
    q.jurisdiction_path = s.model().tree().path(s.model().tree().root());
    q.limit = 100000;
    const eventstore::position half{store->head().value / 2};
    for (const auto& line : read_ledger_as_of(keyed, q, half).lines) {
      EXPECT_LE(line.entry.designated_at, half.value);
      EXPECT_LE(line.entry.struck_off_at, half.value);
      if (line.entry.status == domain::target_status::struck_off) {
        EXPECT_NE(line.entry.struck_off_at, 0u);
      }
    }
    return 0;
  });
  // Time -> position through the audit index: events of day 1 end before day 2 starts.
  auto at = position_at_time(*store, o.consumer, campaign_start_ms + 2 * 86400000LL - 1);
  ASSERT_TRUE(at.has_value());
  auto last_of_day_one = store->read_all(*at, 2);
  ASSERT_TRUE(last_of_day_one.has_value() && !last_of_day_one->empty());
  EXPECT_LT(last_of_day_one->front().metadata.timestamp_ms, campaign_start_ms + 2 * 86400000LL);
  if (last_of_day_one->size() == 2) {
    EXPECT_GE(last_of_day_one->back().metadata.timestamp_ms, campaign_start_ms + 2 * 86400000LL);
  }
}

TEST(runner, audit_index_by_entity_actor_jurisdiction_type_and_time) {
  gongjian::testing::temp_dir dir;
  auto store = open_store(dir);
  const auto events = generated_campaign(3, 30, 5);
  for (std::size_t i = 0; i < events.size(); ++i)
    append_event(*store, events[i].event, campaign_start_ms + events[i].day * 86400000LL + static_cast<std::int64_t>(i),
                 "gen:" + std::to_string(i), eventstore::actor{i % 2 == 0 ? "alice" : "bob", "operator", "110101001"});
  // Small checkpoints: each axis value's lines are spread over many postings, which pages cross.
  runner_options small_checkpoints;
  small_checkpoints.checkpoint_every_events = 13;
  small_checkpoints.page_size = 29;
  projection_runner runner(*store, small_checkpoints);
  ASSERT_TRUE(runner.open().has_value());
  ASSERT_TRUE(runner.catch_up().has_value());
  auto all = store->read_all(eventstore::position{1}, 100000);
  ASSERT_TRUE(all.has_value());

  runner.read([&](const projection_state&, const keyed_state& keyed) {
    // By actor, paged: every event of alice, in log order, each with its position and hash.
    std::vector<audit_line> alice;
    audit_query q;
    q.axis = audit_axis::actor;
    q.value = "alice";
    q.limit = 37;
    for (;;) {
      auto page = read_audit(keyed, q);
      alice.insert(alice.end(), page.lines.begin(), page.lines.end());
      if (page.next.value == 0) break;
      q.after = page.next;
    }
    std::vector<audit_line> expected;
    for (const auto& rec : *all)
      if (rec.metadata.by.user == "alice") expected.push_back(audit_line{rec.pos, rec.metadata.timestamp_ms});
    EXPECT_EQ(alice, expected);
    // By entity (stream) and by event type.
    const auto& some = (*all)[all->size() / 2];
    audit_query by_stream{audit_axis::stream, some.stream};
    auto stream_page = read_audit(keyed, by_stream);
    std::size_t in_stream = 0;
    for (const auto& rec : *all) in_stream += rec.stream == some.stream;
    EXPECT_EQ(stream_page.lines.size(), in_stream);
    audit_query by_type{audit_axis::event_type, "organization_registered"};
    by_type.limit = 1000;
    EXPECT_EQ(read_audit(keyed, by_type).lines.size(), 30u);
    // By jurisdiction: events about orgs of one office, within a time range.
    audit_query by_office{audit_axis::jurisdiction, "110101001"};
    by_office.limit = 100000;
    by_office.from_ms = campaign_start_ms + 86400000LL;
    by_office.to_ms = campaign_start_ms + 50 * 86400000LL;
    for (const auto& line : read_audit(keyed, by_office).lines) {
      EXPECT_GE(line.timestamp_ms, *by_office.from_ms);
      EXPECT_LE(line.timestamp_ms, *by_office.to_ms);
    }
    // By time alone.
    auto by_time = read_audit_by_time(keyed, campaign_start_ms + 3 * 86400000LL, campaign_start_ms + 4 * 86400000LL - 1, std::nullopt, 1000);
    std::size_t on_day_three = 0;
    for (const auto& rec : *all)
      on_day_three += rec.metadata.timestamp_ms >= campaign_start_ms + 3 * 86400000LL &&
                      rec.metadata.timestamp_ms < campaign_start_ms + 4 * 86400000LL;
    EXPECT_EQ(by_time.lines.size(), on_day_three);
    return 0;
  });
}

// A jurisdiction's audit trail holds its interviews' whole follow-up: the follow-up events name
// only the interview, and are indexed under the jurisdiction it was scheduled for, so the trail
// by jurisdiction has every line the entity trail (the interview's stream) has.
TEST(runner, a_jurisdictions_audit_trail_holds_its_interviews_follow_up) {
  namespace ev = domain::events;
  gongjian::testing::temp_dir dir;
  auto store = open_store(dir);
  std::int64_t ms = campaign_start_ms;
  int n = 0;
  auto add = [&](const domain::event& e) { append_event(*store, e, ms += 1000, "t:" + std::to_string(++n)); };
  add(ev::jurisdiction_registered{
      domain::jurisdiction_code{"000000"}, "全国", domain::jurisdiction_level::national, {}});
  add(ev::jurisdiction_registered{domain::jurisdiction_code{"110000"}, "北京市", domain::jurisdiction_level::province,
                                  domain::jurisdiction_code{"000000"}});
  add(ev::jurisdiction_registered{domain::jurisdiction_code{"110100"}, "市辖区", domain::jurisdiction_level::city,
                                  domain::jurisdiction_code{"110000"}});
  add(ev::jurisdiction_registered{domain::jurisdiction_code{"110105"}, "朝阳区", domain::jurisdiction_level::county,
                                  domain::jurisdiction_code{"110100"}});
  auto scheduled = [&](std::uint64_t id) {
    ev::interview_scheduled e;
    e.interview = domain::interview_id{id};
    e.campaign = domain::campaign_id{1};
    e.jurisdiction = domain::jurisdiction_code{"110105"};
    e.responsible_person = "区长";
    e.reasons = {domain::interview_reason::ranked_last};
    e.round = domain::bulletin_round{1};
    e.scheduled_at_ms = ms + 3 * 86400000LL;
    return e;
  };
  // One interview followed up to its close, another escalated to the city.
  add(scheduled(7));
  add(ev::interview_held{domain::interview_id{7}, ms, "进展慢", "两周内整改"});
  add(ev::rectification_items_set{domain::interview_id{7},
                                  {domain::rectification_item{"应建未建", "组建", domain::date_from_ymd(2016, 8, 1)}}});
  add(ev::rectification_item_done{domain::interview_id{7}, 0, domain::date_from_ymd(2016, 7, 30)});
  add(ev::interview_closed{domain::interview_id{7}, "整改完成", domain::date_from_ymd(2016, 7, 31)});
  add(scheduled(8));
  add(ev::interview_held{domain::interview_id{8}, ms, "", ""});
  add(ev::interview_escalated{domain::interview_id{8}, domain::jurisdiction_code{"110100"}, "逾期未整改",
                              domain::date_from_ymd(2016, 8, 16)});
  projection_runner runner(*store, runner_options{});
  ASSERT_TRUE(runner.open().has_value());
  ASSERT_TRUE(runner.catch_up().has_value());
  const auto county = all_audit_lines(runner, audit_axis::jurisdiction, "110105", 100);
  std::vector<audit_line> expected;
  for (const std::string stream : {"interview-7", "interview-8"}) {
    const auto trail = all_audit_lines(runner, audit_axis::stream, stream, 100);
    EXPECT_FALSE(trail.empty()) << stream;
    expected.insert(expected.end(), trail.begin(), trail.end());
  }
  std::sort(expected.begin(), expected.end(),
            [](const audit_line& a, const audit_line& b) { return a.pos.value < b.pos.value; });
  ASSERT_EQ(expected.size(), 8u);  // 5 events of interview 7, 3 of interview 8
  // The county's own registration (position 4), then every line of both interviews.
  ASSERT_FALSE(county.empty());
  EXPECT_EQ(county.front().pos.value, 4u);
  EXPECT_EQ(std::vector<audit_line>(county.begin() + 1, county.end()), expected);
}

// The audit index's postings are written by checkpoints: between two, the runner has applied
// events whose lines no reader sees yet. checkpointed() says how far the postings go (the server's
// audit answers report it as their position), and every line up to it is there.
TEST(runner, checkpointed_tells_how_far_the_audit_postings_go) {
  gongjian::testing::temp_dir dir;
  auto store = open_store(dir);
  const auto events = generated_campaign(5, 10, 3);
  const std::size_t half = events.size() / 2;
  auto append_range = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i)
      append_event(*store, events[i].event, campaign_start_ms + events[i].day * 86400000LL + static_cast<std::int64_t>(i),
                   "gen:" + std::to_string(i), eventstore::actor{"alice", "operator", "110101001"});
  };
  runner_options rarely;  // no checkpoint of the runner's own cadence in this test
  rarely.checkpoint_every_events = 1000000;
  rarely.checkpoint_every = std::chrono::hours(1);
  projection_runner runner(*store, rarely);
  ASSERT_TRUE(runner.open().has_value());
  EXPECT_EQ(runner.checkpointed().value, 0u);
  auto alice_lines = [&] {
    std::size_t n = 0;
    runner.read([&](const projection_state&, const keyed_state& keyed) {
      audit_query q;
      q.axis = audit_axis::actor;
      q.value = "alice";
      q.limit = 1000000;
      for (const auto& line : read_audit(keyed, q).lines) {
        EXPECT_LE(line.pos.value, runner.checkpointed().value);
        ++n;
      }
      return 0;
    });
    return n;
  };
  append_range(0, half);
  ASSERT_TRUE(runner.catch_up().has_value());  // applies, then checkpoints
  EXPECT_EQ(runner.checkpointed(), runner.last_applied());
  EXPECT_EQ(alice_lines(), half);
  append_range(half, events.size());
  ASSERT_TRUE(runner.apply_available().has_value());  // applies, no checkpoint
  EXPECT_EQ(runner.last_applied().value, events.size());
  EXPECT_EQ(runner.checkpointed().value, half);
  EXPECT_EQ(alice_lines(), half);
  ASSERT_TRUE(runner.checkpoint().has_value());
  EXPECT_EQ(runner.checkpointed().value, events.size());
  EXPECT_EQ(alice_lines(), events.size());
  // A runner opened on the store starts at its checkpoint.
  projection_runner reopened(*store, rarely);
  ASSERT_TRUE(reopened.open().has_value());
  EXPECT_EQ(reopened.checkpointed().value, events.size());
}

// The time index against the log itself, with timestamps that go back and forth (within a minute,
// across minutes, and across checkpoints, so that one minute's lines sit in several postings that
// overlap in time): every window read page by page gives exactly the log's lines in the window, in
// (time, position) order, and time -> position gives the last such line at or before the time.
TEST(runner, time_index_orders_lines_by_time_across_checkpoints_and_minutes) {
  gongjian::testing::temp_dir dir;
  auto store = open_store(dir);
  const auto events = generated_campaign(5, 20, 4);
  std::mt19937_64 rng(99);
  std::int64_t ms = campaign_start_ms;
  for (std::size_t i = 0; i < events.size(); ++i) {
    // Around 7 s apart, up to three minutes early or late; one in nine at the time of the one before.
    if (rng() % 9 != 0) {
      ms = campaign_start_ms + static_cast<std::int64_t>(i) * 7000 + static_cast<std::int64_t>(rng() % 360000) - 180000;
    }
    append_event(*store, events[i].event, ms, "gen:" + std::to_string(i));
  }
  runner_options small_checkpoints;
  small_checkpoints.checkpoint_every_events = 17;
  small_checkpoints.page_size = 23;
  projection_runner runner(*store, small_checkpoints);
  ASSERT_TRUE(runner.open().has_value());
  ASSERT_TRUE(runner.catch_up().has_value());
  auto all = store->read_all(eventstore::position{1}, 100000);
  ASSERT_TRUE(all.has_value());
  std::vector<audit_line> by_time;
  for (const auto& rec : *all) by_time.push_back(audit_line{rec.pos, rec.metadata.timestamp_ms});
  std::sort(by_time.begin(), by_time.end(), [](const audit_line& a, const audit_line& b) {
    return std::pair(a.timestamp_ms, a.pos.value) < std::pair(b.timestamp_ms, b.pos.value);
  });
  const std::int64_t first_ms = by_time.front().timestamp_ms, last_ms = by_time.back().timestamp_ms;
  std::vector<std::pair<std::int64_t, std::int64_t>> windows{{first_ms, last_ms}, {first_ms - 1, first_ms - 1}};
  for (int w = 0; w < 20; ++w) {
    const std::int64_t from = first_ms - 60000 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(last_ms - first_ms + 120000));
    windows.emplace_back(from, from + static_cast<std::int64_t>(rng() % 1000000));
  }
  runner.read([&](const projection_state&, const keyed_state& keyed) {
    for (const auto& [from, to] : windows) {
      std::vector<audit_line> expected;
      for (const auto& line : by_time)
        if (line.timestamp_ms >= from && line.timestamp_ms <= to) expected.push_back(line);
      for (std::size_t limit : {std::size_t{1}, std::size_t{7}, std::size_t{100000}}) {
        std::vector<audit_line> got;
        std::optional<audit_line> after;
        for (;;) {
          auto page = read_audit_by_time(keyed, from, to, after, limit);
          EXPECT_LE(page.lines.size(), limit);
          got.insert(got.end(), page.lines.begin(), page.lines.end());
          if (page.next.value == 0) break;
          EXPECT_EQ(page.next, page.lines.back().pos);
          after = page.lines.back();
          if (got.size() > expected.size()) break;
        }
        EXPECT_EQ(got, expected) << "window " << from << ".." << to << ", " << limit << " a page";
      }
    }
    return 0;
  });
  for (int k = 0; k < 40; ++k) {
    const std::int64_t t = first_ms - 60000 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(last_ms - first_ms + 120000));
    std::uint64_t expected = 0;
    for (const auto& line : by_time)
      if (line.timestamp_ms <= t) expected = line.pos.value;
    auto at = position_at_time(*store, "projections", t);
    ASSERT_TRUE(at.has_value());
    EXPECT_EQ(at->value, expected) << "at " << t;
  }
}

// A store written before audit lines lost their copy of the hash holds 48-byte lines (and, before
// the time index took one posting per minute, one a/m/<ms><pos> key per event), and no
// audit_line_marker: read as today's 16-byte lines they would name wrong positions, so its
// projections start again from the log's first event.
TEST(runner, an_audit_index_of_a_former_layout_starts_the_projections_again) {
  gongjian::testing::temp_dir dir;
  auto store = open_store(dir);
  const auto events = generated_campaign(13, 20, 5);
  append_campaign(*store, events);
  {
    projection_runner first(*store, runner_options{});
    ASSERT_TRUE(first.open().has_value());
    ASSERT_TRUE(first.catch_up().has_value());
  }
  // What the former layouts wrote for the first event, beside the state of the current one, and
  // no marker.
  const auto first_event = store->read_all(eventstore::position{1}, 1).value().front();
  std::string former_key = "a/m/";
  binary::key_u64(former_key, static_cast<std::uint64_t>(first_event.metadata.timestamp_ms));
  binary::key_u64(former_key, 1);
  std::string former_posting = "a/y/" + first_event.type + '\0';
  binary::key_u64(former_posting, 1);
  eventstore::consumer_commit former;
  former.consumer = "projections";
  former.checkpoint = store->head();
  former.puts.emplace_back(former_key, std::string(48, 'x'));
  former.puts.emplace_back(former_posting, std::string(48, 'x'));
  former.deletes.emplace_back(audit_line_marker);
  ASSERT_TRUE(store->commit_consumer(former).has_value());

  projection_runner reopened(*store, runner_options{});
  ASSERT_TRUE(reopened.open().has_value());
  EXPECT_EQ(reopened.last_applied().value, 0u);
  bool former_key_left = false;
  ASSERT_TRUE(store->consumer_scan("projections", "a/m/", eventstore::read_direction::forward,
                                   [&](std::string_view k, std::string_view) {
                                     former_key_left = k.starts_with("a/m/");
                                     return false;
                                   }).has_value());
  EXPECT_FALSE(former_key_left);
  ASSERT_TRUE(reopened.catch_up().has_value());
  EXPECT_EQ(reopened.last_applied(), store->head());
  EXPECT_EQ(store->consumer_get("projections", audit_line_marker).value(), std::to_string(audit_line_size));
  reopened.read([&](const projection_state&, const keyed_state& keyed) {
    audit_query by_type{audit_axis::event_type, first_event.type};
    const auto page = read_audit(keyed, by_type);
    ASSERT_FALSE(page.lines.empty());
    EXPECT_EQ(page.lines.front(), (audit_line{first_event.pos, first_event.metadata.timestamp_ms}));
  });
  auto at = position_at_time(*store, "projections", first_event.metadata.timestamp_ms);
  ASSERT_TRUE(at.has_value());
  EXPECT_GE(at->value, 1u);
}

// A store whose projections were kept by a build of an earlier layout version (projection_state.h)
// lacks what this build keeps (before version 2, the index of each member's transfer letters):
// its projections start again from the log's first event, once, and then hold it.
TEST(runner, a_state_of_an_earlier_layout_version_starts_the_projections_again) {
  gongjian::testing::temp_dir dir;
  auto store = open_store(dir);
  const auto events = generated_campaign(17, 20, 5);
  append_campaign(*store, events);
  const domain::member_id member{900001};
  const domain::transfer_id letter{900002};
  const std::int64_t later = campaign_start_ms + 101 * 86400000LL;
  ev::organization_registered registered;
  registered.org = domain::organization_id{900000};
  registered.org_name = "org";
  registered.office = jurisdiction_code{"110101001"};
  append_event(*store, registered, later, "org-900000");
  ev::member_recorded recorded;
  recorded.member = member;
  recorded.org = domain::organization_id{900000};
  recorded.status = member_status::pocket;
  append_event(*store, recorded, later + 1, "member-900001");
  append_event(
      *store,
      ev::transfer_letter_issued{letter, member, "外省某村党支部", domain::branch_id{99}, member_standing::formal,
                                 day(2016, 6, 30), day(2016, 10, 9), day(2016, 12, 31)},
      later + 2, "letter-900002");
  const auto letters_indexed = [&](projection_runner& runner) {
    runner.read([&](const projection_state& s, const keyed_state& keyed) {
      EXPECT_EQ(member_transfers(keyed, s.pending_letter_lines(), member, 10), std::vector<domain::transfer_id>{letter});
      EXPECT_EQ(letters_to_branch(keyed, s.pending_letter_lines(), domain::branch_id{99}).size(), 1u);
      EXPECT_EQ(letters_of_org(keyed, s.pending_letter_lines(), domain::organization_id{900000}).size(), 1u);
    });
  };
  {
    projection_runner first(*store, runner_options{});
    ASSERT_TRUE(first.open().has_value());
    ASSERT_TRUE(first.catch_up().has_value());
    letters_indexed(first);
  }
  EXPECT_EQ(store->consumer_get("projections", projection_layout_key).value(),
            std::to_string(projection_layout_version));
  // What a build of version 1 left: no layout key, and no letters indexed.
  eventstore::consumer_commit former;
  former.consumer = "projections";
  former.checkpoint = store->head();
  former.deletes.emplace_back(projection_layout_key);
  for (const auto& prefix : {letter_postings_prefix(letter_index::member, member.value),
                             letter_postings_prefix(letter_index::branch, 99),
                             letter_postings_prefix(letter_index::org, 900000)}) {
    ASSERT_TRUE(store->consumer_scan("projections", prefix, eventstore::read_direction::forward,
                                     [&](std::string_view k, std::string_view) {
                                       if (!k.starts_with(prefix)) return false;
                                       former.deletes.emplace_back(k);
                                       return true;
                                     }));
  }
  ASSERT_EQ(former.deletes.size(), 4u);  // the layout key and one posting each
  ASSERT_TRUE(store->commit_consumer(former).has_value());

  projection_runner reopened(*store, runner_options{});
  ASSERT_TRUE(reopened.open().has_value());
  EXPECT_EQ(reopened.last_applied().value, 0u);
  ASSERT_TRUE(reopened.catch_up().has_value());
  EXPECT_EQ(reopened.last_applied(), store->head());
  EXPECT_EQ(store->consumer_get("projections", projection_layout_key).value(),
            std::to_string(projection_layout_version));
  letters_indexed(reopened);
  // And a store of this version resumes where it stood.
  const std::uint64_t head = store->head().value;
  projection_runner again(*store, runner_options{});
  ASSERT_TRUE(again.open().has_value());
  EXPECT_EQ(again.last_applied().value, head);
}

// A store whose counters were kept under a former definition (an older projection_layout_version,
// or none: before version 3 instructors_assigned summed instructor-to-org assignments) would keep
// answering with them: its projections start again from the log's first event.
TEST(runner, counters_of_a_former_definition_start_the_projections_again) {
  gongjian::testing::temp_dir dir;
  auto store = open_store(dir);
  const auto events = generated_campaign(17, 20, 5);
  append_campaign(*store, events);
  std::string expected;
  {
    projection_runner first(*store, runner_options{});
    ASSERT_TRUE(first.open().has_value());
    ASSERT_TRUE(first.catch_up().has_value());
    ASSERT_TRUE(first.stop().has_value());
    expected = canonical_of(first);
  }
  EXPECT_EQ(store->consumer_get("projections", projection_layout_key).value(), std::to_string(projection_layout_version));
  // Resumed as it is: nothing applied again.
  {
    projection_runner again(*store, runner_options{});
    ASSERT_TRUE(again.open().has_value());
    EXPECT_EQ(again.last_applied(), store->head());
  }
  // Layout 3 indexed a member's letters one key each and no branch's or org's; layout 4's letter
  // states and d/, g/ keys (taken out again) are not today's postings.
  for (const std::optional<std::string>& former :
       {std::optional<std::string>{}, std::optional<std::string>{"1"}, std::optional<std::string>{"3"},
        std::optional<std::string>{"4"}}) {
    eventstore::consumer_commit commit;
    commit.consumer = "projections";
    commit.checkpoint = store->head();
    if (former) {
      commit.puts.emplace_back(std::string(projection_layout_key), *former);
    } else {
      commit.deletes.emplace_back(projection_layout_key);
    }
    ASSERT_TRUE(store->commit_consumer(commit).has_value());
    projection_runner reopened(*store, runner_options{});
    ASSERT_TRUE(reopened.open().has_value());
    EXPECT_EQ(reopened.last_applied().value, 0u) << (former ? *former : "no marker");
    ASSERT_TRUE(reopened.catch_up().has_value());
    EXPECT_EQ(canonical_of(reopened), expected);
    ASSERT_TRUE(reopened.stop().has_value());
    EXPECT_EQ(store->consumer_get("projections", projection_layout_key).value(), std::to_string(projection_layout_version));
  }
}

// After a bulk import cut short by a crash, the projections' state can describe events the log no
// longer holds. Store `longer` has k more events than `shorter` (the same first ones); the state of
// `longer`'s projections is planted in `shorter` as if it had outlived the lost records. The runner
// must not resume from it (it would skip the positions the log assigns next) but start again.
TEST(runner, a_checkpoint_past_the_logs_end_starts_the_projections_again) {
  gongjian::testing::temp_dir shorter_dir, longer_dir;
  auto shorter = open_store(shorter_dir);
  auto longer = open_store(longer_dir);
  const auto events = generated_campaign(11, 40, 10);
  const std::size_t kept = events.size() - 200;
  for (std::size_t k = 0; k < events.size(); ++k) {
    const auto ms = campaign_start_ms + events[k].day * 86400000LL + static_cast<std::int64_t>(k);
    append_event(*longer, events[k].event, ms, "gen:" + std::to_string(k));
    if (k < kept) append_event(*shorter, events[k].event, ms, "gen:" + std::to_string(k));
  }
  ASSERT_LT(shorter->head(), longer->head());
  {
    projection_runner ahead(*longer, runner_options{});
    ASSERT_TRUE(ahead.open().has_value());
    ASSERT_TRUE(ahead.catch_up().has_value());
  }
  eventstore::consumer_commit planted;
  planted.consumer = "projections";
  planted.checkpoint = longer->head();
  ASSERT_TRUE(longer->consumer_scan("projections", "", eventstore::read_direction::forward,
                                    [&](std::string_view k, std::string_view v) {
                                      planted.puts.emplace_back(std::string(k), std::string(v));
                                      return true;
                                    }).has_value());
  ASSERT_FALSE(planted.puts.empty());
  ASSERT_TRUE(shorter->commit_consumer(planted).has_value());

  projection_runner resumed(*shorter, runner_options{});
  ASSERT_TRUE(resumed.open().has_value());
  EXPECT_EQ(resumed.last_applied().value, 0u);
  ASSERT_TRUE(resumed.catch_up().has_value());
  EXPECT_EQ(resumed.last_applied(), shorter->head());

  runner_options rebuilt_options;
  rebuilt_options.consumer = "projections-rebuilt";
  projection_runner rebuilt(*shorter, rebuilt_options);
  ASSERT_TRUE(rebuilt.open().has_value());
  ASSERT_TRUE(rebuilt.rebuild().has_value());
  EXPECT_TRUE(canonical_of(resumed) == canonical_of(rebuilt));
}

// A rebuild killed mid-way (the process dies without closing the store) and the runner opened
// afterwards: it resumes from whatever checkpoint survived and ends equal to a rebuild. The child
// (this binary run again, see kill_child_environment) rebuilds through a store that, after its
// third commit, ends and begins the rebuild settings again (which flushes, as a full memtable
// would), and dies right after its sixth: the unlogged commits 4 to 6 are lost with it.
constexpr const char* rebuild_child_dir_variable = "GONGJIAN_REBUILD_CHILD_DIR";
constexpr int rebuild_child_flush_at = 3;
constexpr int rebuild_child_die_at = 6;

runner_options rebuild_child_options() {
  runner_options o;
  o.checkpoint_every_events = 400;
  o.checkpoint_every = std::chrono::hours(1);
  o.snapshot_every_events = 700;
  o.page_size = 256;
  return o;
}

// Forwards everything to `inner`, and counts consumer commits.
class commit_counting_store final : public eventstore::event_store {
 public:
  commit_counting_store(eventstore::event_store& inner, std::function<void(int, const eventstore::consumer_commit&)> after)
      : inner_(inner), after_(std::move(after)) {}
  result<eventstore::append_result> append(eventstore::append_request r) override { return inner_.append(std::move(r)); }
  void append_async(eventstore::append_request r, std::function<void(result<eventstore::append_result>)> done) override {
    inner_.append_async(std::move(r), std::move(done));
  }
  result<eventstore::stream_version> stream_head(std::string_view s) const override { return inner_.stream_head(s); }
  result<std::vector<eventstore::recorded_event>> read_stream(std::string_view s, eventstore::stream_version from,
                                                              eventstore::read_direction d, std::size_t n) const override {
    return inner_.read_stream(s, from, d, n);
  }
  result<std::vector<eventstore::recorded_event>> read_all(eventstore::position from, std::size_t n) const override {
    return inner_.read_all(from, n);
  }
  eventstore::position head() const override { return inner_.head(); }
  eventstore::sha256_digest head_hash() const override { return inner_.head_hash(); }
  std::unique_ptr<eventstore::subscription> subscribe(eventstore::subscribe_options o,
                                                      eventstore::batch_handler h) override {
    return inner_.subscribe(o, std::move(h));
  }
  result<eventstore::verify_report> verify(eventstore::position from, eventstore::position to) const override {
    return inner_.verify(from, to);
  }
  result<void> commit_consumer(const eventstore::consumer_commit& c) override {
    auto done = inner_.commit_consumer(c);
    if (done) after_(++commits_, c);
    return done;
  }
  result<std::optional<eventstore::position>> consumer_checkpoint(std::string_view c) const override {
    return inner_.consumer_checkpoint(c);
  }
  result<std::optional<std::string>> consumer_get(std::string_view c, std::string_view k) const override {
    return inner_.consumer_get(c, k);
  }
  result<void> consumer_scan(std::string_view c, std::string_view start, eventstore::read_direction d,
                             const std::function<bool(std::string_view, std::string_view)>& visit) const override {
    return inner_.consumer_scan(c, start, d, visit);
  }
  result<void> consumer_reset(std::string_view c) override { return inner_.consumer_reset(c); }
  result<void> begin_consumer_rebuild(std::string_view c) override { return inner_.begin_consumer_rebuild(c); }
  result<void> end_consumer_rebuild(std::string_view c) override { return inner_.end_consumer_rebuild(c); }
  result<void> sync() override { return inner_.sync(); }
  void close() override { inner_.close(); }

 private:
  eventstore::event_store& inner_;
  std::function<void(int, const eventstore::consumer_commit&)> after_;
  std::atomic<int> commits_{0};
};

void write_number(const std::filesystem::path& file, std::uint64_t n) {
  std::ofstream out(file);
  out << n << '\n';
}

std::uint64_t read_number(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::uint64_t n = 0;
  in >> n;
  return n;
}

[[noreturn]] void run_rebuild_child(const std::filesystem::path& dir) {
  eventstore::options o;
  o.directory = dir / "db";
  o.mode = eventstore::durability::bulk_import_without_fsync;
  auto opened = eventstore::event_store::open(o);
  if (!opened) std::_Exit(3);
  eventstore::event_store& inner = **opened;
  commit_counting_store store(inner, [&](int n, const eventstore::consumer_commit& c) {
    if (n == rebuild_child_flush_at) {
      if (!inner.end_consumer_rebuild(c.consumer) || !inner.begin_consumer_rebuild(c.consumer)) std::_Exit(4);
      write_number(dir / "flushed", c.checkpoint.value);
    }
    if (n == rebuild_child_die_at) {
      write_number(dir / "died", c.checkpoint.value);
      std::_Exit(0);  // no close: the memtables, and the unlogged commits in them, are lost
    }
  });
  projection_runner runner(store, rebuild_child_options());
  if (!runner.open()) std::_Exit(5);
  (void)runner.rebuild();
  std::_Exit(6);  // finished without dying: too few commits for the test
}

class rebuild_child_environment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (const char* dir = std::getenv(rebuild_child_dir_variable)) run_rebuild_child(dir);
  }
};

[[maybe_unused]] ::testing::Environment* const rebuild_child_environment_registered =
    ::testing::AddGlobalTestEnvironment(new rebuild_child_environment);

TEST(runner, a_rebuild_killed_midway_resumes_from_a_surviving_checkpoint_and_equals_a_rebuild) {
  gongjian::testing::temp_dir dir;
  const auto events = generated_campaign(7, 200, 50);
  {
    auto store = open_store(dir);
    append_campaign(*store, events);
    // A live state to be replaced by the rebuild.
    projection_runner live(*store, runner_options{});
    ASSERT_TRUE(live.open().has_value());
    ASSERT_TRUE(live.catch_up().has_value());
    store->close();
  }
  {
    const pid_t pid = gongjian::testing::spawn_self({{rebuild_child_dir_variable, dir.path().string()}},
                                                    "indicators.canonical_form_round_trips");
    ASSERT_GT(pid, 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }
  const std::uint64_t flushed = read_number(dir / "flushed"), died = read_number(dir / "died");
  ASSERT_GT(flushed, 0u);
  ASSERT_LT(flushed, died);

  auto store = open_store(dir);
  // The checkpoint of the last flushed commit survived with its state; the later, unlogged ones
  // did not (logged, they would have: the process died, the machine did not).
  auto checkpoint = store->consumer_checkpoint("projections");
  ASSERT_TRUE(checkpoint && checkpoint->has_value());
  EXPECT_EQ((*checkpoint)->value, flushed);
  projection_runner resumed(*store, rebuild_child_options());
  ASSERT_TRUE(resumed.open().has_value());
  EXPECT_EQ(resumed.last_applied().value, flushed);
  ASSERT_TRUE(resumed.catch_up().has_value());
  EXPECT_EQ(resumed.last_applied(), store->head());

  runner_options rebuilt_options = rebuild_child_options();
  rebuilt_options.consumer = "projections-rebuilt";
  projection_runner rebuilt(*store, rebuilt_options);
  ASSERT_TRUE(rebuilt.open().has_value());
  ASSERT_TRUE(rebuilt.rebuild().has_value());
  EXPECT_TRUE(canonical_of(resumed) == canonical_of(rebuilt));
  EXPECT_TRUE(consumer_contents(*store, "projections") == consumer_contents(*store, "projections-rebuilt"));
  // And the rebuild's own state is durable once rebuild returns: it reads back after a reopen.
  const auto rebuilt_contents = consumer_contents(*store, "projections-rebuilt");
  store->close();
  store = open_store(dir);
  EXPECT_TRUE(consumer_contents(*store, "projections-rebuilt") == rebuilt_contents);
}

// The actors' postings table of index_audit grows past its first 1,024 slots (701 actors) and holds
// names too long for a slot; each actor's lines are exactly its events, with one checkpoint for
// the whole log and with many (the table is emptied at each).
TEST(runner, audit_index_by_actor_with_many_actors_and_long_names) {
  gongjian::testing::temp_dir dir;
  auto store = open_store(dir);
  const auto events = generated_campaign(5, 200, 20);
  ASSERT_GT(events.size(), 2000u);
  auto actor_name = [](std::size_t i) {
    const auto n = std::to_string(i % 701);
    return i % 701 % 3 == 0 ? std::string(50, 'x') + "-" + n : "op-" + n;
  };
  for (std::size_t i = 0; i < events.size(); ++i)
    append_event(*store, events[i].event, campaign_start_ms + events[i].day * 86400000LL + static_cast<std::int64_t>(i),
                 "gen:" + std::to_string(i), eventstore::actor{actor_name(i), "operator", "110101001"});
  auto all = store->read_all(eventstore::position{1}, 100000);
  ASSERT_TRUE(all.has_value());
  for (const std::uint64_t every : {std::uint64_t{1000000}, std::uint64_t{97}}) {
    runner_options options;
    options.consumer = "projections-" + std::to_string(every);
    options.checkpoint_every_events = every;
    options.checkpoint_every = std::chrono::hours(1);
    projection_runner runner(*store, options);
    ASSERT_TRUE(runner.open().has_value());
    ASSERT_TRUE(runner.catch_up().has_value());
    for (const std::size_t actor : {std::size_t{0}, std::size_t{1}, std::size_t{350}, std::size_t{699}, std::size_t{700}}) {
      const auto name = actor_name(actor);
      std::vector<audit_line> expected;
      for (const auto& rec : *all)
        if (rec.metadata.by.user == name) expected.push_back(audit_line{rec.pos, rec.metadata.timestamp_ms});
      ASSERT_FALSE(expected.empty());
      EXPECT_EQ(all_audit_lines(runner, audit_axis::actor, name, 1000), expected) << name << " every " << every;
    }
  }
}

// A checkpoint's puts reach the runner as a few runs in key order, which it merges instead of
// sorting: keyed_state hands its postings over in key order, not its hash table's.
TEST(keyed_state, drains_its_postings_in_key_order_after_its_buffered_writes) {
  keyed_state keyed(nullptr, "c");
  keyed.put("k/2", "two");
  keyed.put("k/1", "one");
  keyed.erase("k/3");
  std::string line(48, '\0');
  for (int i = 0; i < 200; ++i) {
    line[7] = static_cast<char>(i);
    keyed.append_posting("a/u/user" + std::to_string((i * 37) % 101) + std::string(1, '\0'), line);
  }
  eventstore::consumer_commit commit;
  commit.puts.emplace_back("m", "meta");
  keyed.drain_into(commit);
  ASSERT_EQ(commit.puts.size(), 1u + 2u + 101u);
  EXPECT_EQ(commit.puts[1].first, "k/1");
  EXPECT_EQ(commit.puts[2].first, "k/2");
  ASSERT_EQ(commit.deletes, std::vector<std::string>{"k/3"});
  const auto less = [](const auto& a, const auto& b) { return a.first < b.first; };
  EXPECT_TRUE(std::is_sorted(commit.puts.begin() + 3, commit.puts.end(), less));
  EXPECT_EQ(keyed.pending_size(), 0u);
}

// A scan sees the buffered writes in key order, the pending ones over those of a commit in
// flight (erases included), and keys put after an earlier scan; a drain empties what it sees.
TEST(keyed_state, scans_buffered_writes_in_key_order_over_a_commit_in_flight) {
  keyed_state keyed(nullptr, "c");
  keyed.put("a/1", "one");
  keyed.put("a/3", "three");
  keyed.put("b/1", "other prefix");
  eventstore::consumer_commit in_flight;
  keyed.drain_into_in_flight(in_flight);
  keyed.put("a/2", "two");
  keyed.erase("a/3");
  keyed.put("a/1", "one again");
  auto scan = [&](std::string_view start, std::size_t at_most = 100) {
    std::vector<std::string> seen;
    keyed.scan("a/", start, [&](std::string_view k, std::string_view v) {
      seen.push_back(std::string(k) + "=" + std::string(v));
      return seen.size() < at_most;
    });
    return seen;
  };
  EXPECT_EQ(scan("a/"), (std::vector<std::string>{"a/1=one again", "a/2=two"}));
  EXPECT_EQ(scan("a/2"), (std::vector<std::string>{"a/2=two"}));
  EXPECT_EQ(scan("a/", 1), (std::vector<std::string>{"a/1=one again"}));
  keyed.put("a/0", "zero");  // after a scan: joins the ordered index
  keyed.put("a/3", "three again");
  EXPECT_EQ(scan("a/"), (std::vector<std::string>{"a/0=zero", "a/1=one again", "a/2=two", "a/3=three again"}));
  EXPECT_EQ(keyed.get("a/3"), "three again");
  keyed.landed();
  eventstore::consumer_commit commit;
  keyed.drain_into(commit);
  ASSERT_EQ(commit.puts.size(), 4u);
  EXPECT_EQ(commit.puts.front().first, "a/0");
  EXPECT_EQ(commit.puts.back().first, "a/3");
  EXPECT_EQ(scan("a/"), std::vector<std::string>{});
  keyed.put("a/5", "five");
  EXPECT_EQ(scan("a/"), (std::vector<std::string>{"a/5=five"}));
}

// Lines are held back in one buffer until the drain, then placed: each posting gets exactly its
// lines, in the order appended, keyed by its last line's position, across drains and lengths.
TEST(keyed_state, places_each_posting_s_lines_in_order_when_drained) {
  keyed_state keyed(nullptr, "c");
  auto line = [](std::uint64_t position, std::size_t size) {
    std::string l(size, static_cast<char>('a' + position % 26));
    for (int k = 7; k >= 0; --k, position >>= 8) l[static_cast<std::size_t>(k)] = static_cast<char>(position & 0xff);
    return l;
  };
  for (int round = 0; round < 2; ++round) {
    std::map<std::string, std::string> expected;  // key -> lines
    std::map<std::string, std::uint64_t> last;
    const auto often = keyed.posting_at("a/y/often");
    for (std::uint64_t p = 1; p <= 70'000; ++p) {  // ~2.5 MiB of lines: several chunks
      const std::string prefix = "a/u/user" + std::to_string(p % 7) + std::string(1, '\0');
      const auto l = line(p + static_cast<std::uint64_t>(round) * 100'000, p % 3 == 0 ? 40 : 16);
      keyed.append_posting(prefix, l);
      expected[prefix] += l;
      last[prefix] = p + static_cast<std::uint64_t>(round) * 100'000;
      if (p % 10 == 0) {
        keyed.append_line(often, l);
        expected["a/y/often"] += l;
        last["a/y/often"] = p + static_cast<std::uint64_t>(round) * 100'000;
      }
    }
    eventstore::consumer_commit commit;
    keyed.drain_into(commit);
    ASSERT_EQ(commit.puts.size(), expected.size());
    for (const auto& [key, value] : commit.puts) {
      const std::string prefix = key.substr(0, key.size() - 8);
      ASSERT_TRUE(expected.contains(prefix)) << key;
      EXPECT_EQ(value, expected[prefix]) << prefix;
      EXPECT_EQ(key.substr(key.size() - 8), line(last[prefix], 8)) << prefix;
    }
  }
}

}  // namespace
}  // namespace gongjian::projections::testing
