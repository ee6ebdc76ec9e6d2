// Forming organizations (组建): the four modes of §2(二), mass organizations of §2(三), the
// should-form flag (应建未建) and the ledger's automatic strike-off (对账销号).

#include <gtest/gtest.h>

#include "builders.h"

namespace gongjian::domain {
namespace {

using namespace testing;

class formation : public ::testing::Test {
 protected:
  scenario t;
  void SetUp() override { t.jurisdictions(); }
};

TEST_F(formation, standalone_party_with_three_formal_members_is_accepted) {
  t.org(1);
  t.members(1, 3);
  const auto events = t.ok(form(10, organization_type::party, formation_mode::standalone, {1}));
  ASSERT_EQ(events.size(), 1u);
  const auto& formed = std::get<events::organization_formed>(events[0]);
  EXPECT_EQ(formed.formal_members, 3u);
  EXPECT_EQ(formed.scale, organization_scale::branch);
  EXPECT_TRUE(t.s.find_org(organization_id{1})->covered_by(organization_type::party, formation_mode::standalone));
}

TEST_F(formation, standalone_party_with_two_formal_members_is_rejected) {
  t.org(1);
  t.members(1, 2);
  // Probationary, hidden and League members do not count towards a Party organization.
  t.members(1, 1, member_affiliation::party, member_standing::probationary);
  t.members(1, 1, member_affiliation::party, member_standing::formal, member_status::hidden);
  t.members(1, 3, member_affiliation::league);
  const auto r = t.rejection_of(form(10, organization_type::party, formation_mode::standalone, {1}));
  EXPECT_EQ(r.code, "standalone_requires_three_formal_members");
  EXPECT_EQ(r.kind, rejection_kind::rule_violation);
  EXPECT_EQ(r.field, "orgs");
  EXPECT_NE(r.rule.find("单独组建"), std::string::npos);
  EXPECT_NE(r.message.find("2 formal party members"), std::string::npos);
}

TEST_F(formation, standalone_league_counts_league_members) {
  t.org(1);
  t.members(1, 3, member_affiliation::party);
  EXPECT_EQ(t.code_of(form(10, organization_type::league, formation_mode::standalone, {1})),
            "standalone_requires_three_formal_members");
  t.members(1, 3, member_affiliation::league);
  t.ok(form(11, organization_type::league, formation_mode::standalone, {1}));
}

TEST_F(formation, standalone_covers_exactly_one_org) {
  t.org(1);
  t.org(2);
  t.members(1, 3);
  t.members(2, 3);
  EXPECT_EQ(t.code_of(form(10, organization_type::party, formation_mode::standalone, {1, 2})), "standalone_covers_one_org");
  t.ok(form(10, organization_type::party, formation_mode::standalone, {1}));
  EXPECT_EQ(t.code_of(commands::add_orgs_to_organization{branch_id{10}, {organization_id{2}}, day("2016-07-21")}),
            "standalone_covers_one_org");
  EXPECT_EQ(t.code_of(commands::remove_orgs_from_organization{branch_id{10}, {organization_id{1}}, "", day("2016-07-21")}),
            "standalone_covers_one_org");
}

TEST_F(formation, should_form_flag_follows_members_and_formation) {
  t.org(1);
  t.members(1, 2);
  EXPECT_FALSE(t.s.find_org(organization_id{1})->should_form_not_formed(member_affiliation::party));
  EXPECT_EQ(t.s.should_form_not_formed(member_affiliation::party), 0u);
  t.members(1, 1);
  EXPECT_TRUE(t.s.find_org(organization_id{1})->eligible(member_affiliation::party));
  EXPECT_TRUE(t.s.find_org(organization_id{1})->should_form_not_formed(member_affiliation::party));
  EXPECT_EQ(t.s.should_form_not_formed(member_affiliation::party), 1u);
  t.ok(form(10, organization_type::party, formation_mode::standalone, {1}));
  EXPECT_FALSE(t.s.find_org(organization_id{1})->should_form_not_formed(member_affiliation::party));
  EXPECT_EQ(t.s.should_form_not_formed(member_affiliation::party), 0u);
  t.ok(commands::dissolve_organization{branch_id{10}, "企业转型", day("2016-07-25")});
  EXPECT_EQ(t.s.should_form_not_formed(member_affiliation::party), 1u);
}

TEST_F(formation, joint_of_two_orgs_in_one_county_reaching_three_is_accepted) {
  t.org(1, hubin_office, "F5221 零售");
  t.org(2, qingbo_office, "I6510 软件");  // another trade, same county
  t.members(1, 2);
  t.members(2, 1);
  const auto events = t.ok(form(10, organization_type::party, formation_mode::joint, {1, 2}));
  EXPECT_EQ(std::get<events::organization_formed>(events[0]).formal_members, 3u);
}

TEST_F(formation, joint_of_two_orgs_of_one_trade_in_different_counties_is_accepted) {
  t.org(1, hubin_office, "F5221 零售");
  t.org(2, xihu_office, "F5221 零售");
  t.members(1, 1);
  t.members(2, 2);
  t.ok(form(10, organization_type::party, formation_mode::joint, {1, 2}));
}

TEST_F(formation, joint_rejections) {
  t.org(1, hubin_office, "F5221 零售");
  t.org(2, xihu_office, "I6510 软件");
  t.org(3, hubin_office, "F5221 零售");
  t.org(4, hubin_office, "F5221 零售");
  t.members(1, 1);
  t.members(2, 2);
  t.members(3, 1);
  t.members(4, 3);
  EXPECT_EQ(t.code_of(form(10, organization_type::party, formation_mode::joint, {1})), "joint_requires_two_orgs");
  EXPECT_EQ(t.code_of(form(10, organization_type::party, formation_mode::joint, {1, 2})),
            "joint_requires_shared_trade_or_county");
  EXPECT_EQ(t.code_of(form(10, organization_type::party, formation_mode::joint, {1, 3})),
            "joint_requires_three_formal_members");
  // Org 4 has 3 formal members: it must form its own (应建尽建).
  EXPECT_EQ(t.code_of(form(10, organization_type::party, formation_mode::joint, {1, 4})),
            "eligible_org_must_form_standalone");
  EXPECT_EQ(t.code_of(form(10, organization_type::party, formation_mode::joint, {1, 1})), "duplicate_in_list");
}

TEST_F(formation, joint_additions_keep_the_neighbourhood_rule) {
  t.org(1, hubin_office);
  t.org(2, qingbo_office);
  t.org(3, xihu_office, "I6510 软件");
  t.org(4, hubin_office);
  t.members(1, 2);
  t.members(2, 1);
  t.ok(form(10, organization_type::party, formation_mode::joint, {1, 2}));
  EXPECT_EQ(t.code_of(commands::add_orgs_to_organization{branch_id{10}, {organization_id{3}}, day("2016-07-22")}),
            "joint_requires_shared_trade_or_county");
  t.ok(commands::add_orgs_to_organization{branch_id{10}, {organization_id{4}}, day("2016-07-22")});
  EXPECT_EQ(t.s.find_branch(branch_id{10})->orgs.size(), 3u);
}

TEST_F(formation, affiliated_needs_a_host_with_an_organization_of_the_type) {
  t.org(1);
  t.members(1, 1);
  commands::register_host host{host_id{5}, host_kind::village_or_community, "湖滨社区", hubin_office, std::nullopt,
                               {organization_type::league}};
  t.ok(host);
  auto c = form(10, organization_type::party, formation_mode::affiliated, {1});
  EXPECT_EQ(t.code_of(c), "affiliation_requires_host");
  c.host = host_id{5};
  EXPECT_EQ(t.code_of(c), "host_has_no_organization");
  host.host = host_id{6};
  host.existing_organizations = {organization_type::party};
  t.ok(host);
  c.host = host_id{6};
  t.ok(c);
}

TEST_F(formation, affiliated_host_must_be_registered) {
  t.org(1);
  auto c = form(10, organization_type::trade_union, formation_mode::affiliated, {1});
  c.host = host_id{5};
  const auto r = t.rejection_of(c);
  EXPECT_EQ(r.code, "host_not_found");
  EXPECT_EQ(r.kind, rejection_kind::not_found);
  EXPECT_EQ(r.field, "host");
  t.ok(commands::register_host{host_id{5}, host_kind::village_or_community, "湖滨社区", shangcheng, std::nullopt,
                               {organization_type::trade_union}});
  t.ok(c);  // a union needs no member count; the host in the county has a union
}

TEST_F(formation, affiliated_host_enterprise_counts_its_own_organization) {
  t.org(1);
  t.org(2);
  t.members(1, 1);
  t.members(2, 3);
  t.ok(commands::register_host{host_id{5}, host_kind::enterprise, "杭州龙头企业", hubin_office, organization_id{2}, {}});
  auto c = form(10, organization_type::party, formation_mode::affiliated, {1});
  c.host = host_id{5};
  EXPECT_EQ(t.code_of(c), "host_has_no_organization");
  t.ok(form(20, organization_type::party, formation_mode::standalone, {2}));
  t.ok(c);
}

TEST_F(formation, affiliated_host_must_be_nearby_and_orgs_not_eligible) {
  t.org(1, xihu_office);
  t.org(2, hubin_office);
  t.members(1, 1);
  t.members(2, 3);
  t.ok(commands::register_host{host_id{5}, host_kind::market_regulation_office, "湖滨市场监管所", hubin_office,
                               std::nullopt, {organization_type::party}});
  auto c = form(10, organization_type::party, formation_mode::affiliated, {1});
  c.host = host_id{5};
  EXPECT_EQ(t.code_of(c), "host_not_nearby");
  c.orgs = {organization_id{2}};
  EXPECT_EQ(t.code_of(c), "eligible_org_must_form_standalone");
}

TEST_F(formation, industry_through_a_specialized_market) {
  t.org(1, hubin_office, "F5137 服装批发");
  t.org(2, xihu_office, "F5137 服装批发");
  t.org(3, hubin_office, "F5137 服装批发", org_kind::specialized_market);
  t.org(4, hubin_office, "I6510 软件");
  t.members(1, 2);
  t.members(2, 1);
  auto c = form(10, organization_type::party, formation_mode::industry, {1, 2});
  EXPECT_EQ(t.code_of(c), "industry_requires_channel");
  c.channel = industry_channel::specialized_market;
  c.channel_market = organization_id{4};  // not a market
  EXPECT_EQ(t.code_of(c), "channel_market_invalid");
  c.channel_market = organization_id{3};
  c.orgs = {organization_id{1}, organization_id{4}};
  EXPECT_EQ(t.code_of(c), "industry_requires_shared_trade");
  c.orgs = {organization_id{1}};
  EXPECT_EQ(t.code_of(c), "industry_requires_three_formal_members");
  c.orgs = {organization_id{1}, organization_id{2}};
  t.ok(c);
}

TEST_F(formation, industry_through_an_association_names_it) {
  t.org(1, hubin_office, "F5137 服装批发");
  t.members(1, 1);
  t.org(2, hubin_office, "F5137 服装批发");
  t.members(2, 2);
  auto c = form(10, organization_type::party, formation_mode::industry, {1, 2});
  c.channel = industry_channel::chamber_of_commerce;
  EXPECT_EQ(t.code_of(c), "text_required");
  c.channel_name = "杭州市服装商会";
  t.ok(c);
}

// 应建尽建 holds for industry formation as for joint and affiliated: an org with 3 formal members
// forms its own organization rather than enter a trade's.
TEST_F(formation, industry_refuses_an_org_that_must_form_standalone) {
  t.org(1, hubin_office, "F5137 服装批发");
  t.org(2, xihu_office, "F5137 服装批发");
  t.org(3, hubin_office, "F5137 服装批发");
  t.members(1, 3);
  t.members(2, 1);
  t.members(3, 2);
  auto c = form(10, organization_type::party, formation_mode::industry, {1, 2});
  c.channel = industry_channel::chamber_of_commerce;
  c.channel_name = "杭州市服装商会";
  const auto r = t.rejection_of(c);
  EXPECT_EQ(r.code, "eligible_org_must_form_standalone");
  EXPECT_EQ(r.kind, rejection_kind::rule_violation);
  EXPECT_EQ(r.field, "orgs");
  EXPECT_NE(r.message.find("org 1 has 3 formal party members"), std::string::npos) << r.message;
  c.orgs = {organization_id{2}, organization_id{3}};
  t.ok(c);
  // An addition is held to it too.
  EXPECT_EQ(t.code_of(commands::add_orgs_to_organization{branch_id{10}, {organization_id{1}}, day("2016-07-22")}),
            "eligible_org_must_form_standalone");
  // Party members do not make an org eligible for a League organization.
  t.members(2, 3, member_affiliation::league);
  t.members(3, 1, member_affiliation::league);
  auto league = form(11, organization_type::league, formation_mode::industry, {1, 3});
  league.channel = industry_channel::chamber_of_commerce;
  league.channel_name = "杭州市服装商会";
  EXPECT_EQ(t.code_of(league), "industry_requires_three_formal_members");
  league.orgs = {organization_id{2}, organization_id{3}};
  EXPECT_EQ(t.code_of(league), "eligible_org_must_form_standalone");
}

TEST_F(formation, host_and_channel_only_for_their_modes) {
  t.org(1);
  t.members(1, 3);
  auto c = form(10, organization_type::party, formation_mode::standalone, {1});
  c.host = host_id{5};
  EXPECT_EQ(t.code_of(c), "field_not_for_mode");
  c.host.reset();
  c.channel = industry_channel::industry_association;
  EXPECT_EQ(t.code_of(c), "field_not_for_mode");
}

TEST_F(formation, union_and_womens_federation_need_no_member_count) {
  t.org(1);
  t.ok(form(10, organization_type::trade_union, formation_mode::standalone, {1}));
  const auto events = t.ok(form(11, organization_type::womens_federation, formation_mode::standalone, {1}));
  EXPECT_EQ(std::get<events::organization_formed>(events[0]).scale, organization_scale::mass_organization);
  EXPECT_TRUE(t.s.find_org(organization_id{1})->covered_by(organization_type::trade_union));
  EXPECT_FALSE(t.s.find_org(organization_id{1})->covered_by(organization_type::party));
}

TEST_F(formation, one_organization_of_a_type_per_mode_per_org) {
  t.org(1);
  t.members(1, 3);
  t.ok(form(10, organization_type::party, formation_mode::standalone, {1}));
  EXPECT_EQ(t.code_of(form(11, organization_type::party, formation_mode::standalone, {1})), "org_already_covered");
  EXPECT_EQ(t.code_of(form(10, organization_type::league, formation_mode::standalone, {1})), "branch_exists");
  // Another type is independent.
  t.ok(form(12, organization_type::trade_union, formation_mode::standalone, {1}));
  // After dissolution the org may form again.
  t.ok(commands::dissolve_organization{branch_id{10}, "改选重建", day("2016-07-25")});
  t.ok(form(13, organization_type::party, formation_mode::standalone, {1}));
}

TEST_F(formation, scale_follows_formal_members) {
  t.org(1);
  t.members(1, 50);
  const auto events = t.ok(form(10, organization_type::party, formation_mode::standalone, {1}));
  EXPECT_EQ(std::get<events::organization_formed>(events[0]).scale, organization_scale::general_branch);
  EXPECT_EQ(scale_of(organization_type::party, 101, policy{}), organization_scale::committee);
  EXPECT_EQ(scale_of(organization_type::party, 100, policy{}), organization_scale::general_branch);
  EXPECT_EQ(scale_of(organization_type::league, 30, policy{}), organization_scale::general_branch);
  EXPECT_EQ(scale_of(organization_type::league, 100, policy{}), organization_scale::committee);
}

TEST_F(formation, forming_strikes_off_the_open_target_of_the_type) {
  t.org(1);
  t.org(2);
  t.members(1, 2);
  t.members(2, 1);
  t.ok(commands::designate_formation_target{target_id{7}, organization_id{1}, organization_type::party,
                                            formation_mode::joint, day("2016-09-30"), "李四", day("2016-07-15")});
  t.ok(commands::designate_formation_target{target_id{8}, organization_id{1}, organization_type::league,
                                            formation_mode::standalone, day("2016-09-30"), "李四", day("2016-07-15")});
  EXPECT_EQ(t.s.open_target(organization_id{1}, organization_type::party), target_id{7});
  const auto events = t.ok(form(10, organization_type::party, formation_mode::joint, {1, 2}));
  ASSERT_EQ(events.size(), 2u);
  const auto& struck = std::get<events::formation_target_struck_off>(events[1]);
  EXPECT_EQ(struck.target, target_id{7});
  EXPECT_EQ(struck.branch, branch_id{10});
  EXPECT_EQ(stream_of(events[1]), "target-7");
  EXPECT_EQ(t.s.find_target(target_id{7})->status, target_status::struck_off);
  EXPECT_EQ(t.s.find_target(target_id{8})->status, target_status::open);  // League target stays open
  EXPECT_FALSE(t.s.open_target(organization_id{1}, organization_type::party).has_value());
}

TEST_F(formation, adding_an_org_strikes_off_its_target) {
  t.org(1);
  t.org(2);
  t.org(3);
  t.members(1, 2);
  t.members(2, 1);
  t.ok(form(10, organization_type::party, formation_mode::joint, {1, 2}));
  t.ok(commands::designate_formation_target{target_id{7}, organization_id{3}, organization_type::party,
                                            formation_mode::joint, day("2016-09-30"), "李四", day("2016-07-21")});
  const auto events = t.ok(commands::add_orgs_to_organization{branch_id{10}, {organization_id{3}}, day("2016-07-22")});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<events::formation_target_struck_off>(events[1]).target, target_id{7});
}

TEST_F(formation, removing_orgs_keeps_joint_at_two_and_any_at_one) {
  t.org(1);
  t.org(2);
  t.org(3);
  t.org(4);
  t.members(1, 1);
  t.members(2, 1);
  t.members(3, 1);
  t.ok(form(10, organization_type::party, formation_mode::joint, {1, 2, 3}));
  EXPECT_EQ(t.code_of(commands::remove_orgs_from_organization{branch_id{10}, {organization_id{4}}, "", day("2016-07-22")}),
            "org_not_in_organization");
  t.ok(commands::remove_orgs_from_organization{branch_id{10}, {organization_id{3}}, "迁出", day("2016-07-22")});
  EXPECT_FALSE(t.s.find_org(organization_id{3})->covered_by(organization_type::party));
  EXPECT_EQ(t.code_of(commands::remove_orgs_from_organization{branch_id{10}, {organization_id{2}}, "", day("2016-07-22")}),
            "joint_requires_two_orgs");
  EXPECT_EQ(t.code_of(commands::remove_orgs_from_organization{branch_id{10}, {organization_id{1}, organization_id{2}}, "",
                                                              day("2016-07-22")}),
            "organization_needs_an_org");
}

TEST_F(formation, dissolved_organization_takes_nothing_more) {
  t.org(1);
  t.org(2);
  t.members(1, 2);
  t.members(2, 1);
  t.ok(form(10, organization_type::party, formation_mode::joint, {1, 2}));
  t.ok(commands::dissolve_organization{branch_id{10}, "撤销", day("2016-07-25")});
  EXPECT_FALSE(t.s.find_org(organization_id{1})->covered_by(organization_type::party));
  EXPECT_EQ(t.code_of(commands::dissolve_organization{branch_id{10}, "撤销", day("2016-07-25")}), "organization_dissolved");
  EXPECT_EQ(t.code_of(commands::add_orgs_to_organization{branch_id{10}, {organization_id{1}}, day("2016-07-26")}),
            "organization_dissolved");
  EXPECT_EQ(t.code_of(commands::dissolve_organization{branch_id{99}, "撤销", day("2016-07-25")}), "branch_not_found");
}

TEST_F(formation, removed_org_cannot_be_covered) {
  t.org(1);
  t.org(2);
  t.members(1, 2);
  t.members(2, 1);
  t.ok(commands::remove_organization{organization_id{2}, removal_reason::shell, "空壳", day("2016-07-15")});
  EXPECT_EQ(t.code_of(form(10, organization_type::party, formation_mode::joint, {1, 2})), "org_removed");
  EXPECT_EQ(t.code_of(form(10, organization_type::party, formation_mode::joint, {1, 3})), "org_not_found");
}

TEST_F(formation, formation_date_is_validated) {
  t.org(1);
  t.members(1, 3);
  auto c = form(10, organization_type::party, formation_mode::standalone, {1});
  c.formed_on = day("2016-08-02");  // tomorrow
  const auto r = t.rejection_of(c);
  EXPECT_EQ(r.code, "date_in_future");
  EXPECT_EQ(r.field, "formed_on");
  c.formed_on = date{-30000};
  EXPECT_EQ(t.code_of(c), "date_out_of_range");
  c.formed_on = day("2016-08-01");
  c.branch_name = "";
  EXPECT_EQ(t.code_of(c), "text_required");
}

}  // namespace
}  // namespace gongjian::domain
