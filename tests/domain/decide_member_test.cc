// Members (亮身份, 发展, 转正, 就地就近), transfers of membership (组织关系接转) and instructors
// (党建/团建指导员).

#include <gtest/gtest.h>

#include "builders.h"

namespace gongjian::domain {
namespace {

using namespace testing;

class members : public ::testing::Test {
 protected:
  scenario t;
  void SetUp() override {
    t.jurisdictions();
    t.org(1);
    t.org(2);
  }
};

TEST_F(members, a_member_is_in_one_org_at_a_time) {
  t.ok(record(7, 1));
  const auto r = t.rejection_of(record(7, 2));
  EXPECT_EQ(r.code, "member_in_another_org");
  EXPECT_EQ(r.kind, rejection_kind::conflict);
  EXPECT_EQ(t.code_of(record(7, 1)), "member_in_another_org");
  t.ok(commands::record_member_left{member_id{7}, leaving_reason::changed_job, day("2016-07-20")});
  EXPECT_EQ(t.s.find_org(organization_id{1})->members[0], 0u);
  t.ok(record(7, 2));
  EXPECT_EQ(t.s.find_org(organization_id{2})->formal(member_affiliation::party), 1u);
  EXPECT_EQ(t.code_of(commands::record_member_left{member_id{8}, leaving_reason::changed_job, day("2016-07-20")}),
            "member_not_found");
}

TEST_F(members, a_member_who_left_is_not_acted_on_in_the_org) {
  t.ok(record(7, 1, member_affiliation::party, member_standing::formal, member_status::hidden));
  t.ok(commands::record_member_left{member_id{7}, leaving_reason::moved_away, day("2016-07-20")});
  const auto r = t.rejection_of(commands::disclose_member_identity{member_id{7}, day("2016-07-21")});
  EXPECT_EQ(r.code, "member_not_in_org");
  EXPECT_EQ(r.field, "member");
  EXPECT_EQ(t.code_of(commands::record_member_left{member_id{7}, leaving_reason::moved_away, day("2016-07-21")}),
            "member_not_in_org");
}

TEST_F(members, league_members_have_no_probation) {
  EXPECT_EQ(t.code_of(record(7, 1, member_affiliation::league, member_standing::probationary)), "league_has_no_probation");
  t.ok(record(7, 1, member_affiliation::league, member_standing::formal));
}

TEST_F(members, hidden_pocket_and_floating_members_disclose_once) {
  t.ok(record(7, 1, member_affiliation::party, member_standing::formal, member_status::pocket));
  EXPECT_EQ(t.s.find_org(organization_id{1})->formal(member_affiliation::party), 0u);
  const auto events = t.ok(commands::disclose_member_identity{member_id{7}, day("2016-07-20")});
  EXPECT_EQ(std::get<events::member_identity_disclosed>(events[0]).previous_status, member_status::pocket);
  EXPECT_EQ(stream_of(events[0]), "member-7");
  EXPECT_EQ(t.s.find_member(member_id{7})->status, member_status::disclosed);
  EXPECT_EQ(t.s.find_org(organization_id{1})->formal(member_affiliation::party), 1u);
  EXPECT_EQ(t.code_of(commands::disclose_member_identity{member_id{7}, day("2016-07-21")}), "identity_already_disclosed");
}

TEST_F(members, developed_party_members_are_probationary_for_a_year) {
  // Admitted a year before the campaign, in an org registered before that.
  auto older = register_org(3);
  older.registered_on = day("2012-03-01");
  t.ok(older);
  const auto events = t.ok(commands::develop_member{member_id{7}, organization_id{3}, member_affiliation::party, "李华",
                                                    std::nullopt, day("2015-09-01")});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<events::member_developed>(events[0]).standing, member_standing::probationary);
  EXPECT_EQ(t.s.find_org(organization_id{3})->formal(member_affiliation::party), 0u);
  const auto r = t.rejection_of(commands::make_member_formal{member_id{7}, day("2016-07-20")});
  EXPECT_EQ(r.code, "probation_not_over");
  EXPECT_EQ(r.field, "made_formal_on");
  t.set_today("2016-09-01");
  t.ok(commands::make_member_formal{member_id{7}, day("2016-08-31")});
  EXPECT_EQ(t.s.find_org(organization_id{3})->formal(member_affiliation::party), 1u);
  EXPECT_EQ(t.code_of(commands::make_member_formal{member_id{7}, day("2016-08-31")}), "member_already_formal");
}

TEST_F(members, developed_league_members_are_formal) {
  const auto events = t.ok(commands::develop_member{member_id{7}, organization_id{1}, member_affiliation::league, "王芳",
                                                    std::nullopt, day("2016-07-20")});
  EXPECT_EQ(std::get<events::member_developed>(events[0]).standing, member_standing::formal);
}

TEST_F(members, admitting_organization_matches_the_affiliation) {
  t.ok(form(10, organization_type::trade_union, formation_mode::standalone, {1}));
  EXPECT_EQ(t.code_of(commands::develop_member{member_id{7}, organization_id{1}, member_affiliation::party, "李华",
                                               branch_id{10}, day("2016-07-20")}),
            "organization_type_mismatch");
  EXPECT_EQ(t.code_of(commands::develop_member{member_id{7}, organization_id{1}, member_affiliation::party, "李华",
                                               branch_id{11}, day("2016-07-20")}),
            "branch_not_found");
}

TEST_F(members, attached_nearby_only_without_an_own_organization) {
  t.members(2, 3);
  t.ok(form(10, organization_type::party, formation_mode::standalone, {2}));
  t.ok(record(7, 1));
  t.ok(commands::attach_member_nearby{member_id{7}, branch_id{10}, day("2016-07-21")});
  EXPECT_EQ(t.s.find_member(member_id{7})->attached_to, branch_id{10});
  EXPECT_EQ(t.code_of(commands::attach_member_nearby{member_id{7}, branch_id{10}, day("2016-07-21")}),
            "member_already_attached");
  // Members of org 2 have their own organization.
  EXPECT_EQ(t.code_of(commands::attach_member_nearby{member_id{1000}, branch_id{10}, day("2016-07-21")}),
            "org_has_own_organization");
  t.ok(record(8, 1, member_affiliation::league));
  EXPECT_EQ(t.code_of(commands::attach_member_nearby{member_id{8}, branch_id{10}, day("2016-07-21")}),
            "organization_type_mismatch");
}

// A member stops taking part nearby: by saying so (then may attach elsewhere), or because the
// organization is dissolved, which detaches every member taking part in it with the dissolution.
TEST_F(members, detached_by_request_or_by_the_organization_s_dissolution) {
  t.members(2, 3);
  t.ok(form(10, organization_type::party, formation_mode::standalone, {2}));
  t.ok(record(7, 1));
  t.ok(record(8, 1));
  t.ok(record(9, 1));
  EXPECT_EQ(t.code_of(commands::detach_member_nearby{member_id{7}, "不再参加", day("2016-07-22")}), "member_not_attached");
  t.ok(commands::attach_member_nearby{member_id{7}, branch_id{10}, day("2016-07-21")});
  t.ok(commands::attach_member_nearby{member_id{8}, branch_id{10}, day("2016-07-21")});
  EXPECT_EQ(t.code_of(commands::detach_member_nearby{member_id{7}, "", day("2016-07-22")}), "text_required");
  const auto detached = t.ok(commands::detach_member_nearby{member_id{7}, "到另一个组织参加活动", day("2016-07-22")});
  ASSERT_EQ(detached.size(), 1u);
  EXPECT_EQ(std::get<events::member_detached>(detached[0]),
            (events::member_detached{member_id{7}, branch_id{10}, "到另一个组织参加活动", day("2016-07-22")}));
  EXPECT_EQ(t.s.find_member(member_id{7})->attached_to, branch_id{});
  t.ok(commands::attach_member_nearby{member_id{7}, branch_id{10}, day("2016-07-23")});
  t.ok(commands::attach_member_nearby{member_id{9}, branch_id{10}, day("2016-07-23")});
  t.ok(commands::detach_member_nearby{member_id{9}, "调离", day("2016-07-24")});
  // Neither a detachment nor a dissolution (which detaches) is dated before the attachment: member
  // 7 takes part again since the 23rd.
  auto early = t.rejection_of(commands::detach_member_nearby{member_id{7}, "调离", day("2016-07-22")});
  EXPECT_EQ(early.code, "date_before_prior_step");
  EXPECT_EQ(early.field, "detached_on");
  EXPECT_NE(early.message.find("the attachment on 2016-07-23"), std::string::npos) << early.message;
  early = t.rejection_of(commands::dissolve_organization{branch_id{10}, "企业转型", day("2016-07-22")});
  EXPECT_EQ(early.code, "date_before_prior_step");
  EXPECT_EQ(early.field, "dissolved_on");
  EXPECT_NE(early.message.find("member 7's attachment"), std::string::npos) << early.message;
  EXPECT_EQ(t.s.find_member(member_id{7})->attached_on, day("2016-07-23"));

  // Dissolved: members 7 and 8 (not 9, detached already) no longer take part, in member order,
  // each on its own stream, and may take part in another organization nearby.
  const auto dissolved = t.ok(commands::dissolve_organization{branch_id{10}, "企业转型", day("2016-07-25")});
  ASSERT_EQ(dissolved.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<events::organization_dissolved>(dissolved[0]));
  for (std::size_t k = 1; k < 3; ++k) {
    const auto& d = std::get<events::member_detached>(dissolved[k]);
    EXPECT_EQ(d.member, member_id{6 + k});
    EXPECT_EQ(d.branch, branch_id{10});
    EXPECT_EQ(d.detached_on, day("2016-07-25"));
    EXPECT_EQ(stream_of(dissolved[k]), "member-" + std::to_string(6 + k));
    EXPECT_EQ(t.s.find_member(member_id{6 + k})->attached_to, branch_id{});
  }
  t.org(3);
  t.members(3, 3);
  t.ok(form(11, organization_type::party, formation_mode::standalone, {3}));
  t.ok(commands::attach_member_nearby{member_id{7}, branch_id{11}, day("2016-07-26")});
  EXPECT_EQ(t.s.find_member(member_id{7})->attached_to, branch_id{11});
}

// 就地就近: org 3 lies in 西湖区, orgs 1 and 2 in 上城区 (another office of it for org 4).
TEST_F(members, attached_only_to_an_organization_in_the_org_s_county) {
  t.org(3, xihu_office);
  t.org(4, qingbo_office);
  t.members(2, 3);
  t.ok(form(10, organization_type::party, formation_mode::standalone, {2}));
  t.ok(record(7, 3));
  const auto r = t.rejection_of(commands::attach_member_nearby{member_id{7}, branch_id{10}, day("2016-07-21")});
  EXPECT_EQ(r.code, "organization_not_nearby");
  EXPECT_EQ(r.kind, rejection_kind::rule_violation);
  EXPECT_EQ(r.field, "branch");
  EXPECT_NE(r.message.find("covers no org in the county 330106 of org 3"), std::string::npos) << r.message;
  // Another office of the same county is nearby.
  t.ok(record(8, 4));
  t.ok(commands::attach_member_nearby{member_id{8}, branch_id{10}, day("2016-07-21")});
  // A joint organization of one trade across both counties is nearby for either.
  t.org(5, xihu_office);
  t.org(6);
  t.members(5, 1);
  t.members(6, 2);
  t.ok(form(11, organization_type::party, formation_mode::joint, {5, 6}));
  t.ok(commands::attach_member_nearby{member_id{7}, branch_id{11}, day("2016-07-21")});
}

class transfers : public members {
 protected:
  void SetUp() override {
    members::SetUp();
    t.members(2, 3);
    t.ok(form(10, organization_type::party, formation_mode::standalone, {2}));
    t.ok(record(7, 1, member_affiliation::party, member_standing::formal, member_status::floating));
  }
  commands::issue_transfer_letter letter(std::uint64_t id, const char* issued = "2016-07-20",
                                         const char* valid_until = "2016-09-20") {
    return commands::issue_transfer_letter{transfer_id{id}, member_id{7}, "安徽省阜阳市颍州区某村党支部", branch_id{10},
                                           member_standing::formal, day("2016-06-30"), day(issued), day(valid_until)};
  }
};

TEST_F(transfers, received_once_and_only_from_issued) {
  const auto issued = t.ok(letter(1));
  EXPECT_EQ(stream_of(issued[0]), "transfer-1");
  EXPECT_EQ(t.s.find_member(member_id{7})->open_transfer, transfer_id{1});
  t.ok(commands::receive_transfer_letter{transfer_id{1}, day("2016-07-28")});
  EXPECT_EQ(t.s.find_member(member_id{7})->status, member_status::active);
  EXPECT_EQ(t.s.find_transfer(transfer_id{1})->status, transfer_status::received);
  const auto r = t.rejection_of(commands::receive_transfer_letter{transfer_id{1}, day("2016-07-29")});
  EXPECT_EQ(r.code, "transfer_not_issued");
  EXPECT_EQ(r.kind, rejection_kind::conflict);
  EXPECT_EQ(t.code_of(commands::revoke_transfer_letter{transfer_id{1}, "误开", day("2016-07-29")}), "transfer_not_issued");
  EXPECT_EQ(t.code_of(commands::receive_transfer_letter{transfer_id{2}, day("2016-07-29")}), "transfer_not_found");
}

TEST_F(transfers, one_open_letter_per_member) {
  t.ok(letter(1));
  EXPECT_EQ(t.code_of(letter(2)), "member_has_open_transfer");
  EXPECT_EQ(t.code_of(commands::record_member_left{member_id{7}, leaving_reason::moved_away, day("2016-07-25")}),
            "member_has_open_transfer");
  EXPECT_EQ(t.code_of(letter(1)), "transfer_exists");
  t.ok(commands::reject_transfer_letter{transfer_id{1}, "党费未交清", day("2016-07-25")});
  t.ok(letter(2));
}

TEST_F(transfers, validity_is_limited_to_ninety_days) {
  const auto r = t.rejection_of(letter(1, "2016-07-20", "2016-10-19"));  // 91 days
  EXPECT_EQ(r.code, "letter_validity_exceeds_limit");
  EXPECT_EQ(r.field, "valid_until");
  EXPECT_EQ(t.code_of(letter(1, "2016-07-20", "2016-07-19")), "date_order");
  t.ok(letter(1, "2016-07-20", "2016-10-18"));  // 90 days
}

TEST_F(transfers, standing_and_organization_type_must_match) {
  auto l = letter(1);
  l.standing = member_standing::probationary;
  EXPECT_EQ(t.code_of(l), "standing_mismatch");
  t.ok(form(11, organization_type::trade_union, formation_mode::standalone, {2}));
  l = letter(1);
  l.to_branch = branch_id{11};
  EXPECT_EQ(t.code_of(l), "organization_type_mismatch");
}

TEST_F(transfers, expiry_lists_the_member_as_pocket_member) {
  t.ok(letter(1, "2016-07-10", "2016-07-31"));  // the member was recorded on 2016-07-10
  t.set_today("2016-07-31");
  EXPECT_EQ(t.code_of(commands::expire_transfer_letter{transfer_id{1}}), "letter_not_expired");
  t.set_today("2016-08-01");
  EXPECT_EQ(t.code_of(commands::receive_transfer_letter{transfer_id{1}, day("2016-08-01")}), "letter_expired");
  const auto events = t.ok(commands::expire_transfer_letter{transfer_id{1}});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<events::member_listed_as_pocket>(events[1]).member, member_id{7});
  EXPECT_EQ(stream_of(events[1]), "member-7");
  EXPECT_EQ(t.s.find_member(member_id{7})->status, member_status::pocket);
  EXPECT_EQ(t.s.find_member(member_id{7})->open_transfer, transfer_id{});
  EXPECT_EQ(t.code_of(commands::expire_transfer_letter{transfer_id{1}}), "transfer_not_issued");
}

