// The projections' interview record keeps what the notice's practice announces and hears: the
// place with the time and reasons, and the interviewee's answer and pledge (表态) once held. It
// survives the store and snapshots, and a store written before place/answer were kept (workflow
// value version 1) or before League interviews (version 2) still loads.
#include <gtest/gtest.h>

#include "gongjian/domain/codec.h"
#include "gongjian/projections/binary.h"
#include "gongjian/projections/keyed_state.h"
#include "gongjian/projections/projection_state.h"
#include "support/temp_dir.h"

namespace gongjian::projections::testing {
namespace {

namespace ev = domain::events;

constexpr char kConsumer[] = "interviews-test";

eventstore::recorded_event at(std::uint64_t pos, const domain::event& e) {
  eventstore::recorded_event r;
  r.pos = eventstore::position{pos};
  r.stream = "interview-7";
  r.type = std::string(domain::type_of(e));
  return r;
}

ev::interview_scheduled scheduled() {
  return ev::interview_scheduled{domain::interview_id{7},
                                 domain::campaign_id{1},
                                 domain::jurisdiction_code{"110102"},
                                 "王主任",
                                 {domain::interview_reason::ranked_last},
                                 domain::bulletin_round{2},
                                 1470000000000,
                                 "区委组织部第三会议室"};
}

ev::interview_held held() { return ev::interview_held{domain::interview_id{7}, 1470086400000, "进度慢，摸排不细", "月底前完成组建"}; }

projection_state fold(const std::vector<domain::event>& events) {
  projection_state s;
  keyed_state keyed(nullptr, kConsumer);
  std::uint64_t pos = 0;
  for (const auto& e : events) s.apply(at(++pos, e), e, keyed);
  return s;
}

// The state persisted into a new store and loaded back from it.
projection_state through_the_store(const projection_state& s) {
  gongjian::testing::temp_dir dir;
  eventstore::options o;
  o.directory = dir / "db";
  auto store = eventstore::event_store::open(o);
  EXPECT_TRUE(store) << store.error().message();
  projection_state loaded;
  if (!store) return loaded;
  auto persisted = s;
  eventstore::consumer_commit commit{kConsumer, s.last_applied(), {}, {}};
  persisted.persist_into(commit);
  EXPECT_TRUE((*store)->commit_consumer(commit));
  EXPECT_TRUE(loaded.load(**store, kConsumer));
  return loaded;
}

TEST(InterviewRecord, KeepsThePlaceWhenScheduledAndTheAnswerAndPledgeWhenHeld) {
  auto s = fold({scheduled()});
  const auto& before = s.interviews().at(7);
  EXPECT_EQ(before.place, "区委组织部第三会议室");
  EXPECT_EQ(before.status, domain::interview_status::scheduled);
  EXPECT_EQ(before.held_at_ms, 0);
  EXPECT_TRUE(before.answer.empty());

  s = fold({scheduled(), held()});
  const auto& after = s.interviews().at(7);
  EXPECT_EQ(after.status, domain::interview_status::held);
  EXPECT_EQ(after.place, "区委组织部第三会议室");
  EXPECT_EQ(after.held_at_ms, 1470086400000);
  EXPECT_EQ(after.answer, "进度慢，摸排不细");
  EXPECT_EQ(after.pledge, "月底前完成组建");
}

TEST(InterviewRecord, KeepsWhenEachItemWasStruckOffAndHowTheInterviewEnded) {
  const domain::interview_id id{7};
  const std::vector<domain::rectification_item> items{{"摸排不细", "逐户核实", domain::date_from_ymd(2016, 9, 30)},
                                                      {"指导员未到位", "月内选派", domain::date_from_ymd(2016, 9, 15)}};
  auto s = fold({scheduled(), held(), ev::rectification_items_set{id, items},
                 ev::rectification_item_done{id, 1, domain::date_from_ymd(2016, 9, 10)}});
  const auto& open = s.interviews().at(7);
  EXPECT_EQ(open.status, domain::interview_status::rectifying);
  EXPECT_EQ(open.items_done, (std::vector<bool>{false, true}));
  EXPECT_EQ(open.items_done_on.at(1), domain::date_from_ymd(2016, 9, 10));

  auto escalated = fold({scheduled(), held(), ev::rectification_items_set{id, items},
                         ev::interview_escalated{id, domain::jurisdiction_code{"110100"}, "整改逾期且排名未提升",
                                                 domain::date_from_ymd(2016, 10, 1)}});
  const auto& up = escalated.interviews().at(7);
  EXPECT_EQ(up.status, domain::interview_status::escalated);
  EXPECT_EQ(up.escalated_to, "110100");
  EXPECT_EQ(up.escalation_reason, "整改逾期且排名未提升");
  EXPECT_EQ(up.escalated_on, domain::date_from_ymd(2016, 10, 1));

  auto closed = fold({scheduled(), held(), ev::rectification_items_set{id, items},
                      ev::rectification_item_done{id, 0, domain::date_from_ymd(2016, 9, 20)},
                      ev::rectification_item_done{id, 1, domain::date_from_ymd(2016, 9, 10)},
                      ev::interview_closed{id, "整改到位", domain::date_from_ymd(2016, 9, 25)}});
  const auto& done = closed.interviews().at(7);
  EXPECT_EQ(done.status, domain::interview_status::closed);
  EXPECT_EQ(done.conclusion, "整改到位");
  EXPECT_EQ(done.closed_on, domain::date_from_ymd(2016, 9, 25));
  EXPECT_EQ(done.items_done_on.at(0), domain::date_from_ymd(2016, 9, 20));

  projection_state from_snapshot;
  ASSERT_TRUE(from_snapshot.restore_canonical(closed.canonical()));
  EXPECT_EQ(from_snapshot.interviews(), closed.interviews());
  ASSERT_TRUE(from_snapshot.restore_canonical(escalated.canonical()));
  EXPECT_EQ(from_snapshot.interviews(), escalated.interviews());
}

TEST(InterviewRecord, SurvivesSnapshotsAndTheStore) {
  const auto s = fold({scheduled(), held()});
  // The interviews topic sends an interview again when an event after its last pass changed it.
  EXPECT_EQ(s.interviews().at(7).scheduled_at_position, 1u);
  EXPECT_EQ(s.interviews().at(7).changed_at_position, 2u);

  projection_state from_snapshot;
  ASSERT_TRUE(from_snapshot.restore_canonical(s.canonical()));
  EXPECT_EQ(from_snapshot.interviews(), s.interviews());

  const projection_state loaded = through_the_store(s);
  EXPECT_EQ(loaded.interviews(), s.interviews());
  EXPECT_EQ(loaded.canonical(), s.canonical());
}

// A checkpoint writes the interviews that changed since the last one, each under its own key, not
// every interview and bulletin again.
TEST(InterviewRecord, ACheckpointWritesOnlyTheInterviewsThatChanged) {
  projection_state s;
  keyed_state keyed(nullptr, kConsumer);
  auto other = scheduled();
  other.interview = domain::interview_id{8};
  std::uint64_t pos = 0;
  for (const domain::event& e : {domain::event{scheduled()}, domain::event{other}}) s.apply(at(++pos, e), e, keyed);
  const auto keys_of = [](const eventstore::consumer_commit& c) {
    std::vector<std::string> out;
    for (const auto& [key, value] : c.puts)
      if (key.starts_with("w")) out.push_back(key);
    return out;
  };
  const auto interview_key = [](std::uint64_t id) {
    std::string k = "w/i/";
    binary::key_u64(k, id);
    return k;
  };
  eventstore::consumer_commit first{kConsumer, s.last_applied(), {}, {}};
  s.persist_into(first);
  EXPECT_EQ(keys_of(first), (std::vector<std::string>{"w", interview_key(7), interview_key(8)}));
  const domain::event h = held();
  s.apply(at(++pos, h), h, keyed);
  s.apply(at(++pos, h), h, keyed);  // changed twice between checkpoints: written once
  eventstore::consumer_commit second{kConsumer, s.last_applied(), {}, {}};
  s.persist_into(second);
  EXPECT_EQ(keys_of(second), std::vector<std::string>{interview_key(7)});
  eventstore::consumer_commit third{kConsumer, s.last_applied(), {}, {}};
  s.persist_into(third);
  EXPECT_TRUE(keys_of(third).empty());
}

// Version 1 of the workflow value, byte for byte as stores written before version 2 hold it: no
// campaigns, no bulletins, one interview with one item done, without place, answer, pledge or dates.
std::string workflow_v1() {
  binary::writer w;
  w.u(0);  // campaigns
  w.u(0);  // bulletins
  w.u(1);  // interviews
  w.u(7);
  w.u(1);
  w.str("110102");
  w.str("王主任");
  w.u(1);
  w.u(static_cast<std::uint64_t>(domain::interview_reason::ranked_last));
  w.u(2);
  w.i(1470000000000);
  w.u(static_cast<std::uint64_t>(domain::interview_status::held));
  w.u(1);  // rectification items: problem, requirement, deadline, done
  w.str("摸排不细");
  w.str("逐户核实");
  w.i(domain::date_from_ymd(2016, 9, 30).days_since_epoch);
  w.u(1);
  w.str("");  // escalated to
  w.u(1);  // scheduled at position
  return w.take();
}

TEST(InterviewRecord, AStoreWrittenBeforeVersion2StillLoads) {
  gongjian::testing::temp_dir dir;
  eventstore::options o;
  o.directory = dir / "db";
  auto store = eventstore::event_store::open(o);
  ASSERT_TRUE(store) << store.error().message();
  auto s = fold({scheduled(), held()});
  eventstore::consumer_commit commit{kConsumer, s.last_applied(), {}, {}};
  s.persist_into(commit);
  // A store of then: one "w" value held the interviews, and none had a key of its own (w/i/).
  std::erase_if(commit.puts, [](const auto& put) { return put.first.starts_with("w/"); });
  for (auto& [key, value] : commit.puts) {
    if (key == "w") value = workflow_v1();
  }
  ASSERT_TRUE((*store)->commit_consumer(commit));

  projection_state loaded;
  ASSERT_TRUE(loaded.load(**store, kConsumer));
  ASSERT_EQ(loaded.interviews().size(), 1u);
  const auto& r = loaded.interviews().at(7);
  EXPECT_EQ(r.jurisdiction, "110102");
  EXPECT_EQ(r.responsible_person, "王主任");
  EXPECT_EQ(r.reasons, std::vector<domain::interview_reason>{domain::interview_reason::ranked_last});
  EXPECT_EQ(r.round, 2u);
  EXPECT_EQ(r.scheduled_at_ms, 1470000000000);
  EXPECT_EQ(r.status, domain::interview_status::held);
  EXPECT_EQ(r.scheduled_at_position, 1u);
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].requirement, "逐户核实");
  EXPECT_EQ(r.items_done, std::vector<bool>{true});
  // Version 1 never kept them; `gongjian rebuild` recovers them from the log.
  EXPECT_TRUE(r.place.empty());
  EXPECT_TRUE(r.answer.empty());
  EXPECT_EQ(r.items_done_on, std::vector<domain::date>{domain::date{}});

