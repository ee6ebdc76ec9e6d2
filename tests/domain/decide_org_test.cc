// Jurisdictions, campaigns, bulletins, hosts and the organizations in scope: registration from
// the survey, the four survey steps, corrections and removal from the base.

#include <gtest/gtest.h>

#include "builders.h"

namespace gongjian::domain {
namespace {

using namespace testing;

TEST(jurisdiction_rules, registered_top_down_under_their_parent) {
  scenario t;
  EXPECT_EQ(t.code_of(commands::register_jurisdiction{zhejiang, "浙江省"}), "parent_jurisdiction_not_registered");
  const auto events = t.ok(commands::register_jurisdiction{national, "全国"});
  EXPECT_EQ(std::get<events::jurisdiction_registered>(events[0]).parent, jurisdiction_code{});
  const auto province = t.ok(commands::register_jurisdiction{zhejiang, "浙江省"});
  EXPECT_EQ(std::get<events::jurisdiction_registered>(province[0]).parent, national);
  EXPECT_EQ(std::get<events::jurisdiction_registered>(province[0]).level, jurisdiction_level::province);
  EXPECT_EQ(stream_of(province[0]), "jurisdiction-330000");
  EXPECT_EQ(t.code_of(commands::register_jurisdiction{hubin_office, "湖滨市场监管所"}),
            "parent_jurisdiction_not_registered");
  EXPECT_EQ(t.code_of(commands::register_jurisdiction{zhejiang, "浙江"}), "jurisdiction_exists");
}

TEST(jurisdiction_rules, codes_and_names_are_validated) {
  scenario t;
  t.ok(commands::register_jurisdiction{national, "全国"});
  const auto r = t.rejection_of(commands::register_jurisdiction{jurisdiction_code{"33000"}, "浙江省"});
  EXPECT_EQ(r.code, "invalid_jurisdiction_code");
  EXPECT_EQ(r.field, "code");
  EXPECT_EQ(r.kind, rejection_kind::invalid_input);
  EXPECT_EQ(t.code_of(commands::register_jurisdiction{zhejiang, ""}), "text_required");
  EXPECT_EQ(t.code_of(commands::register_jurisdiction{zhejiang, "\xE6\xB5"}), "invalid_utf8");
}

TEST(jurisdiction_rules, leader_and_plan) {
  scenario t;
  t.jurisdictions();
  t.campaign();
  t.ok(commands::assign_jurisdiction_leader{shangcheng, "王副局长", "个体私营经济监管处", day("2016-07-02")});
  EXPECT_TRUE(t.s.find_jurisdiction(shangcheng)->leader_assigned);
  EXPECT_EQ(t.code_of(commands::assign_jurisdiction_leader{jurisdiction_code{"330108"}, "王", "处", day("2016-07-02")}),
            "jurisdiction_not_found");
  commands::set_action_plan plan{shangcheng, campaign_id{1},
                                 {{organization_type::party, formation_mode::standalone, 20, day("2016-10-10")},
                                  {organization_type::league, formation_mode::joint, 5, day("2016-10-10")}},
                                 day("2016-07-03")};
  t.ok(plan);
  auto duplicate = plan;
  duplicate.targets.push_back(plan.targets[0]);
  EXPECT_EQ(t.code_of(duplicate), "duplicate_in_list");
  auto zero = plan;
  zero.targets[0].count = 0;
  EXPECT_EQ(t.code_of(zero), "invalid_count");
  auto early = plan;
  early.targets[0].deadline = day("2016-07-01");
  EXPECT_EQ(t.code_of(early), "date_order");
  auto empty = plan;
  empty.targets.clear();
  EXPECT_EQ(t.code_of(empty), "list_required");
  auto unknown = plan;
  unknown.campaign = campaign_id{2};
  EXPECT_EQ(t.code_of(unknown), "campaign_not_found");
  auto bad_enum = plan;
  bad_enum.targets[0].mode = static_cast<formation_mode>(9);
  EXPECT_EQ(t.code_of(bad_enum), "invalid_value");
}

TEST(campaign_rules, open_and_close) {
  scenario t;
  t.jurisdictions();
  commands::open_campaign c{campaign_id{1}, "百日攻坚", day("2016-07-01"), day("2016-10-31")};
  auto backwards = c;
  backwards.ends_on = day("2016-06-01");
  EXPECT_EQ(t.code_of(backwards), "date_order");
  auto cadence = c;
  cadence.bulletin_cadence_days = 0;
  EXPECT_EQ(t.code_of(cadence), "bulletin_cadence_out_of_range");
  auto percent = c;
  percent.interviews.bottom_percent = 101;
  EXPECT_EQ(t.code_of(percent), "invalid_count");
  t.ok(c);
  EXPECT_EQ(t.code_of(c), "campaign_exists");
  EXPECT_EQ(t.code_of(commands::close_campaign{campaign_id{1}, day("2016-06-30")}), "date_order");
  t.ok(commands::close_campaign{campaign_id{1}, day("2016-08-01")});
  EXPECT_EQ(t.code_of(commands::close_campaign{campaign_id{1}, day("2016-08-01")}), "campaign_closed");
  EXPECT_EQ(t.code_of(commands::close_campaign{campaign_id{0}, day("2016-08-01")}), "invalid_id");
}

commands::issue_bulletin bulletin(std::uint32_t round, const char* as_of) {
  commands::issue_bulletin b{campaign_id{1}, bulletin_round{round}, day(as_of), 1234, {}};
  ranking r{hangzhou, indicator::ledger_progress, member_affiliation::party, {}};
  r.lines.push_back(ranking_line{shangcheng, {indicator_value{indicator::ledger_progress, member_affiliation::party, 3, 4}}, 1, 0});
  r.lines.push_back(ranking_line{xihu, {indicator_value{indicator::ledger_progress, member_affiliation::party, 1, 4}}, 2, 0});
  b.rankings.push_back(r);
  return b;
}

TEST(bulletin_rules, rounds_in_order_when_due_with_rankings_of_children) {
  scenario t;
  t.jurisdictions();
  t.campaign();
  EXPECT_EQ(t.code_of(bulletin(2, "2016-07-31")), "bulletin_round_out_of_order");
  EXPECT_EQ(t.code_of(bulletin(1, "2016-07-15")), "bulletin_not_due");  // due 2016-07-16
  auto stranger = bulletin(1, "2016-07-16");
  stranger.rankings[0].lines[1].jurisdiction = hubin_office;
  EXPECT_EQ(t.code_of(stranger), "ranking_not_of_children");
  auto twice = bulletin(1, "2016-07-16");
  twice.rankings[0].lines[1].jurisdiction = shangcheng;
  EXPECT_EQ(t.code_of(twice), "duplicate_in_list");
  auto bad_rank = bulletin(1, "2016-07-16");
  bad_rank.rankings[0].lines[1].rank = 3;
  EXPECT_EQ(t.code_of(bad_rank), "invalid_count");
  auto bad_value = bulletin(1, "2016-07-16");
  bad_value.rankings[0].lines[0].values[0].denominator = 0;
  EXPECT_EQ(t.code_of(bad_value), "invalid_count");
  const auto events = t.ok(bulletin(1, "2016-07-16"));
  EXPECT_EQ(std::get<events::bulletin_issued>(events[0]).rankings, bulletin(1, "2016-07-16").rankings);
  EXPECT_EQ(stream_of(events[0]), "campaign-1");
  EXPECT_EQ(t.s.find_campaign(campaign_id{1})->last_round, 1u);
  EXPECT_EQ(t.code_of(bulletin(1, "2016-07-16")), "bulletin_round_out_of_order");
  EXPECT_EQ(t.code_of(bulletin(2, "2016-07-30")), "bulletin_not_due");
  t.ok(bulletin(2, "2016-07-31"));
  EXPECT_EQ(t.code_of(bulletin(3, "2016-08-15")), "date_in_future");
}

TEST(host_rules, registered_once_in_a_county_or_office) {
  scenario t;
  t.jurisdictions();
  t.org(1);
  commands::register_host h{host_id{1}, host_kind::private_business_association, "上城区个私协会", shangcheng,
                            std::nullopt, {organization_type::party}};
  t.ok(h);
  EXPECT_EQ(t.code_of(h), "host_exists");
  h.host = host_id{2};
  h.jurisdiction = hangzhou;
  EXPECT_EQ(t.code_of(h), "office_level_required");
  h.jurisdiction = shangcheng;
  h.org = organization_id{1};
  EXPECT_EQ(t.code_of(h), "host_org_requires_enterprise");
  h.kind = host_kind::enterprise;
  h.existing_organizations = {organization_type::party, organization_type::party};
  EXPECT_EQ(t.code_of(h), "duplicate_in_list");
  h.existing_organizations.clear();
  t.ok(h);
}

TEST(org_rules, registered_with_a_valid_credit_code) {
  scenario t;
  t.jurisdictions();
  auto c = register_org(1);
  const auto events = t.ok(c);
  EXPECT_EQ(stream_of(events[0]), "org-1");
  EXPECT_EQ(t.s.orgs_in_scope(), 1u);
  EXPECT_EQ(t.code_of(c), "org_exists");
  c.org = organization_id{2};
  c.social_credit_code.back() = c.social_credit_code.back() == '0' ? '1' : '0';
  const auto r = t.rejection_of(c);
  EXPECT_EQ(r.code, "invalid_social_credit_code");
  EXPECT_EQ(r.field, "social_credit_code");
  EXPECT_NE(r.message.find("check character"), std::string::npos);
  c.social_credit_code = "";
  EXPECT_EQ(t.code_of(c), "identification_required");
  c.registration_number = "110108000000016";
  EXPECT_EQ(t.code_of(c), "identification_required");  // enterprises carry the credit code
}

TEST(org_rules, individual_business_may_carry_a_registration_number) {
  scenario t;
  t.jurisdictions();
  auto c = register_org(1, hubin_office, "F5221 零售", org_kind::individual_business);
  c.social_credit_code = "";
  c.registration_number = "110108000000017";
  EXPECT_EQ(t.code_of(c), "invalid_registration_number");
  c.registration_number = "110108000000016";
  t.ok(c);
}

TEST(org_rules, fields_are_validated) {
  scenario t;
  t.jurisdictions();
  auto c = register_org(1);
  c.office = hangzhou;
  EXPECT_EQ(t.rejection_of(c).field, "office");
  c.office = jurisdiction_code{"330102009"};
  EXPECT_EQ(t.code_of(c), "jurisdiction_not_found");
  c.office = hubin_office;
  c.employees = 20'000'000;
  EXPECT_EQ(t.code_of(c), "invalid_count");
  c.employees = 5;
  c.org = organization_id{0};
  EXPECT_EQ(t.code_of(c), "invalid_id");
  c.org = organization_id{1};
  c.registered_on = day("2016-08-02");
  EXPECT_EQ(t.code_of(c), "date_in_future");
  c.registered_on = day("2016-08-01");
  c.org_name = std::string(5000, 'x');
  EXPECT_EQ(t.code_of(c), "text_too_long");
  c.org_name = "杭州湖滨小吃店";
  c.kind = static_cast<org_kind>(7);
  EXPECT_EQ(t.code_of(c), "invalid_value");
}

TEST(org_rules, survey_steps_in_order) {
  scenario t;
  t.jurisdictions();
  t.org(1);
  auto step = [](survey_step s) { return commands::complete_survey_step{organization_id{1}, s, day("2016-07-20")}; };
  const auto r = t.rejection_of(step(survey_step::screen));
  EXPECT_EQ(r.code, "survey_step_out_of_order");
  EXPECT_NE(r.message.find("investigate"), std::string::npos);
  t.ok(step(survey_step::investigate));
  EXPECT_EQ(t.code_of(step(survey_step::investigate)), "survey_step_out_of_order");
  t.ok(step(survey_step::screen));
  t.ok(step(survey_step::registration));
  t.ok(step(survey_step::build_database));
  EXPECT_EQ(t.s.find_org(organization_id{1})->survey_steps_completed, 4u);
  EXPECT_EQ(t.code_of(step(survey_step::build_database)), "survey_step_out_of_order");
}

TEST(org_rules, corrections_change_present_fields) {
  scenario t;
  t.jurisdictions();
  t.org(1);
  commands::correct_organization_details c;
  c.org = organization_id{1};
  c.corrected_on = day("2016-07-21");
  EXPECT_EQ(t.code_of(c), "nothing_to_correct");
  c.office = xihu_office;
  c.trade = "I6510 软件";
  t.ok(c);
  EXPECT_EQ(t.s.jurisdiction(t.s.find_org(organization_id{1})->office).code, xihu_office);
  EXPECT_EQ(t.s.trade_name(t.s.find_org(organization_id{1})->trade), "I6510 软件");
  c.social_credit_code = "";
  EXPECT_EQ(t.code_of(c), "identification_required");
  c.social_credit_code = "91330102MA0000000X";
  EXPECT_EQ(t.code_of(c), "invalid_social_credit_code");
}

TEST(org_rules, nothing_happens_to_a_removed_org) {
  scenario t;
  t.jurisdictions();
  t.org(1);
  t.org(2);
  t.members(1, 1);
  t.ok(commands::designate_formation_target{target_id{5}, organization_id{1}, organization_type::party,
                                            formation_mode::joint, day("2016-09-30"), "李四", day("2016-07-15")});
  const auto events = t.ok(commands::remove_organization{organization_id{1}, removal_reason::dormant, "歇业", day("2016-07-20")});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<events::formation_target_withdrawn>(events[1]).target, target_id{5});
  EXPECT_EQ(t.s.find_target(target_id{5})->status, target_status::withdrawn);
  EXPECT_EQ(t.s.orgs_in_scope(), 1u);
  const auto r = t.rejection_of(commands::complete_survey_step{organization_id{1}, survey_step::investigate, day("2016-07-21")});
  EXPECT_EQ(r.code, "org_removed");
  EXPECT_EQ(r.kind, rejection_kind::conflict);
  EXPECT_EQ(t.code_of(commands::remove_organization{organization_id{1}, removal_reason::dormant, "", day("2016-07-21")}),
            "org_removed");
  EXPECT_EQ(t.code_of(record(77, 1)), "org_removed");
  EXPECT_EQ(t.code_of(commands::correct_organization_details{organization_id{1}, "新名称"}), "org_removed");
}

TEST(org_rules, an_org_inside_an_organization_is_not_removed) {
  scenario t;
  t.jurisdictions();
  t.org(1);
  t.ok(form(10, organization_type::trade_union, formation_mode::standalone, {1}));
  EXPECT_EQ(t.code_of(commands::remove_organization{organization_id{1}, removal_reason::shell, "", day("2016-07-21")}),
            "org_still_covered");
  t.ok(commands::dissolve_organization{branch_id{10}, "撤销", day("2016-07-22")});
  t.ok(commands::remove_organization{organization_id{1}, removal_reason::shell, "", day("2016-07-22")});
}

TEST(org_rules, a_deregistered_org_leaves_the_shared_organizations_it_is_in) {
  // A firm of a two-org joint branch is deregistered (注销): it could leave neither the branch
  // (joint_requires_two_orgs) nor the base (org_still_covered). Its removal now takes it out of
  // every shared organization, the joint one left with one org.
  scenario t;
  t.jurisdictions();
  t.org(1);
  t.org(2);
  t.org(3);
  t.members(1, 2);
  t.members(2, 1);
  t.ok(form(10, organization_type::party, formation_mode::joint, {1, 2}));
  t.ok(form(11, organization_type::trade_union, formation_mode::joint, {1, 2, 3}));
  EXPECT_EQ(t.code_of(commands::remove_orgs_from_organization{branch_id{10}, {organization_id{1}}, "", day("2016-07-21")}),
            "joint_requires_two_orgs");
  EXPECT_EQ(t.code_of(commands::remove_organization{organization_id{1}, removal_reason::shell, "", day("2016-07-21")}),
            "org_still_covered");
  // Not before the organizations were formed.
  EXPECT_EQ(t.code_of(commands::remove_organization{organization_id{1}, removal_reason::deregistered, "", day("2016-07-19")}),
            "date_before_prior_step");
  EXPECT_FALSE(t.s.find_org(organization_id{1})->removed);

  const auto events =
      t.ok(commands::remove_organization{organization_id{1}, removal_reason::deregistered, "已注销", day("2016-07-21")});
  ASSERT_EQ(events.size(), 3u);
  const auto& left_party = std::get<events::organization_orgs_removed>(events[0]);
  EXPECT_EQ(left_party.branch, branch_id{10});
  EXPECT_EQ(left_party.orgs, std::vector<organization_id>{organization_id{1}});
  EXPECT_EQ(left_party.removed_on, day("2016-07-21"));
  EXPECT_EQ(std::get<events::organization_orgs_removed>(events[1]).branch, branch_id{11});
  EXPECT_EQ(std::get<events::organization_removed>(events[2]).reason, removal_reason::deregistered);
  EXPECT_TRUE(t.s.find_org(organization_id{1})->removed);
  EXPECT_EQ(t.s.find_org(organization_id{1})->coverage, 0u);
  EXPECT_EQ(t.s.find_branch(branch_id{10})->orgs, std::vector<organization_id>{organization_id{2}});
  EXPECT_TRUE(t.s.find_org(organization_id{2})->covered_by(organization_type::party));
  EXPECT_EQ(t.s.find_branch(branch_id{11})->orgs.size(), 2u);
}

TEST(org_rules, a_deregistered_org_with_an_organization_of_its_own_is_removed_after_it_is_dissolved) {
  scenario t;
  t.jurisdictions();
  t.org(1);
  t.org(2);
  t.members(1, 3);
  t.ok(form(10, organization_type::party, formation_mode::standalone, {1}));
  const auto r = t.rejection_of(commands::remove_organization{organization_id{1}, removal_reason::deregistered, "", day("2016-07-21")});
  EXPECT_EQ(r.code, "org_still_covered");
  EXPECT_EQ(r.field, "org");
  EXPECT_NE(r.message.find("organization 10"), std::string::npos) << r.message;
  t.ok(commands::dissolve_organization{branch_id{10}, "撤销", day("2016-07-21")});
  EXPECT_EQ(t.code_of(commands::remove_organization{organization_id{1}, removal_reason::deregistered, "", day("2016-07-21")}),
            "accepted");
  EXPECT_TRUE(t.s.find_org(organization_id{1})->removed);
}

}  // namespace
}  // namespace gongjian::domain

