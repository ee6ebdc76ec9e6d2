// A full virtual 100-day campaign: bulletins on days 15, 30, ... 90 (day 105 is past the end),
// each ranking every level for Party and League, exactly the interviews the rules imply in either
// twin's rankings, escalations of interviews not followed up (never held, no list, an item
// overdue), none of them twice across a crash-restart and two racing servers; and as-of at every
// bulletin's position reproduces what the bulletin recorded.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "gongjian/domain/codec.h"
#include "gongjian/projections/as_of.h"
#include "gongjian/projections/rankings.h"
#include "gongjian/projections/workflow.h"
#include "projections/campaign_generator.h"
#include "support/temp_dir.h"

namespace gongjian::projections::testing {
namespace {

constexpr std::int64_t day_ms = 86400000LL;
constexpr std::int64_t start_ms = 1467331200000 - 8 * 3600000LL;  // 2016-07-01 00:00 China Standard Time

std::vector<std::pair<eventstore::recorded_event, domain::event>> whole_log(const eventstore::event_store& store) {
  std::vector<std::pair<eventstore::recorded_event, domain::event>> out;
  auto all = store.read_all(eventstore::position{1}, 1000000);
  EXPECT_TRUE(all.has_value());
  for (auto& rec : *all) {
    auto e = domain::decode(rec.type, rec.schema_version, rec.payload);
    EXPECT_TRUE(e.has_value()) << rec.type;
    if (e) out.emplace_back(rec, *e);
  }
  return out;
}

// Appends a day's events as field staff's, each at 01:00 of its day (China time) plus a
// millisecond per event, with a command id of its own.
struct day_appender {
  eventstore::event_store& store;
  std::size_t seq = 0;
  void operator()(const std::vector<timed_event>& events) {
    for (const auto& e : events) {
      const std::size_t n = seq++;
      append_event(store, e.event, start_ms + e.day * day_ms + 3600000LL + static_cast<std::int64_t>(n % 1000),
                   "field:" + std::to_string(n));
    }
  }
};

indicator_value value_of(const domain::ranking_line& l) {
  for (const auto& v : l.values)
    if (v.which == domain::indicator::ledger_progress) return {v.numerator, v.denominator};
  return {0, 0};
}

// (round, jurisdiction, twin)
using call = std::tuple<std::uint32_t, std::string, domain::member_affiliation>;

// The interviews the rules imply for bulletin `b`, worked out independently from its recorded
// rankings (ranking by ledger progress): "no progress" is measured against `previous`, or against
// the campaign's baseline (`baseline`: the projections when it opened) when there is none.
std::set<call> implied_calls(const domain::events::bulletin_issued& b, const domain::events::bulletin_issued* previous,
                             const projection_state& baseline, const domain::interview_rules& rules) {
  std::set<call> out;
  for (const auto& ranking : b.rankings) {
    // Ranked last among the lines with a value; unmeasured ones (0/0) rank below them all.
    std::size_t n = 0;
    for (const auto& line : ranking.lines) n += value_of(line).defined() ? 1 : 0;
    for (const auto& line : ranking.lines) {
      const indicator_value now = value_of(line);
      // Ranked last: the bottom N, never more than half of them.
      const std::size_t last = std::min<std::size_t>(rules.bottom_n, n / 2);
      bool called = now.defined() && line.rank + last > n;
      if (now.defined() && now.numerator * 1000 < std::int64_t{rules.below_target_rate_permille} * now.denominator)
        called = true;
      if (rules.no_progress_since_last_bulletin && now.defined() && now.numerator < now.denominator) {
        indicator_value before{0, 0};
        if (previous == nullptr) {
          auto node = baseline.model().tree().find(line.jurisdiction.value);
          before = evaluate(baseline.model().counters(*node), indicator::ledger_progress, ranking.affiliation);
        } else {
          for (const auto& r : previous->rankings)
            if (r.affiliation == ranking.affiliation)
              for (const auto& l : r.lines)
                if (l.jurisdiction == line.jurisdiction) before = value_of(l);
        }
        if (!before.defined() || compare(now, before) <= 0) called = true;
      }
      if (called) out.insert({b.round.value, line.jurisdiction.value, ranking.affiliation});
    }
  }
  return out;
}

// Logs hold Party interviews under these ids (the audit trail, the API's /interviews/{id}, the
// store's command ids): they never change. A League interview of the same round and jurisdiction
// is another interview, with its own id.
TEST(workflow, party_interview_ids_are_those_of_existing_logs_and_league_ones_differ) {
  EXPECT_EQ(interview_command_id(1, 2, "110101"), "interview:1:2:110101");
  EXPECT_EQ(interview_command_id(1, 2, "110101", twin::party), "interview:1:2:110101");
  EXPECT_EQ(interview_id_for("interview:1:2:110101").value, 3481996878632168857ULL);
  EXPECT_EQ(interview_command_id(1, 2, "110101", twin::league), "interview:1:2:110101:league");
  EXPECT_EQ(interview_id_for(interview_command_id(1, 2, "110101", twin::league)).value, 2445650603115220284ULL);
}

// 排在末位: the bottom N, never more than half, so a call for rank is on the black list and the last
// of a few is still called (6 siblings and N = 5 called 5 of them; 5 siblings, none).
TEST(workflow, ranked_last_calls_the_bottom_of_the_measured_never_more_than_half) {
  struct c {
    std::size_t measured;
    std::uint32_t bottom_n;
    std::size_t called;
  };
  for (const auto& x : {c{12, 5, 5}, c{10, 5, 5}, c{9, 5, 4}, c{6, 5, 3}, c{5, 5, 2}, c{2, 5, 1}, c{1, 5, 0},
                        c{0, 5, 0}, c{7, 0, 0}, c{3, 1, 1}, c{8, 3, 3}}) {
    EXPECT_EQ(ranked_last_by_count(x.measured, x.bottom_n), x.called) << x.measured << " siblings, N = " << x.bottom_n;
  }
  EXPECT_EQ(ranked_last_by_percent(10, 10), 1u);
  EXPECT_EQ(ranked_last_by_percent(10, 25), 3u);  // rounded up
  EXPECT_EQ(ranked_last_by_percent(10, 1), 1u);   // at least one
  EXPECT_EQ(ranked_last_by_percent(2, 100), 1u);  // never all
  EXPECT_EQ(ranked_last_by_percent(1, 50), 0u);
  EXPECT_EQ(ranked_last_by_percent(10, 0), 0u);
}

// 行动迟缓 and 成效不明显 read the ranking indicator's direction: fewer orgs that should form and have
// not is progress, and a count has no rate to fall below.
TEST(workflow, no_progress_and_below_target_follow_the_indicator) {
  const indicator_value unknown{0, 0};
  // A rate: up is progress; 100% needs none.
  EXPECT_TRUE(made_no_progress(indicator::ledger_progress, {3, 10}, {3, 10}));
  EXPECT_TRUE(made_no_progress(indicator::ledger_progress, {2, 10}, {3, 10}));
  EXPECT_FALSE(made_no_progress(indicator::ledger_progress, {4, 10}, {3, 10}));
  EXPECT_FALSE(made_no_progress(indicator::ledger_progress, {10, 10}, {10, 10}));
  EXPECT_TRUE(made_no_progress(indicator::ledger_progress, {3, 10}, unknown));
  EXPECT_FALSE(made_no_progress(indicator::ledger_progress, unknown, {3, 10}));
  // Orgs that should form and have not: down is progress; none left needs none.
  EXPECT_FALSE(made_no_progress(indicator::should_form_not_formed, {0, 1}, {3, 1}));
  EXPECT_FALSE(made_no_progress(indicator::should_form_not_formed, {0, 1}, {0, 1}));
  EXPECT_FALSE(made_no_progress(indicator::should_form_not_formed, {38, 1}, {40, 1}));
  EXPECT_TRUE(made_no_progress(indicator::should_form_not_formed, {40, 1}, {40, 1}));
  EXPECT_TRUE(made_no_progress(indicator::should_form_not_formed, {41, 1}, {40, 1}));
  // A count of what was done: up is progress, and there is no "complete".
  EXPECT_TRUE(made_no_progress(indicator::members_developed, {5, 1}, {5, 1}));
  EXPECT_TRUE(made_no_progress(indicator::members_developed, {1, 1}, {1, 1}));
  EXPECT_FALSE(made_no_progress(indicator::members_developed, {6, 1}, {5, 1}));
  // Below the target rate: rates only.
  EXPECT_TRUE(below_target_rate(indicator::ledger_progress, {2, 10}, 250));
  EXPECT_FALSE(below_target_rate(indicator::ledger_progress, {3, 10}, 250));
  EXPECT_FALSE(below_target_rate(indicator::ledger_progress, {2, 10}, 0));
  EXPECT_FALSE(below_target_rate(indicator::ledger_progress, unknown, 250));
  EXPECT_FALSE(below_target_rate(indicator::should_form_not_formed, {0, 1}, 250));
  EXPECT_FALSE(below_target_rate(indicator::members_developed, {0, 1}, 250));
}

// Each follow-up step is due by the next bulletin after the day it should have happened: the
// hearing after its scheduled day, the list after the hearing, an item after its deadline.
TEST(workflow, an_interview_is_escalated_for_the_first_step_not_followed_up) {
  const domain::date day20 = domain::date_from_ymd(2016, 7, 20);
  const domain::date day21 = domain::add_days(day20, 1);
  interview_record iv;
  iv.scheduled_at_ms = start_ms + 19 * day_ms + 9 * 3600000LL;  // 2016-07-20 09:00 China time
  EXPECT_EQ(escalation_reason(iv, day20), "");
  EXPECT_EQ(escalation_reason(iv, day21), "约谈未按期举行 (interview not held as scheduled)");
  iv.status = domain::interview_status::held;
  iv.held_at_ms = iv.scheduled_at_ms + day_ms;  // the 21st
  EXPECT_EQ(escalation_reason(iv, day21), "");
  EXPECT_EQ(escalation_reason(iv, domain::add_days(day21, 1)), "约谈后未制定整改清单 (no rectification list set)");
  iv.status = domain::interview_status::rectifying;
  iv.items = {domain::rectification_item{"底数不清", "完成摸底", domain::add_days(day20, 10)},
              domain::rectification_item{"进展慢", "倒排工期", domain::add_days(day20, 20)}};
  iv.items_done = {false, false};
  EXPECT_EQ(escalation_reason(iv, domain::add_days(day20, 10)), "");  // due that day: not overdue yet
  EXPECT_EQ(escalation_reason(iv, domain::add_days(day20, 11)), "整改事项逾期未完成 (rectification items overdue)");
  iv.items_done = {true, false};
  EXPECT_EQ(escalation_reason(iv, domain::add_days(day20, 11)), "");
  EXPECT_EQ(escalation_reason(iv, domain::add_days(day20, 21)), "整改事项逾期未完成 (rectification items overdue)");
  iv.items_done = {true, true};
  EXPECT_EQ(escalation_reason(iv, domain::add_days(day20, 90)), "");
  for (auto settled : {domain::interview_status::escalated, domain::interview_status::closed}) {
    iv.status = settled;
    iv.items_done = {false, false};
    EXPECT_EQ(escalation_reason(iv, domain::add_days(day20, 90)), "");
  }
}

TEST(workflow, hundred_day_virtual_campaign_with_restart_and_racing_servers) {
  gongjian::testing::temp_dir dir;
  eventstore::options so;
  so.directory = dir / "db";
  so.mode = eventstore::durability::bulk_import_without_fsync;
  auto opened = eventstore::event_store::open(so);
  ASSERT_TRUE(opened.has_value());
  auto& store = **opened;

  campaign_generator gen(17);
  domain::interview_rules rules;
  rules.bottom_n = 2;  // with 2 or 3 measured siblings, half of them: the last
  rules.bottom_percent = 0;
  rules.no_progress_since_last_bulletin = true;
  rules.below_target_rate_permille = 250;
  day_appender append_day{store};
  append_day(gen.setup(120));
  append_day({{0, gen.campaign(1, domain::date_from_ymd(2016, 7, 1), rules)}});
  const eventstore::position opened_at = store.head();

  virtual_clock clock(start_ms + 10 * 3600000LL);
  runner_options ro;
  ro.snapshot_every_events = 400;
  auto runner = std::make_unique<projection_runner>(store, ro);
  ASSERT_TRUE(runner->open().has_value());
  auto flow = std::make_unique<workflow>(store, *runner, clock);
  runner_options racer_options;
  racer_options.consumer = "racer";
  projection_runner racer_runner(store, racer_options);
  ASSERT_TRUE(racer_runner.open().has_value());
  workflow racer(store, racer_runner, clock);

  std::set<std::uint64_t> handled;  // interviews the field staff have held
  for (int day = 1; day <= 100; ++day) {
    append_day(gen.actions(day, 25));
    clock.set(start_ms + day * day_ms + 18 * 3600000LL);
    if (day % 15 == 0) {
      // Two servers tick at the same moment.
      result<tick_report> a = tick_report{}, b = tick_report{};
      std::thread t([&] { b = racer.tick(); });
      a = flow->tick();
      t.join();
      ASSERT_TRUE(a.has_value());
      ASSERT_TRUE(b.has_value());
      EXPECT_EQ(a->bulletins + b->bulletins, 1u) << "day " << day;
    } else {
      ASSERT_TRUE(flow->tick().has_value());
    }
    if (day == 50) {
      // Crash and restart: no final checkpoint; the same day ticks again.
      flow.reset();
      runner.reset();
      runner = std::make_unique<projection_runner>(store, ro);
      ASSERT_TRUE(runner->open().has_value());
      flow = std::make_unique<workflow>(store, *runner, clock);
      auto again = flow->tick();
      ASSERT_TRUE(again.has_value());
      EXPECT_EQ(again->bulletins + again->interviews + again->escalations, 0u);
    }
    // Field staff: hold each new interview the same day and set one item due in 5 days; even ids
    // complete it the next day. But ids ending in 0 or 5 are never held, and those ending in 1 or
    // 6 are held with no rectification list.
    std::vector<std::uint64_t> fresh, to_complete;
    runner->read([&](const projection_state& s, const keyed_state&) {
      for (const auto& [id, iv] : s.interviews()) {
        if (iv.status == domain::interview_status::scheduled && !handled.count(id)) fresh.push_back(id);
        if (iv.status == domain::interview_status::rectifying && id % 2 == 0 && !iv.items_done[0]) to_complete.push_back(id);
      }
      return 0;
    });
    const domain::date today = domain::date_from_ymd(2016, 7, 1);
    for (auto id : to_complete)
      append_day({{day, domain::events::rectification_item_done{domain::interview_id{id}, 0, domain::add_days(today, day)}}});
    for (auto id : fresh) {
      handled.insert(id);
      if (id % 5 == 0) continue;
      append_day({{day, domain::events::interview_held{domain::interview_id{id}, clock.now_ms(), "答复", "表态整改"}}});
      if (id % 5 == 1) continue;
      append_day({{day, domain::events::rectification_items_set{
                            domain::interview_id{id},
                            {domain::rectification_item{"进展慢", "倒排工期", domain::add_days(today, day + 5)}}}}});
    }
    ASSERT_TRUE(runner->sync(std::chrono::seconds(10)));
  }

  // ---- what the log holds ----
  const auto log = whole_log(store);
  std::vector<const domain::events::bulletin_issued*> bulletins;
  std::vector<eventstore::position> bulletin_positions;
  std::map<call, int> scheduled;  // -> times
  std::map<std::uint64_t, const domain::events::interview_scheduled*> interviews;
  std::map<std::uint64_t, int> escalated;
  std::map<std::uint64_t, std::string> escalation_reasons;
  for (const auto& [rec, e] : log) {
    if (auto* b = std::get_if<domain::events::bulletin_issued>(&e)) {
      bulletins.push_back(b);
      bulletin_positions.push_back(rec.pos);
    }
    if (auto* s = std::get_if<domain::events::interview_scheduled>(&e)) {
      ++scheduled[{s->round.value, s->jurisdiction.value, s->affiliation}];
      interviews[s->interview.value] = s;
      // Party interviews keep the ids of the logs written before League ones existed.
      EXPECT_EQ(s->interview,
                interview_id_for(interview_command_id(1, s->round.value, s->jurisdiction.value, s->affiliation)));
      EXPECT_EQ(rec.command_id, interview_command_id(1, s->round.value, s->jurisdiction.value, s->affiliation));
    }
    if (auto* x = std::get_if<domain::events::interview_escalated>(&e)) {
      ++escalated[x->interview.value];
      escalation_reasons[x->interview.value] = x->reason;
    }
  }
  ASSERT_EQ(bulletins.size(), 6u);  // days 15, 30, 45, 60, 75, 90
  for (std::size_t k = 0; k < bulletins.size(); ++k) {
    EXPECT_EQ(bulletins[k]->round.value, k + 1);
    EXPECT_EQ(bulletins[k]->as_of, domain::add_days(domain::date_from_ymd(2016, 7, 1), static_cast<std::int32_t>(15 * (k + 1))));
  }
  for (const auto& [key, times] : scheduled)
    EXPECT_EQ(times, 1) << "round " << std::get<0>(key) << " " << std::get<1>(key);
  // Every parent ranked for both twins, Party first; the League rankings by League values.
  for (const auto* b : bulletins) {
    ASSERT_EQ(b->rankings.size() % 2, 0u);
    const std::size_t half = b->rankings.size() / 2;
    for (std::size_t k = 0; k < half; ++k) {
      EXPECT_EQ(b->rankings[k].affiliation, domain::member_affiliation::party);
      EXPECT_EQ(b->rankings[half + k].affiliation, domain::member_affiliation::league);
      EXPECT_EQ(b->rankings[half + k].parent, b->rankings[k].parent);
      for (const auto& line : b->rankings[half + k].lines)
        for (const auto& v : line.values) EXPECT_EQ(v.affiliation, domain::member_affiliation::league);
    }
  }
  for (const auto& [id, times] : escalated) EXPECT_EQ(times, 1) << "interview " << id;

  // ---- the interviews the rules imply, worked out independently from the recorded rankings ----
  auto baseline = history_cursor::open(store, ro.consumer, opened_at);
  ASSERT_TRUE(baseline.has_value());
  std::set<call> expected;
  for (std::size_t k = 0; k < bulletins.size(); ++k)
    expected.merge(implied_calls(*bulletins[k], k > 0 ? bulletins[k - 1] : nullptr, baseline->state(), rules));
  std::set<call> actual;
  std::size_t league_calls = 0;
  for (const auto& [key, times] : scheduled) {
    actual.insert(key);
    if (std::get<2>(key) == domain::member_affiliation::league) ++league_calls;
  }
  EXPECT_EQ(actual, expected);
  EXPECT_GT(actual.size(), 6u);
  EXPECT_GT(league_calls, 0u) << "League laggards are called too";
  EXPECT_LT(league_calls, actual.size());

  // ---- escalations at the next bulletin, whatever the rank did meanwhile, once: interviews
  // never held, held with no list, or with their item never done (odd ids); never those whose
  // item was done (the other even ids) ----
  std::map<std::uint64_t, std::string> expected_escalations;  // -> reason
  for (const auto& [id, iv] : interviews) {
    if (iv->round.value >= bulletins.size()) continue;  // no bulletin after it
    if (id % 5 == 0) expected_escalations[id] = "约谈未按期举行 (interview not held as scheduled)";
    else if (id % 5 == 1) expected_escalations[id] = "约谈后未制定整改清单 (no rectification list set)";
    else if (id % 2 == 1) expected_escalations[id] = "整改事项逾期未完成 (rectification items overdue)";
  }
  EXPECT_EQ(escalation_reasons, expected_escalations);
  std::size_t by_case[3] = {0, 0, 0};
  for (const auto& [id, reason] : expected_escalations) ++by_case[id % 5 == 0 ? 0 : id % 5 == 1 ? 1 : 2];
  EXPECT_GT(by_case[0], 0u) << "some interview is never held";
  EXPECT_GT(by_case[1], 0u) << "some interview is held with no list";
  EXPECT_GT(by_case[2], 0u) << "some item is never done";
  std::set<std::uint64_t> actual_escalations;
  for (const auto& [id, times] : escalated) actual_escalations.insert(id);
  std::printf("virtual campaign: %zu events, %zu interviews, %zu escalations\n", log.size(), actual.size(),
              actual_escalations.size());

  // ---- as-of at every bulletin's position equals what the bulletin recorded ----
  for (std::size_t k = 0; k < bulletins.size(); ++k) {
    auto past = history_cursor::open(store, ro.consumer, eventstore::position{bulletins[k]->log_position});
    ASSERT_TRUE(past.has_value());
    const auto& s = past->state();
    const auto* previous = s.last_bulletin(1);
    std::vector<domain::ranking> recomputed;
    for (twin t : {twin::party, twin::league}) {
      ranking_options o;
      o.affiliation = t;
      o.has_last_bulletin = previous != nullptr;
      for (node_index n = 0; n < s.model().tree().size(); ++n) {
        if (s.model().tree().at(n).children.empty()) continue;
        const domain::ranking* prev = previous ? previous->ranking_of(s.model().tree().at(n).code, t) : nullptr;
        recomputed.push_back(to_bulletin_ranking(s.model(), n, rank_children(s.model(), n, o), o, prev));
      }
    }
    EXPECT_TRUE(recomputed == bulletins[k]->rankings) << "round " << k + 1;
  }
}

// A campaign whose server first ticks on day 40 finds rounds 1 (day 15) and 2 (day 30) due: both
// are issued from the same state. Round 1 calls no one (it used to call everyone round 2 called
// again); round 2 calls as the rules imply against the baseline, not against round 1, the same
// state, against which every laggard would have made no progress.
TEST(workflow, rounds_due_together_call_once_measuring_progress_since_before_them) {
  gongjian::testing::temp_dir dir;
  eventstore::options so;
  so.directory = dir / "db";
  so.mode = eventstore::durability::bulk_import_without_fsync;
  auto opened = eventstore::event_store::open(so);
  ASSERT_TRUE(opened.has_value());
  auto& store = **opened;
  campaign_generator gen(23);
  domain::interview_rules rules;
  rules.bottom_n = 2;
  rules.no_progress_since_last_bulletin = true;
  day_appender append_day{store};
  append_day(gen.setup(80));
  append_day({{0, gen.campaign(1, domain::date_from_ymd(2016, 7, 1), rules)}});
  const eventstore::position opened_at = store.head();
  for (int day = 1; day <= 40; ++day) append_day(gen.actions(day, 25));

  virtual_clock clock(start_ms + 40 * day_ms + 18 * 3600000LL);
  runner_options ro;
  projection_runner runner(store, ro);
  ASSERT_TRUE(runner.open().has_value());
  workflow flow(store, runner, clock);
  auto ticked = flow.tick();
  ASSERT_TRUE(ticked.has_value());
  EXPECT_EQ(ticked->bulletins, 2u);
  EXPECT_EQ(ticked->escalations, 0u);

  std::vector<const domain::events::bulletin_issued*> bulletins;
  std::set<call> actual;
  const auto log = whole_log(store);
  for (const auto& [rec, e] : log) {
    if (auto* b = std::get_if<domain::events::bulletin_issued>(&e)) bulletins.push_back(b);
    if (auto* i = std::get_if<domain::events::interview_scheduled>(&e))
      actual.insert({i->round.value, i->jurisdiction.value, i->affiliation});
  }
  ASSERT_EQ(bulletins.size(), 2u);
  auto baseline = history_cursor::open(store, ro.consumer, opened_at);
  ASSERT_TRUE(baseline.has_value());
  const auto expected = implied_calls(*bulletins[1], nullptr, baseline->state(), rules);
  EXPECT_EQ(actual, expected);
  EXPECT_EQ(ticked->interviews, expected.size());
  EXPECT_FALSE(expected.empty());
  for (const auto& c : actual) EXPECT_EQ(std::get<0>(c), 2u) << "round 1 calls no one: " << std::get<1>(c);
  // The next due round, on its day, is measured against round 2 as usual.
  clock.set(start_ms + 45 * day_ms + 18 * 3600000LL);
  ASSERT_TRUE(flow.tick().has_value());
  std::set<call> third;
  for (const auto& [rec, e] : whole_log(store))
    if (auto* i = std::get_if<domain::events::interview_scheduled>(&e); i && i->round.value == 3)
      third.insert({i->round.value, i->jurisdiction.value, i->affiliation});
  const auto log3 = whole_log(store);
  const domain::events::bulletin_issued* round3 = nullptr;
  for (const auto& [rec, e] : log3)
    if (auto* b = std::get_if<domain::events::bulletin_issued>(&e); b && b->round.value == 3) round3 = b;
  ASSERT_NE(round3, nullptr);
  EXPECT_EQ(third, implied_calls(*round3, bulletins[1], baseline->state(), rules));
}

}  // namespace
}  // namespace gongjian::projections::testing