  // Written back, the state is version 2, and a damaged version-1 value is refused, not misread.
  eventstore::consumer_commit damaged{kConsumer, s.last_applied(), {{"w", workflow_v1().substr(0, 9)}}, {}};
  ASSERT_TRUE((*store)->commit_consumer(damaged));
  projection_state refused;
  EXPECT_FALSE(refused.load(**store, kConsumer));
}

TEST(InterviewRecord, KeepsWhichTwinCalledTheInterviewThroughSnapshotsAndTheStore) {
  auto league = scheduled();
  league.affiliation = domain::member_affiliation::league;
  auto party = scheduled();
  party.interview = domain::interview_id{8};
  const auto s = fold({league, party});
  EXPECT_EQ(s.interviews().at(7).affiliation, domain::member_affiliation::league);
  EXPECT_EQ(s.interviews().at(8).affiliation, domain::member_affiliation::party);

  projection_state from_snapshot;
  ASSERT_TRUE(from_snapshot.restore_canonical(s.canonical()));
  EXPECT_EQ(from_snapshot.interviews(), s.interviews());

  EXPECT_EQ(through_the_store(s).interviews(), s.interviews());
}

// Version 2 of the workflow value, as stores written before League interviews hold it: one
// interview, held, no items.
std::string workflow_v2() {
  binary::writer w;
  w.u(0xffff'ffff'ffff'ff02ULL);
  w.u(0);  // campaigns
  w.u(0);  // bulletins
  w.u(1);  // interviews
  w.u(7);
  w.u(1);
  w.str("110102");
  w.str("王主任");
  w.u(1);
  w.u(static_cast<std::uint64_t>(domain::interview_reason::ranked_last));
  w.u(2);
  w.i(1470000000000);
  w.str("区委组织部第三会议室");
  w.u(static_cast<std::uint64_t>(domain::interview_status::held));
  w.i(1470086400000);
  w.str("进度慢");
  w.str("月底前完成组建");
  w.u(0);     // rectification items
  w.str("");  // conclusion
  w.i(0);
  w.str("");  // escalated to, reason, on
  w.str("");
  w.i(0);
  w.u(1);  // scheduled at position
  return w.take();
}

TEST(InterviewRecord, AStoreWrittenBeforeLeagueInterviewsLoadsThemAsParty) {
  gongjian::testing::temp_dir dir;
  eventstore::options o;
  o.directory = dir / "db";
  auto store = eventstore::event_store::open(o);
  ASSERT_TRUE(store) << store.error().message();
  auto league = scheduled();
  league.affiliation = domain::member_affiliation::league;
  auto s = fold({league, held()});
  eventstore::consumer_commit commit{kConsumer, s.last_applied(), {}, {}};
  s.persist_into(commit);
  // A store of then: one "w" value held the interviews, and none had a key of its own (w/i/).
  std::erase_if(commit.puts, [](const auto& put) { return put.first.starts_with("w/"); });
  for (auto& [key, value] : commit.puts) {
    if (key == "w") value = workflow_v2();
  }
  ASSERT_TRUE((*store)->commit_consumer(commit));

  projection_state loaded;
  ASSERT_TRUE(loaded.load(**store, kConsumer));
  ASSERT_EQ(loaded.interviews().size(), 1u);
  const auto& r = loaded.interviews().at(7);
  EXPECT_EQ(r.affiliation, domain::member_affiliation::party);
  // Before version 4 the last change was not kept: it reads as the scheduling.
  EXPECT_EQ(r.changed_at_position, r.scheduled_at_position);
  EXPECT_EQ(r.place, "区委组织部第三会议室");
  EXPECT_EQ(r.pledge, "月底前完成组建");
  EXPECT_EQ(r.status, domain::interview_status::held);
}

}  // namespace
}  // namespace gongjian::projections::testing