TEST_F(transfers, a_lost_letter_is_reissued_and_voided) {
  t.ok(letter(1));
  t.ok(commands::reissue_transfer_letter{transfer_id{1}, transfer_id{2}, day("2016-07-25"), day("2016-09-25")});
  EXPECT_EQ(t.s.find_transfer(transfer_id{1})->status, transfer_status::voided);
  EXPECT_EQ(t.s.find_member(member_id{7})->open_transfer, transfer_id{2});
  EXPECT_EQ(t.code_of(commands::receive_transfer_letter{transfer_id{1}, day("2016-07-28")}), "transfer_not_issued");
  t.ok(commands::receive_transfer_letter{transfer_id{2}, day("2016-07-28")});
}

// A transfer moves the relationship here; a member whose relationship the organization already
// holds is not transferred into it again (each receipt would count as a transfer completed).
TEST_F(transfers, not_into_the_organization_that_already_holds_the_member) {
  t.ok(letter(1));
  t.ok(commands::receive_transfer_letter{transfer_id{1}, day("2016-07-28")});
  const auto r = t.rejection_of(letter(2, "2016-07-29", "2016-09-20"));
  EXPECT_EQ(r.code, "transfer_into_own_organization");
  EXPECT_EQ(r.kind, rejection_kind::conflict);
  EXPECT_EQ(r.field, "to_branch");
  EXPECT_NE(r.message.find("member 7"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("organization 10"), std::string::npos) << r.message;
  commands::complete_transfer_by_certificate c{transfer_id{3}, member_id{7}, branch_id{10},
                                               certificate_issuer::village_committee, "阜阳市颍州区某村党支部",
                                               "皖颍证〔2016〕12号", day("2016-07-29")};
  EXPECT_EQ(t.code_of(c), "transfer_into_own_organization");
  // Into another organization it goes; the first no longer holds the member afterwards.
  t.members(1, 3);
  t.ok(form(11, organization_type::party, formation_mode::standalone, {1}));
  c.to_branch = branch_id{11};
  t.ok(c);
  t.ok(letter(4, "2016-07-30", "2016-09-20"));  // back to organization 10
}

TEST_F(transfers, a_member_admitted_by_an_organization_is_not_transferred_into_it) {
  commands::develop_member developed{member_id{8}, organization_id{2}, member_affiliation::party, "王五",
                                     branch_id{10}, day("2016-07-21")};
  t.ok(developed);
  auto l = letter(1);
  l.member = member_id{8};
  l.standing = member_standing::probationary;
  l.issued_on = day("2016-07-22");
  EXPECT_EQ(t.code_of(l), "transfer_into_own_organization");
  // After leaving and being recorded again, the relationship is no longer held here.
  t.ok(commands::record_member_left{member_id{8}, leaving_reason::changed_job, day("2016-07-23")});
  auto again = record(8, 2, member_affiliation::party, member_standing::probationary, member_status::floating);
  again.admitted_on = day("2016-07-21");
  again.recorded_on = day("2016-07-24");
  t.ok(again);
  l.issued_on = day("2016-07-25");
  t.ok(l);
}

TEST_F(transfers, identity_certificate_completes_a_difficult_transfer) {
  commands::complete_transfer_by_certificate c{transfer_id{3}, member_id{7}, branch_id{10},
                                               certificate_issuer::village_committee, "阜阳市颍州区某村党支部",
                                               "皖颍证〔2016〕12号", day("2016-07-26")};
  t.ok(letter(1));
  EXPECT_EQ(t.code_of(c), "member_has_open_transfer");
  t.ok(commands::revoke_transfer_letter{transfer_id{1}, "无法接转", day("2016-07-25")});
  c.certificate_number = "";
  EXPECT_EQ(t.code_of(c), "text_required");
  c.certificate_number = "皖颍证〔2016〕12号";
  t.ok(c);
  EXPECT_EQ(t.s.find_member(member_id{7})->status, member_status::active);
  EXPECT_EQ(t.s.find_transfer(transfer_id{3})->status, transfer_status::completed_by_certificate);
  EXPECT_EQ(t.code_of(c), "transfer_exists");
}

class instructors : public members {};

TEST_F(instructors, assigned_to_orgs_without_an_organization) {
  commands::assign_instructor c{instructor_id{1}, "赵老师", member_affiliation::party,
                                instructor_source::retired_soe_party_worker,
                                {organization_id{1}, organization_id{2}}, day("2016-07-20")};
  t.ok(c);
  EXPECT_EQ(t.code_of(c), "instructor_already_assigned");
  t.ok(commands::release_instructor{instructor_id{1}, "任务完成", day("2016-07-30")});
  EXPECT_EQ(t.code_of(commands::release_instructor{instructor_id{1}, "", day("2016-07-30")}), "instructor_not_active");
  EXPECT_EQ(t.code_of(commands::release_instructor{instructor_id{2}, "", day("2016-07-30")}), "instructor_not_found");
  t.members(2, 3);
  t.ok(form(10, organization_type::party, formation_mode::standalone, {2}));
  EXPECT_EQ(t.code_of(c), "org_already_has_organization");
  c.orgs = {organization_id{1}};
  t.ok(c);  // re-assigned after release
}

// 尚不具备组建条件: an org with 3 formal members of the instructor's affiliation can form its own
// organization; it gets no instructor instead.
TEST_F(instructors, not_assigned_to_an_org_that_can_form_its_own_organization) {
  t.members(2, 3);
  t.members(1, 3, member_affiliation::league);
  commands::assign_instructor c{instructor_id{1}, "赵老师", member_affiliation::party,
                                instructor_source::market_regulation_staff,
                                {organization_id{1}, organization_id{2}}, day("2016-07-20")};
  const auto r = t.rejection_of(c);
  EXPECT_EQ(r.code, "org_can_form_own_organization");
  EXPECT_EQ(r.kind, rejection_kind::rule_violation);
  EXPECT_EQ(r.field, "orgs");
  EXPECT_NE(r.message.find("org 2 has 3 formal party members"), std::string::npos) << r.message;
  EXPECT_NE(r.rule.find("尚不具备组建条件"), std::string::npos);
  c.orgs = {organization_id{1}};  // its 3 League members do not count for Party building
  t.ok(c);
  c.instructor = instructor_id{2};
  c.affiliation = member_affiliation::league;
  EXPECT_EQ(t.code_of(c), "org_can_form_own_organization");
  c.orgs = {organization_id{2}};
  t.ok(c);
}

TEST_F(instructors, source_matches_party_or_league_building) {
  commands::assign_instructor c{instructor_id{1}, "钱干部", member_affiliation::party, instructor_source::league_cadre,
                                {organization_id{1}}, day("2016-07-20")};
  EXPECT_EQ(t.code_of(c), "instructor_source_mismatch");
  c.affiliation = member_affiliation::league;
  t.ok(c);
  c.instructor = instructor_id{2};
  c.source = instructor_source::retired_soe_party_worker;
  EXPECT_EQ(t.code_of(c), "instructor_source_mismatch");
  c.source = instructor_source::market_regulation_staff;  // 一岗双责: either
  t.ok(c);
  c.instructor = instructor_id{3};
  c.orgs.clear();
  EXPECT_EQ(t.code_of(c), "list_required");
}

}  // namespace
}  // namespace gongjian::domain
