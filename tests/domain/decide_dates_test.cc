// Dates follow the steps they come after (date_before_prior_step): a command's date is not before
// the date the state holds of the step it follows. Each case is refused a day early and accepted
// on the day itself; dues paid up to stay within a year of the letter (dues_paid_too_far_ahead).

#include <gtest/gtest.h>

#include "builders.h"

namespace gongjian::domain {
namespace {

using namespace testing;

class date_steps : public ::testing::Test {
 protected:
  scenario t;
  void SetUp() override {
    t.jurisdictions();
    t.org(1);
    t.org(2);
  }
  // Expects `c` refused with date_before_prior_step on `field`, the message naming both dates.
  void expect_before(const command& c, const char* field, const char* given, const char* prior) {
    const auto r = t.rejection_of(c);
    EXPECT_EQ(r.code, "date_before_prior_step") << name_of(c);
    EXPECT_EQ(r.kind, rejection_kind::rule_violation);
    EXPECT_EQ(r.field, field);
    EXPECT_NE(r.message.find(std::string(field) + " " + given), std::string::npos) << r.message;
    EXPECT_NE(r.message.find(prior), std::string::npos) << r.message;
  }
};

TEST_F(date_steps, survey_steps_are_dated_in_order) {
  t.ok(commands::complete_survey_step{organization_id{1}, survey_step::investigate, day("2016-07-20")});
  expect_before(commands::complete_survey_step{organization_id{1}, survey_step::screen, day("2016-07-19")}, "completed_on",
                "2016-07-19", "the survey step investigate on 2016-07-20");
  t.ok(commands::complete_survey_step{organization_id{1}, survey_step::screen, day("2016-07-20")});
  t.ok(commands::complete_survey_step{organization_id{1}, survey_step::registration, day("2016-07-25")});
  expect_before(commands::complete_survey_step{organization_id{1}, survey_step::build_database, day("2016-07-22")},
                "completed_on", "2016-07-22", "2016-07-25");
  t.ok(commands::complete_survey_step{organization_id{1}, survey_step::build_database, day("2016-07-26")});
}

TEST_F(date_steps, members_disclose_leave_and_are_made_formal_after_being_recorded) {
  auto hidden = record(7, 1, member_affiliation::party, member_standing::formal, member_status::hidden);
  hidden.recorded_on = day("2016-07-15");
  t.ok(hidden);
  expect_before(commands::disclose_member_identity{member_id{7}, day("2016-07-14")}, "disclosed_on", "2016-07-14",
                "the member's record on 2016-07-15");
  t.ok(commands::disclose_member_identity{member_id{7}, day("2016-07-15")});
  expect_before(commands::record_member_left{member_id{7}, leaving_reason::changed_job, day("2016-07-01")}, "left_on",
                "2016-07-01", "2016-07-15");
  t.ok(commands::record_member_left{member_id{7}, leaving_reason::changed_job, day("2016-07-16")});

  auto probationary = record(8, 1, member_affiliation::party, member_standing::probationary);
  probationary.admitted_on = day("2015-06-01");
  probationary.recorded_on = day("2016-07-20");
  t.ok(probationary);
  // The probationary year is over on 2016-05-31, but the member was recorded probationary later.
  expect_before(commands::make_member_formal{member_id{8}, day("2016-07-01")}, "made_formal_on", "2016-07-01",
                "2016-07-20");
  t.ok(commands::make_member_formal{member_id{8}, day("2016-07-20")});

  // A developed member is recorded when admitted.
  t.members(2, 3);
  t.ok(form(10, organization_type::party, formation_mode::standalone, {2}));
  t.ok(commands::develop_member{member_id{9}, organization_id{2}, member_affiliation::party, "王五", branch_id{10},
                                day("2016-07-25")});
  EXPECT_EQ(t.s.find_member(member_id{9})->recorded_on, day("2016-07-25"));
  expect_before(commands::record_member_left{member_id{9}, leaving_reason::moved_away, day("2016-07-24")}, "left_on",
                "2016-07-24", "2016-07-25");
}

TEST_F(date_steps, nearby_attachment_follows_the_record_and_the_formation) {
  t.members(2, 3);
  auto formed = form(10, organization_type::party, formation_mode::standalone, {2});
  formed.formed_on = day("2016-07-20");
  t.ok(formed);
  t.ok(record(7, 1));  // recorded 2016-07-10
  expect_before(commands::attach_member_nearby{member_id{7}, branch_id{10}, day("2016-07-19")}, "attached_on",
                "2016-07-19", "the organization's formation on 2016-07-20");
  auto late = record(8, 1);
  late.recorded_on = day("2016-07-25");
  t.ok(late);
  expect_before(commands::attach_member_nearby{member_id{8}, branch_id{10}, day("2016-07-22")}, "attached_on",
                "2016-07-22", "the member's record on 2016-07-25");
  t.ok(commands::attach_member_nearby{member_id{7}, branch_id{10}, day("2016-07-20")});
}

class letter_dates : public date_steps {
 protected:
  void SetUp() override {
    date_steps::SetUp();
    t.members(2, 3);
    t.ok(form(10, organization_type::party, formation_mode::standalone, {2}));
    t.ok(record(7, 1, member_affiliation::party, member_standing::formal, member_status::floating));
    t.ok(letter(1));
  }
  static commands::issue_transfer_letter letter(std::uint64_t id, const char* dues = "2016-06-30") {
    return commands::issue_transfer_letter{transfer_id{id}, member_id{7}, "安徽省阜阳市颍州区某村党支部", branch_id{10},
                                           member_standing::formal, day(dues), day("2016-07-20"), day("2016-09-20")};
  }
};

TEST_F(letter_dates, a_letter_is_settled_or_reissued_after_its_issue) {
  expect_before(commands::receive_transfer_letter{transfer_id{1}, day("2016-07-19")}, "received_on", "2016-07-19",
                "the letter's issue on 2016-07-20");
  expect_before(commands::reject_transfer_letter{transfer_id{1}, "信息不符", day("2016-07-18")}, "rejected_on",
                "2016-07-18", "2016-07-20");
  expect_before(commands::revoke_transfer_letter{transfer_id{1}, "误开", day("2016-07-01")}, "revoked_on", "2016-07-01",
                "2016-07-20");
  expect_before(commands::reissue_transfer_letter{transfer_id{1}, transfer_id{2}, day("2016-07-19"), day("2016-09-19")},
                "issued_on", "2016-07-19", "the lost letter's issue on 2016-07-20");
  t.ok(commands::reissue_transfer_letter{transfer_id{1}, transfer_id{2}, day("2016-07-22"), day("2016-09-20")});
  expect_before(commands::receive_transfer_letter{transfer_id{2}, day("2016-07-21")}, "received_on", "2016-07-21",
                "2016-07-22");
  t.ok(commands::receive_transfer_letter{transfer_id{2}, day("2016-07-22")});
}

TEST_F(date_steps, a_letter_or_a_certificate_follows_the_member_s_record) {
  t.members(2, 3);
  t.ok(form(10, organization_type::party, formation_mode::standalone, {2}));
  auto floating = record(7, 1, member_affiliation::party, member_standing::formal, member_status::floating);
  floating.recorded_on = day("2016-07-15");
  t.ok(floating);
  auto letter = commands::issue_transfer_letter{transfer_id{1},
                                                member_id{7},
                                                "安徽省阜阳市颍州区某村党支部",
                                                branch_id{10},
                                                member_standing::formal,
                                                day("2016-06-30"),
                                                day("2016-07-14"),
                                                day("2016-09-14")};
  expect_before(letter, "issued_on", "2016-07-14", "the member's record on 2016-07-15");
  letter.issued_on = day("2016-07-15");
  t.ok(letter);
  t.ok(commands::revoke_transfer_letter{transfer_id{1}, "误开", day("2016-07-15")});
  const commands::complete_transfer_by_certificate certificate{
      transfer_id{2}, member_id{7},          branch_id{10},    certificate_issuer::village_committee,
      "某村党支部",   "身份证明〔2016〕1号", day("2016-07-14")};
  expect_before(certificate, "completed_on", "2016-07-14", "the member's record on 2016-07-15");
  auto on_the_day = certificate;
  on_the_day.completed_on = day("2016-07-15");
  t.ok(on_the_day);
}

TEST_F(letter_dates, dues_are_paid_at_most_a_year_ahead) {
  t.ok(commands::revoke_transfer_letter{transfer_id{1}, "误开", day("2016-07-20")});
  const auto r = t.rejection_of(letter(2, "2017-07-22"));  // 367 days after 2016-07-20
  EXPECT_EQ(r.code, "dues_paid_too_far_ahead");
  EXPECT_EQ(r.kind, rejection_kind::invalid_input);
  EXPECT_EQ(r.field, "dues_paid_until");
  EXPECT_NE(r.message.find("2017-07-22"), std::string::npos) << r.message;
  EXPECT_EQ(t.code_of(letter(2, "2999-12-01")), "dues_paid_too_far_ahead");
  t.ok(letter(2, "2017-07-21"));  // 366 days
}

// Nothing is done to or in an org before its registration day (orgs 1 and 2 are registered on
// 2016-07-05, orgs 3 to 6 here on 2016-07-15).
TEST_F(date_steps, org_actions_follow_its_registration) {
  for (std::uint64_t id = 3; id <= 6; ++id) {
    auto c = register_org(id);
    c.registered_on = day("2016-07-15");
    t.ok(c);
  }
  EXPECT_EQ(t.s.find_org(organization_id{3})->registered_on(), day("2016-07-15"));
  const char* prior = "the registration of org 3 on 2016-07-15";

  expect_before(commands::complete_survey_step{organization_id{3}, survey_step::investigate, day("2016-07-14")},
                "completed_on", "2016-07-14", prior);
  t.ok(commands::complete_survey_step{organization_id{3}, survey_step::investigate, day("2016-07-15")});

  commands::correct_organization_details correction;
  correction.org = organization_id{3};
  correction.employees = 15;
  correction.corrected_on = day("2016-07-14");
  expect_before(correction, "corrected_on", "2016-07-14", prior);
  correction.corrected_on = day("2016-07-15");
  t.ok(correction);

  auto member = record(7, 3);
  member.recorded_on = day("2016-07-14");
  expect_before(member, "recorded_on", "2016-07-14", prior);
  member.recorded_on = day("2016-07-15");
  t.ok(member);

  const commands::develop_member developed{member_id{8}, organization_id{3}, member_affiliation::league, "王五",
                                           {},           day("2016-07-14")};
  expect_before(developed, "admitted_on", "2016-07-14", prior);
  auto developed_on_the_day = developed;
  developed_on_the_day.admitted_on = day("2016-07-15");
  t.ok(developed_on_the_day);

  commands::designate_formation_target target{target_id{1},          organization_id{3}, organization_type::party,
                                              formation_mode::joint, day("2016-09-30"),  "李四",
                                              day("2016-07-14")};
  expect_before(target, "designated_on", "2016-07-14", prior);
  target.designated_on = day("2016-07-15");
  t.ok(target);

  // A list names the first org registered after the day.
  commands::assign_instructor instructor{instructor_id{1},
                                         "赵老师",
                                         member_affiliation::party,
                                         instructor_source::market_regulation_staff,
                                         {organization_id{1}, organization_id{3}},
                                         day("2016-07-14")};
  expect_before(instructor, "assigned_on", "2016-07-14", prior);
  instructor.assigned_on = day("2016-07-15");
  t.ok(instructor);

  auto union_formed = form(10, organization_type::trade_union, formation_mode::joint, {1, 2, 4});
  union_formed.formed_on = day("2016-07-14");
  expect_before(union_formed, "formed_on", "2016-07-14", "the registration of org 4 on 2016-07-15");
  union_formed.orgs = {organization_id{1}, organization_id{2}};
  t.ok(union_formed);  // orgs 1 and 2 were registered before
  expect_before(commands::add_orgs_to_organization{branch_id{10}, {organization_id{4}}, day("2016-07-14")}, "added_on",
                "2016-07-14", "the registration of org 4 on 2016-07-15");
  t.ok(commands::add_orgs_to_organization{branch_id{10}, {organization_id{4}}, day("2016-07-15")});

  expect_before(commands::remove_organization{organization_id{5}, removal_reason::shell, "", day("2016-07-14")},
                "removed_on", "2016-07-14", "the registration of org 5 on 2016-07-15");
  t.ok(commands::remove_organization{organization_id{5}, removal_reason::shell, "", day("2016-07-15")});
}

// The registration day is kept in two bytes beside the survey day, in the same 24-byte record.
TEST(org_record_days, registration_and_survey_days_are_kept_apart) {
  org_record org;
  org.registered_day = org_record::day_of(date_from_ymd(1995, 3, 1));
  org.last_survey_step_day = org_record::day_of(date_from_ymd(2016, 7, 20));
  org.kind = org_kind::specialized_market;
  org.status = operating_status::dormant;
  org.open_targets = 0xF;
  org.survey_steps_completed = 4;
  org.removed = true;
  EXPECT_EQ(org.registered_on(), date_from_ymd(1995, 3, 1));
  EXPECT_EQ(org.last_survey_step_on(), date_from_ymd(2016, 7, 20));
  EXPECT_EQ(org.kind, org_kind::specialized_market);
  EXPECT_EQ(org.status, operating_status::dormant);
  EXPECT_EQ(org.open_targets, 0xF);
  EXPECT_EQ(org.survey_steps_completed, 4);
  EXPECT_TRUE(org.removed);
  EXPECT_EQ(sizeof(org_record), 24u);
}

TEST_F(date_steps, instructors_are_released_after_assignment) {
  t.ok(commands::assign_instructor{instructor_id{1}, "赵老师", member_affiliation::party,
                                   instructor_source::market_regulation_staff, {organization_id{1}}, day("2016-07-20")});
  expect_before(commands::release_instructor{instructor_id{1}, "", day("2016-07-19")}, "released_on", "2016-07-19",
                "the assignment on 2016-07-20");
  t.ok(commands::release_instructor{instructor_id{1}, "", day("2016-07-20")});
}

TEST_F(date_steps, an_organization_changes_after_its_formation) {
  t.org(3);
  t.org(4);
  for (int org = 1; org <= 4; ++org) t.members(static_cast<std::uint64_t>(org), 1);
  t.ok(form(10, organization_type::party, formation_mode::joint, {1, 2, 3}));  // formed 2016-07-20
  expect_before(commands::add_orgs_to_organization{branch_id{10}, {organization_id{4}}, day("2016-07-19")}, "added_on",
                "2016-07-19", "the organization's formation on 2016-07-20");
  expect_before(commands::remove_orgs_from_organization{branch_id{10}, {organization_id{3}}, "迁出", day("2016-07-18")},
                "removed_on", "2016-07-18", "2016-07-20");
  expect_before(commands::dissolve_organization{branch_id{10}, "撤销", day("2016-07-01")}, "dissolved_on", "2016-07-01",
                "2016-07-20");
  t.ok(commands::add_orgs_to_organization{branch_id{10}, {organization_id{4}}, day("2016-07-20")});
  t.ok(commands::remove_orgs_from_organization{branch_id{10}, {organization_id{3}}, "迁出", day("2016-07-20")});
  t.ok(commands::dissolve_organization{branch_id{10}, "撤销", day("2016-07-20")});
}

TEST_F(date_steps, a_target_reason_follows_its_designation) {
  t.ok(commands::designate_formation_target{target_id{1}, organization_id{1}, organization_type::party,
                                            formation_mode::joint, day("2016-09-30"), "李四", day("2016-07-15")});
  expect_before(commands::record_target_reason{target_id{1}, no_organization_reason::other, "", day("2016-07-14")},
                "recorded_on", "2016-07-14", "the target's designation on 2016-07-15");
  t.ok(commands::record_target_reason{target_id{1}, no_organization_reason::other, "", day("2016-07-15")});
}

TEST_F(date_steps, an_interview_is_held_on_its_day_and_followed_up_after) {
  t.campaign();
  t.ok(commands::issue_bulletin{campaign_id{1}, bulletin_round{1}, day("2016-07-16"), 99, {}});
  for (std::uint64_t id : {1, 2}) {
    t.ok(commands::schedule_interview{interview_id{id},
                                      campaign_id{1},
                                      id == 1 ? xihu : shangcheng,
                                      "西湖区市场监管局局长",
                                      {interview_reason::ranked_last},
                                      bulletin_round{1},
                                      ms_at(day("2016-07-20"), 15),
                                      "杭州市市场监管局三楼会议室"});
  }
  expect_before(commands::hold_interview{interview_id{1}, ms_at(day("2016-07-19"), 16), "", "两周内完成"}, "held_at_ms",
                "2016-07-19", "the scheduled day on 2016-07-20");
  t.ok(commands::hold_interview{interview_id{1}, ms_at(day("2016-07-22"), 9), "", "两周内完成"});  // a morning earlier than 15:00 is fine
  t.ok(commands::hold_interview{interview_id{2}, ms_at(day("2016-07-20"), 9), "", "两周内完成"});
  // An item is not due before the interview was held (2016-07-22); on the day is fine.
  const auto early = t.rejection_of(
      commands::set_rectification_items{interview_id{1},
                                        {rectification_item{"底数不清", "完成调查摸底", day("2016-08-05")},
                                         rectification_item{"进度滞后", "按期销号", day("2016-07-21")}}});
  EXPECT_EQ(early.code, "date_before_prior_step");
  EXPECT_EQ(early.kind, rejection_kind::rule_violation);
  EXPECT_EQ(early.field, "items");
  EXPECT_NE(early.message.find("the deadline 2016-07-21 of item 1 is before the interview held on 2016-07-22"),
            std::string::npos)
      << early.message;
  t.ok(commands::set_rectification_items{interview_id{2},
                                         {rectification_item{"底数不清", "完成调查摸底", day("2016-07-20")}}});
  t.ok(commands::set_rectification_items{interview_id{1}, {rectification_item{"底数不清", "完成调查摸底", day("2016-08-05")}}});
  expect_before(commands::complete_rectification_item{interview_id{1}, 0, day("2016-07-21")}, "done_on", "2016-07-21",
                "the interview on 2016-07-22");
  expect_before(commands::escalate_interview{interview_id{1}, "逾期未整改", day("2016-07-21")}, "escalated_on",
                "2016-07-21", "2016-07-22");
  t.ok(commands::complete_rectification_item{interview_id{1}, 0, day("2016-07-22")});
  expect_before(commands::close_interview{interview_id{1}, "整改到位", day("2016-07-21")}, "closed_on", "2016-07-21",
                "2016-07-22");
  t.ok(commands::close_interview{interview_id{1}, "整改到位", day("2016-07-22")});
}

// The survey day is kept in two bytes counted from 1900-01-01.
TEST(survey_day, is_counted_from_1900_and_held_at_its_limit) {
  EXPECT_EQ(date{org_record::day_epoch}, date_from_ymd(1900, 1, 1));
  org_record org;
  org.last_survey_step_day = org_record::day_of(date_from_ymd(2016, 7, 20));
  EXPECT_EQ(org.last_survey_step_on(), date_from_ymd(2016, 7, 20));
  EXPECT_EQ(org_record::day_of(date_from_ymd(2999, 12, 31)), 0xFFFF);
  EXPECT_EQ(org_record::day_of(date_from_ymd(1900, 1, 1)), 0);
}

}  // namespace
}  // namespace gongjian::domain