namespace gongjian::domain {
namespace {

using namespace testing;

// A correction does not carry an org out of the rules of the organization it is in.
TEST(org_rules, a_correction_keeps_the_organizations_the_org_is_in_valid) {
  scenario t;
  t.jurisdictions();
  t.org(1, hubin_office, "F5221 零售");
  t.org(2, qingbo_office, "I6510 软件");  // joint with 1: same county, another trade
  t.org(3, hubin_office, "F5137 服装批发");
  t.org(4, xihu_office, "F5137 服装批发");  // industry with 3: same trade, another county
  t.org(5, hubin_office);                    // affiliated to a host in 上城区
  for (int org = 1; org <= 5; ++org) t.members(static_cast<std::uint64_t>(org), 1);
  t.members(1, 1);
  t.members(3, 1);
  t.ok(form(10, organization_type::party, formation_mode::joint, {1, 2}));
  auto industry = form(11, organization_type::party, formation_mode::industry, {3, 4});
  industry.channel = industry_channel::chamber_of_commerce;
  industry.channel_name = "杭州市服装商会";
  t.ok(industry);
  t.ok(commands::register_host{host_id{5}, host_kind::village_or_community, "湖滨社区", hubin_office, std::nullopt,
                               {organization_type::party}});
  auto affiliated = form(12, organization_type::party, formation_mode::affiliated, {5});
  affiliated.host = host_id{5};
  t.ok(affiliated);

  auto correct = [](std::uint64_t org) {
    commands::correct_organization_details c;
    c.org = organization_id{org};
    c.corrected_on = day("2016-07-25");
    return c;
  };
  auto moved = correct(2);
  moved.office = xihu_office;  // another county, another trade: the joint organization breaks
  auto r = t.rejection_of(moved);
  EXPECT_EQ(r.code, "correction_breaks_organization");
  EXPECT_EQ(r.kind, rejection_kind::rule_violation);
  EXPECT_EQ(r.field, "office");
  EXPECT_NE(r.message.find("joint organization 10"), std::string::npos) << r.message;
  moved.trade = "F5221 零售";  // ... unless it shares the trade then
  t.ok(moved);

  auto retraded = correct(4);
  retraded.trade = "I6510 软件";
  r = t.rejection_of(retraded);
  EXPECT_EQ(r.code, "correction_breaks_organization");
  EXPECT_EQ(r.field, "trade");
  EXPECT_NE(r.message.find("industry organization 11"), std::string::npos) << r.message;
  retraded.trade = "F9999 新行业";  // a trade no org has yet
  EXPECT_EQ(t.code_of(retraded), "correction_breaks_organization");
  auto relocated = correct(4);
  relocated.office = hubin_office;  // an industry organization needs no shared county
  t.ok(relocated);

  auto away = correct(5);
  away.office = xihu_office;
  r = t.rejection_of(away);
  EXPECT_EQ(r.code, "correction_breaks_organization");
  EXPECT_NE(r.message.find("affiliated organization 12"), std::string::npos) << r.message;
  away.office = qingbo_office;  // same county
  t.ok(away);
  // Once out of the organization, the org moves freely.
  t.ok(commands::dissolve_organization{branch_id{12}, "撤销", day("2016-07-25")});
  away.office = xihu_office;
  t.ok(away);
}

}  // namespace
}  // namespace gongjian::domain
