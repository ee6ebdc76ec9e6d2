// The ledger (组建对象, 对账销号) and accountability interviews (约谈): scheduled after a bulletin,
// held, rectification list set, items struck off, closed or escalated to the level above.

#include <gtest/gtest.h>

#include <algorithm>

#include "builders.h"
#include "gongjian/domain/rules.h"

namespace gongjian::domain {
namespace {

using namespace testing;

commands::designate_formation_target target(std::uint64_t id, std::uint64_t org,
                                            organization_type type = organization_type::party) {
  return commands::designate_formation_target{target_id{id}, organization_id{org}, type, formation_mode::standalone,
                                              day("2016-09-30"), "上城区市场监管局 李四", day("2016-07-15")};
}

TEST(ledger_rules, one_open_target_per_org_and_type_for_orgs_without_organization) {
  scenario t;
  t.jurisdictions();
  t.org(1);
  t.org(2);
  const auto events = t.ok(target(1, 1));
  EXPECT_EQ(stream_of(events[0]), "target-1");
  EXPECT_EQ(t.code_of(target(1, 2)), "target_exists");
  const auto r = t.rejection_of(target(2, 1));
  EXPECT_EQ(r.code, "target_already_open");
  EXPECT_EQ(r.field, "org");
  t.ok(target(3, 1, organization_type::league));
  t.ok(form(10, organization_type::trade_union, formation_mode::standalone, {2}));
  EXPECT_EQ(t.code_of(target(4, 2, organization_type::trade_union)), "target_for_covered_org");
  auto late = target(5, 2);
  late.deadline = day("2016-07-01");
  EXPECT_EQ(t.code_of(late), "date_order");
  auto nobody = target(5, 2);
  nobody.person_responsible = " ";
  EXPECT_EQ(t.code_of(nobody), "text_required");
}

TEST(ledger_rules, reasons_recorded_for_open_targets_only) {
  scenario t;
  t.jurisdictions();
  t.org(1);
  t.members(1, 3);
  t.ok(target(1, 1));
  t.ok(commands::record_target_reason{target_id{1}, no_organization_reason::owner_does_not_support, "出资人顾虑",
                                      day("2016-07-20")});
  EXPECT_TRUE(t.s.find_target(target_id{1})->reason_recorded);
  t.ok(form(10, organization_type::party, formation_mode::standalone, {1}));
  const auto r = t.rejection_of(commands::record_target_reason{target_id{1}, no_organization_reason::other, "",
                                                                day("2016-07-21")});
  EXPECT_EQ(r.code, "target_not_open");
  EXPECT_EQ(t.code_of(commands::record_target_reason{target_id{9}, no_organization_reason::other, "", day("2016-07-21")}),
            "target_not_found");
}

// A reason or a plan that contradicts the members the state holds is refused.
TEST(ledger_rules, reason_and_plan_agree_with_the_formal_members) {
  scenario t;
  t.jurisdictions();
  t.org(1);
  t.org(2);
  t.members(1, 3);
  t.members(2, 2);
  t.members(2, 1, member_affiliation::party, member_standing::probationary);
  t.members(1, 1, member_affiliation::league);
  auto joint = target(1, 1);
  joint.planned_mode = formation_mode::joint;
  auto r = t.rejection_of(joint);
  EXPECT_EQ(r.code, "eligible_org_must_form_standalone");
  EXPECT_EQ(r.field, "planned_mode");
  EXPECT_NE(r.message.find("org 1 has 3 formal party members"), std::string::npos) << r.message;
  for (auto mode : {formation_mode::affiliated, formation_mode::industry}) {
    joint.planned_mode = mode;
    EXPECT_EQ(t.code_of(joint), "eligible_org_must_form_standalone");
  }
  t.ok(target(1, 1));  // standalone, as it must
  r = t.rejection_of(commands::record_target_reason{target_id{1}, no_organization_reason::fewer_than_three_formal_members,
                                                     "", day("2016-07-20")});
  EXPECT_EQ(r.code, "reason_contradicts_members");
  EXPECT_EQ(r.kind, rejection_kind::rule_violation);
  EXPECT_EQ(r.field, "reason");
  EXPECT_NE(r.message.find("org 1 has 3 formal party members"), std::string::npos) << r.message;
  // The org's single League member: the reason holds for its League target.
  t.ok(target(2, 1, organization_type::league));
  t.ok(commands::record_target_reason{target_id{2}, no_organization_reason::fewer_than_three_formal_members, "",
                                      day("2016-07-20")});
  // Org 2 has 2 formal members (a probationary one does not count): a joint plan and the reason hold.
  joint = target(3, 2);
  joint.planned_mode = formation_mode::joint;
  t.ok(joint);
  t.ok(commands::record_target_reason{target_id{3}, no_organization_reason::fewer_than_three_formal_members, "",
                                      day("2016-07-20")});
  // Once it has 3, the joint plan contradicts the facts: no reason is recorded against it.
  t.members(2, 1);
  r = t.rejection_of(commands::record_target_reason{target_id{3}, no_organization_reason::owner_does_not_support, "",
                                                     day("2016-07-21")});
  EXPECT_EQ(r.code, "eligible_org_must_form_standalone");
  EXPECT_EQ(r.field, "target");
  EXPECT_NE(r.message.find("planned joint"), std::string::npos) << r.message;
}

class interviews : public ::testing::Test {
 protected:
  scenario t;
  void SetUp() override {
    t.jurisdictions();
    t.campaign();
    t.ok(commands::issue_bulletin{campaign_id{1}, bulletin_round{1}, day("2016-07-16"), 99, {}});
  }
  commands::schedule_interview schedule(std::uint64_t id, jurisdiction_code where = xihu, std::uint32_t round = 1) {
    return commands::schedule_interview{interview_id{id},  campaign_id{1}, std::move(where), "西湖区市场监管局局长",
                                        {interview_reason::ranked_last, interview_reason::slow_progress},
                                        bulletin_round{round}, ms_at(day("2016-07-20"), 15), "杭州市市场监管局三楼会议室"};
  }
  commands::hold_interview hold(std::uint64_t id) {
    return commands::hold_interview{interview_id{id}, ms_at(day("2016-07-20"), 16), "进展慢的原因是底数不清",
                                    "两周内完成调查摸底，月底前组建到位"};
  }
  commands::set_rectification_items items(std::uint64_t id) {
    return commands::set_rectification_items{
        interview_id{id},
        {rectification_item{"底数不清", "完成四个步骤的调查摸底", day("2016-08-05")},
         rectification_item{"应建未建12家", "8月底前全部单独组建", day("2016-08-31")}}};
  }
};

TEST_F(interviews, scheduled_after_an_issued_bulletin_once_per_round) {
  EXPECT_EQ(t.code_of(schedule(1, xihu, 2)), "interview_round_not_issued");
  const auto events = t.ok(schedule(1));
  EXPECT_EQ(stream_of(events[0]), "interview-1");
  EXPECT_EQ(t.code_of(schedule(1)), "interview_exists");
  EXPECT_EQ(t.code_of(schedule(2)), "interview_already_scheduled");
  auto no_reason = schedule(3, shangcheng);
  no_reason.reasons.clear();
  EXPECT_EQ(t.code_of(no_reason), "list_required");
  auto twice = schedule(3, shangcheng);
  twice.reasons.push_back(interview_reason::ranked_last);
  EXPECT_EQ(t.code_of(twice), "duplicate_in_list");
  EXPECT_EQ(t.code_of(schedule(3, jurisdiction_code{"330108"})), "jurisdiction_not_found");
  t.ok(schedule(3, shangcheng));
}

// §13/§14: League committees rank the League twin too, and call their own laggards: a League
// interview of the same jurisdiction and round is another interview, itself called only once.
TEST_F(interviews, a_league_interview_beside_the_party_one_of_the_same_round) {
  const auto party = t.ok(schedule(1));
  ASSERT_EQ(party.size(), 1u);
  EXPECT_EQ(std::get<events::interview_scheduled>(party[0]).affiliation, member_affiliation::party);
  auto league = schedule(2);
  league.affiliation = member_affiliation::league;
  const auto scheduled = t.ok(league);
  ASSERT_EQ(scheduled.size(), 1u);
  EXPECT_EQ(std::get<events::interview_scheduled>(scheduled[0]).affiliation, member_affiliation::league);
  EXPECT_EQ(t.s.find_interview(interview_id{2})->affiliation, member_affiliation::league);
  auto again = schedule(3);
  again.affiliation = member_affiliation::league;
  const auto r = t.rejection_of(again);
  EXPECT_EQ(r.code, "interview_already_scheduled");
  EXPECT_NE(r.message.find("league"), std::string::npos) << r.message;
  auto unnamed = schedule(3);
  unnamed.affiliation = static_cast<member_affiliation>(7);
  EXPECT_EQ(t.code_of(unnamed), "invalid_value");
}

TEST_F(interviews, held_before_items_are_set_and_closed_when_items_are_done) {
  t.ok(schedule(1));
  EXPECT_EQ(t.code_of(items(1)), "interview_not_held");
  EXPECT_EQ(t.code_of(commands::close_interview{interview_id{1}, "已整改", day("2016-07-30")}), "interview_not_held");
  auto future = hold(1);
  future.held_at_ms = ms_at(day("2016-08-02"));
  EXPECT_EQ(t.code_of(future), "date_in_future");
  t.ok(hold(1));
  EXPECT_EQ(t.code_of(hold(1)), "interview_not_scheduled");
  EXPECT_EQ(t.code_of(commands::close_interview{interview_id{1}, "已整改", day("2016-07-30")}),
            "interview_items_not_done");
  t.ok(items(1));
  EXPECT_EQ(t.code_of(items(1)), "rectification_items_already_set");
  t.ok(commands::complete_rectification_item{interview_id{1}, 0, day("2016-07-28")});
  EXPECT_EQ(t.code_of(commands::complete_rectification_item{interview_id{1}, 0, day("2016-07-28")}),
            "rectification_item_done");
  EXPECT_EQ(t.code_of(commands::complete_rectification_item{interview_id{1}, 2, day("2016-07-28")}), "invalid_count");
  const auto r = t.rejection_of(commands::close_interview{interview_id{1}, "已整改", day("2016-07-30")});
  EXPECT_EQ(r.code, "interview_items_not_done");
  EXPECT_NE(r.message.find("1 items"), std::string::npos);
  t.ok(commands::complete_rectification_item{interview_id{1}, 1, day("2016-07-29")});
  t.ok(commands::close_interview{interview_id{1}, "整改到位，予以销号", day("2016-07-30")});
  EXPECT_EQ(t.s.find_interview(interview_id{1})->status, interview_status::closed);
  EXPECT_EQ(t.code_of(commands::close_interview{interview_id{1}, "再次", day("2016-07-30")}), "interview_settled");
}

TEST_F(interviews, escalated_to_the_level_above_then_closed) {
  t.ok(schedule(1));
  t.ok(hold(1));
  t.ok(items(1));
  const auto events = t.ok(commands::escalate_interview{interview_id{1}, "逾期未整改", day("2016-07-31")});
  EXPECT_EQ(std::get<events::interview_escalated>(events[0]).to, hangzhou);
  EXPECT_EQ(t.code_of(commands::escalate_interview{interview_id{1}, "再次", day("2016-07-31")}), "interview_settled");
  EXPECT_EQ(t.code_of(items(1)), "interview_settled");
  t.ok(commands::close_interview{interview_id{1}, "移交上级处理", day("2016-08-01")});
}

// "Followed up": an interview whose day went by without a hearing is escalated as not held, but
// not on or before its day, when it may still be held.
TEST_F(interviews, one_never_held_is_escalated_once_its_day_has_passed) {
  t.ok(schedule(1));  // for 2016-07-20
  const auto r = t.rejection_of(commands::escalate_interview{interview_id{1}, "未到场", day("2016-07-20")});
  EXPECT_EQ(r.code, "interview_not_held");
  EXPECT_EQ(r.field, "escalated_on");
  EXPECT_NE(r.message.find("2016-07-20"), std::string::npos) << r.message;
  EXPECT_EQ(t.s.find_interview(interview_id{1})->status, interview_status::scheduled);
  const auto events = t.ok(commands::escalate_interview{interview_id{1}, "约谈未按期举行", day("2016-07-21")});
  EXPECT_EQ(std::get<events::interview_escalated>(events[0]).to, hangzhou);
  EXPECT_EQ(t.s.find_interview(interview_id{1})->status, interview_status::escalated);
  EXPECT_EQ(t.code_of(hold(1)), "interview_not_scheduled");
  EXPECT_EQ(t.code_of(items(1)), "interview_settled");
  t.ok(commands::close_interview{interview_id{1}, "移交上级督办", day("2016-07-22")});
}

TEST_F(interviews, unknown_interviews_are_not_found) {
  const auto r = t.rejection_of(hold(9));
  EXPECT_EQ(r.code, "interview_not_found");
  EXPECT_EQ(r.kind, rejection_kind::not_found);
  EXPECT_EQ(t.code_of(commands::close_interview{interview_id{9}, "x", day("2016-07-30")}), "interview_not_found");
  t.ok(schedule(9));
  t.ok(hold(9));
}

TEST_F(interviews, the_nation_has_no_level_above) {
  t.ok(schedule(1, national));
  t.ok(hold(1));
  EXPECT_EQ(t.code_of(commands::escalate_interview{interview_id{1}, "x", day("2016-07-31")}), "no_level_above");
}

TEST_F(interviews, closed_campaign_schedules_nothing) {
  t.ok(commands::close_campaign{campaign_id{1}, day("2016-07-31")});
  EXPECT_EQ(t.code_of(schedule(1)), "campaign_closed");
  EXPECT_EQ(t.code_of(commands::issue_bulletin{campaign_id{1}, bulletin_round{2}, day("2016-07-31"), 99, {}}),
            "campaign_closed");
}

TEST(rule_catalogue, codes_are_unique_and_sentences_present) {
  std::vector<std::string_view> codes;
  for (const auto& rule : all_rules) {
    EXPECT_FALSE(rule.sentence.empty()) << rule.code;
    codes.push_back(rule.code);
  }
  std::sort(codes.begin(), codes.end());
  EXPECT_EQ(std::adjacent_find(codes.begin(), codes.end()), codes.end());
}

}  // namespace
}  // namespace gongjian::domain
