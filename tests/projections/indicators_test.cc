// Hand-worked scenario for every indicator of shared/domain/README.md "Indicators a leader
// expects". The tree:
//
//   000000 nation
//   └─ 110000 province
//      └─ 110100 city
//         ├─ 110101 county ─┬─ 110101001 office A1: org1 (micro), org2 (individual), org8 (micro)
//         │                 └─ 110101002 office A2: org3 (micro), org4 (market), org9 (individual)
//         └─ 110102 county ─── 110102001 office B1: org5 (micro), org6 (micro, removed), org7 (micro)
//
// Expected numbers are worked out in the comments next to each assertion.
#include <gtest/gtest.h>

#include <algorithm>

#include "projections/builders.h"

namespace gongjian::projections::testing {
namespace {

using domain::formation_mode;
using domain::organization_type;

class indicators_scenario : public ::testing::Test {
 protected:
  void SetUp() override {
    s.jurisdiction("000000", "", domain::jurisdiction_level::national);
    s.jurisdiction("110000", "000000", domain::jurisdiction_level::province);
    s.jurisdiction("110100", "110000", domain::jurisdiction_level::city);
    s.jurisdiction("110101", "110100", domain::jurisdiction_level::county);
    s.jurisdiction("110101001", "110101", domain::jurisdiction_level::office);
    s.jurisdiction("110101002", "110101", domain::jurisdiction_level::office);
    s.jurisdiction("110102", "110100", domain::jurisdiction_level::county);
    s.jurisdiction("110102001", "110102", domain::jurisdiction_level::office);
    s.org(1, "110101001");
    s.org(2, "110101001", domain::org_kind::individual_business);
    s.org(8, "110101001");
    s.org(3, "110101002");
    s.org(4, "110101002", domain::org_kind::specialized_market);
    s.org(9, "110101002", domain::org_kind::individual_business);
    s.org(5, "110102001");
    s.org(6, "110102001");
    s.org(7, "110102001");
    s.survey(1, 4);  // all four steps: investigate, screen, register, build the database
    s.survey(2, 2);  // investigate, screen
    // org1: 3 formal active Party members -> eligible.
    s.member(11, 1);
    s.member(12, 1);
    s.member(13, 1);
    // org2: 2 active + 1 pocket (disclosed later) + 1 hidden (never) formal members.
    s.member(21, 2);
    s.member(22, 2);
    s.member(23, 2, member_affiliation::party, member_standing::formal, member_status::pocket);
    s.member(24, 2, member_affiliation::party, member_standing::formal, member_status::hidden);
    // org3: 1 formal + 1 probationary + 1 hidden formal (disclosed later).
    s.member(31, 3);
    s.member(32, 3, member_affiliation::party, member_standing::probationary);
    s.member(35, 3, member_affiliation::party, member_standing::formal, member_status::hidden);
    // org4: 1 active formal + 1 floating formal (transferred in later).
    s.member(41, 4);
    s.member(42, 4, member_affiliation::party, member_standing::formal, member_status::floating);
    s.member(51, 5);
    s.member(61, 6);
    // org7: 3 League members (formal): League-eligible.
    s.member(71, 7, member_affiliation::league);
    s.member(72, 7, member_affiliation::league);
    s.member(73, 7, member_affiliation::league);
    s.member(91, 9);
    // org1 forms its own Party branch before the campaign: part of the baseline.
    s.form(100, organization_type::party, formation_mode::standalone, {1});

    s.open_campaign();  // baseline

    s.target(1002, 2, organization_type::party, day(2016, 7, 20));
    s.target(1003, 3);
    s.target(1004, 4);
    s.target(1005, 5);
    s.target(1006, 6);
    s.add(ev::member_identity_disclosed{domain::member_id{23}, organization_id{2}, member_status::pocket, day(2016, 7, 5)});
    s.add(ev::member_identity_disclosed{domain::member_id{35}, organization_id{3}, member_status::hidden, day(2016, 7, 5)});
    ev::member_developed dev;
    dev.member = domain::member_id{33};
    dev.org = organization_id{3};
    dev.standing = member_standing::probationary;
    dev.admitted_on = day(2016, 7, 5);
    s.add(dev);
    s.add(ev::transfer_letter_received{domain::transfer_id{1}, domain::member_id{42}, domain::branch_id{100}, day(2016, 7, 6)});
    ev::instructor_assigned ins;
    ins.instructor = domain::instructor_id{500};
    ins.orgs = {organization_id{3}};
    ins.assigned_on = day(2016, 7, 6);
    s.add(ins);
    s.add(ev::member_attached_nearby{domain::member_id{91}, domain::branch_id{100}, day(2016, 7, 7)});
    s.form(200, organization_type::league, formation_mode::standalone, {7});
    s.form(300, organization_type::trade_union, formation_mode::standalone, {8});

    s.bulletin(1, 1);

    s.form(400, organization_type::party, formation_mode::joint, {4, 5});
    s.strike(1004, 4, 400);
    s.strike(1005, 5, 400);
    s.add(ev::organization_removed{organization_id{6}, domain::removal_reason::shell, "空壳", day(2016, 8, 2)});
    s.add(ev::formation_target_withdrawn{domain::target_id{1006}, organization_id{6}, day(2016, 8, 2)});
  }
  scenario s;
};

TEST_F(indicators_scenario, orgs_in_scope_by_kind_and_removed_orgs_leave_the_scope) {
  // A1: org1, org2, org8. A2: org3, org4, org9. B1: org5, org7 (org6 removed).
  EXPECT_EQ(s.count("110101001", indicator::orgs_in_scope), 3);
  EXPECT_EQ(s.count("110101002", indicator::orgs_in_scope), 3);
  EXPECT_EQ(s.count("110102001", indicator::orgs_in_scope), 2);
  EXPECT_EQ(s.count("110101", indicator::orgs_in_scope), 6);    // 3 + 3
  EXPECT_EQ(s.count("000000", indicator::orgs_in_scope), 8);    // 6 + 2
  const auto& nation = s.model().counters(s.node("000000"));
  EXPECT_EQ(nation[counter::orgs_in_scope_by_kind + 0], 5);  // micro: org1, org8, org3, org5, org7
  EXPECT_EQ(nation[counter::orgs_in_scope_by_kind + 1], 2);  // individual: org2, org9
  EXPECT_EQ(nation[counter::orgs_in_scope_by_kind + 2], 1);  // market: org4
  EXPECT_EQ(nation[counter::orgs_removed], 1);               // org6
}

TEST_F(indicators_scenario, orgs_surveyed_by_step) {
  const auto& a1 = s.model().counters(s.node("110101001"));
  EXPECT_EQ(a1[counter::orgs_surveyed_by_step + 0], 2);  // investigate: org1, org2
  EXPECT_EQ(a1[counter::orgs_surveyed_by_step + 1], 2);  // screen: org1, org2
  EXPECT_EQ(a1[counter::orgs_surveyed_by_step + 2], 1);  // register: org1
  EXPECT_EQ(s.count("000000", indicator::orgs_surveyed), 1);  // build the database: org1
}

TEST_F(indicators_scenario, eligible_standalone_rate_and_should_form_not_formed) {
  // org1: 3 formal active. org2: 21, 22 active + 23 disclosed (pocket -> disclosed) = 3; 24 hidden
  // does not count. org3: 31 + 35 (disclosed) = 2, 32 and 33 probationary. org4: 41 + 42
  // (transferred in, active) = 2.
  EXPECT_EQ(s.count("110101001", indicator::eligible), 2);  // org1, org2
  EXPECT_EQ(s.count("110101002", indicator::eligible), 0);
  EXPECT_EQ(s.value("110101001", indicator::standalone_formation_rate), ratio(1, 2));  // org1 of {org1, org2}
  EXPECT_FALSE(s.value("110101002", indicator::standalone_formation_rate).defined());  // 0 / 0
  EXPECT_EQ(s.count("110101001", indicator::should_form_not_formed), 1);  // org2
  EXPECT_EQ(s.count("000000", indicator::should_form_not_formed), 1);
  EXPECT_EQ(s.value("000000", indicator::standalone_formation_rate), ratio(1, 2));
  // League twin: org7 has 3 formal League members and its own League branch.
  EXPECT_EQ(s.count("110102001", indicator::eligible, twin::league), 1);
  EXPECT_EQ(s.value("110102001", indicator::standalone_formation_rate, twin::league), ratio(1, 1));
  EXPECT_EQ(s.model().counters(s.node("110101002"))[counter::of(twin::party, counter::formal_members)], 5);  // org3 2 + org4 2 + org9 1
}

TEST_F(indicators_scenario, organization_coverage_any_mode) {
  // Party organizations: org1 (standalone), org4 + org5 (joint).
  EXPECT_EQ(s.value("110101001", indicator::organization_coverage_rate), ratio(1, 3));  // org1
  EXPECT_EQ(s.value("110101002", indicator::organization_coverage_rate), ratio(1, 3));  // org4
  EXPECT_EQ(s.value("110102001", indicator::organization_coverage_rate), ratio(1, 2));  // org5
  EXPECT_EQ(s.value("110100", indicator::organization_coverage_rate), ratio(3, 8));
  // League: org7 only.
  EXPECT_EQ(s.value("000000", indicator::organization_coverage_rate, twin::league), ratio(1, 8));
}

TEST_F(indicators_scenario, work_coverage) {
  // A1: org1 (covered), org8 (trade union); not org2 -> 2/3.
  EXPECT_EQ(s.value("110101001", indicator::work_coverage_rate), ratio(2, 3));
  // A2: org3 (instructor), org4 (covered), org9 (member attached nearby) -> 3/3.
  EXPECT_EQ(s.value("110101002", indicator::work_coverage_rate), ratio(3, 3));
  // B1: org5 (covered), org7 (a League organization) -> 2/2.
  EXPECT_EQ(s.value("110102001", indicator::work_coverage_rate), ratio(2, 2));
  EXPECT_EQ(s.value("000000", indicator::work_coverage_rate), ratio(7, 8));
  // League twin: org7 (League), org1/org4/org5 (a Party organization), org8 (union) -> 5/8.
  EXPECT_EQ(s.value("000000", indicator::work_coverage_rate, twin::league), ratio(5, 8));
}

// The member attached nearby makes org9 work-covered until it stops taking part (or its
// organization is dissolved: decide then records member_detached for it too).
TEST_F(indicators_scenario, a_member_detached_takes_work_coverage_back) {
  s.add(ev::member_detached{domain::member_id{91}, domain::branch_id{100}, "所参加的组织已撤销", day(2016, 8, 5)});
  EXPECT_EQ(s.value("110101002", indicator::work_coverage_rate), ratio(2, 3));  // org3, org4; not org9
  EXPECT_EQ(s.value("000000", indicator::work_coverage_rate), ratio(6, 8));
  s.add(ev::member_attached_nearby{domain::member_id{91}, domain::branch_id{400}, day(2016, 8, 6)});
  EXPECT_EQ(s.value("110101002", indicator::work_coverage_rate), ratio(3, 3));
  EXPECT_EQ(s.model().anomalies(), 0u);
}

TEST_F(indicators_scenario, ledger_progress) {
  // Targets: org2 (open), org3 (open), org4 (struck), org5 (struck), org6 (withdrawn, removed).
  EXPECT_EQ(s.value("110101001", indicator::ledger_progress), ratio(0, 1));  // org2
  EXPECT_EQ(s.value("110101002", indicator::ledger_progress), ratio(1, 2));  // org4 of {org3, org4}
  EXPECT_EQ(s.value("110102001", indicator::ledger_progress), ratio(1, 1));  // org5; org6 withdrawn
  EXPECT_EQ(s.value("110101", indicator::ledger_progress), ratio(1, 3));
  EXPECT_EQ(s.value("000000", indicator::ledger_progress), ratio(2, 4));
}

TEST_F(indicators_scenario, member_counts_instructors_union_and_womens_federation) {
  EXPECT_EQ(s.count("110101001", indicator::pocket_members_disclosed), 1);  // m23
  EXPECT_EQ(s.count("110101002", indicator::hidden_members_disclosed), 1);  // m35
  EXPECT_EQ(s.count("000000", indicator::members_disclosed), 2);
  EXPECT_EQ(s.count("110101002", indicator::members_developed), 1);     // m33
  EXPECT_EQ(s.count("110101002", indicator::transfers_completed), 1);   // m42
  EXPECT_EQ(s.count("110101002", indicator::instructors_assigned), 1);  // instructor 500 (org3)
  EXPECT_EQ(s.count("110101001", indicator::instructors_assigned), 0);
  EXPECT_EQ(s.value("110101001", indicator::union_coverage_rate), ratio(1, 3));  // org8
  EXPECT_EQ(s.value("000000", indicator::union_coverage_rate), ratio(1, 8));
  EXPECT_EQ(s.value("000000", indicator::womens_federation_coverage_rate), ratio(0, 8));
}

TEST_F(indicators_scenario, changes_since_baseline_and_last_bulletin) {
  const node_index nation = s.node("000000");
  auto covered = [&](const counter_block& c) { return c[counter::of(twin::party, counter::organization_covered)]; };
  // Baseline (campaign opened): org1 only. Bulletin 1: still org1. Now: org1, org4, org5.
  EXPECT_EQ(covered(s.model().baseline(nation)), 1);
  EXPECT_EQ(covered(s.model().at_last_bulletin(nation)), 1);
  EXPECT_EQ(covered(s.model().counters(nation)), 3);
  // Ledger at the bulletin: 5 targets, none struck; now 2 of 4 (org6 withdrawn).
  EXPECT_EQ(evaluate(s.model().at_last_bulletin(nation), indicator::ledger_progress, twin::party), ratio(0, 5));
  EXPECT_EQ(evaluate(s.model().baseline(nation), indicator::ledger_progress, twin::party), ratio(0, 0));
  // The League branch of org7 came after the baseline and before the bulletin.
  EXPECT_EQ(s.model().baseline(nation)[counter::of(twin::league, counter::organization_covered)], 0);
  EXPECT_EQ(s.model().at_last_bulletin(nation)[counter::of(twin::league, counter::organization_covered)], 1);
}

TEST_F(indicators_scenario, rankings_with_rank_change_since_last_bulletin) {
  ranking_options o;
  o.has_last_bulletin = true;
  // Children of the city by ledger progress: 110102 (1/1) before 110101 (1/3).
  auto ranked = rank_children(s.model(), s.node("110100"), o);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].code, "110102");
  EXPECT_EQ(ranked[1].code, "110101");
  // At the bulletin both were at 0 (0/3 and 0/2); the tie went to the standalone formation rate:
  // 110101 had 1/2, 110102 had no eligible org (undefined ranks lowest) -> 110101 was first.
  EXPECT_EQ(ranked[0].rank_at_last_bulletin, 2u);
  EXPECT_EQ(ranked[0].rank_change, 1);
  EXPECT_EQ(ranked[1].rank_at_last_bulletin, 1u);
  EXPECT_EQ(ranked[1].rank_change, -1);
  // Offices of 110101: A2 (1/2) before A1 (0/1).
  auto offices = rank_children(s.model(), s.node("110101"), o);
  EXPECT_EQ(offices[0].code, "110101002");
  const auto lists = red_and_black(offices, 1, 1);
  ASSERT_EQ(lists.red.size(), 1u);
  ASSERT_EQ(lists.black.size(), 1u);
  EXPECT_EQ(lists.red[0].code, "110101002");
  EXPECT_EQ(lists.black[0].code, "110101001");
  // The default 5 + 5 over two children: one on each list, never the same one on both.
  const auto counties = red_and_black(ranked, 5, 5);
  ASSERT_EQ(counties.red.size(), 1u);
  ASSERT_EQ(counties.black.size(), 1u);
  EXPECT_EQ(counties.red[0].code, "110102");
  EXPECT_EQ(counties.black[0].code, "110101");
  // A parent with a single child (110102 has one office) lists it on neither.
  const auto single = red_and_black(rank_children(s.model(), s.node("110102"), o), 5, 5);
  EXPECT_TRUE(single.red.empty());
  EXPECT_TRUE(single.black.empty());
  // Any indicator: by work coverage A2 (3/3) leads too; by should-form-not-formed (lower is
  // better) A2 (0) leads A1 (1).
  o.by = indicator::should_form_not_formed;
  EXPECT_EQ(rank_children(s.model(), s.node("110101"), o)[0].code, "110101002");
}

// n children ranked 1..n with values n-1 .. 0 (out of n); `unmeasured` ones get 0/0 instead.
std::vector<ranking_entry> ranked_lines(std::size_t n, std::vector<std::size_t> unmeasured = {}) {
  std::vector<ranking_entry> out;
  for (std::size_t k = 0; k < n; ++k) {
    ranking_entry e;
    e.code = std::to_string(k + 1);
    e.rank = static_cast<std::uint32_t>(k + 1);
    e.value = {static_cast<std::int64_t>(n - 1 - k), static_cast<std::int64_t>(n)};
    out.push_back(e);
  }
  // Undefined values rank below every value: move them to the end, as rank_children does.
  for (auto u : unmeasured) out[u - 1].value = {0, 0};
  std::stable_partition(out.begin(), out.end(), [](const ranking_entry& e) { return e.value.defined(); });
  return out;
}

std::vector<std::string> codes(const std::vector<ranking_entry>& lines) {
  std::vector<std::string> out;
  for (const auto& e : lines) out.push_back(e.code);
  return out;
}

using strings = std::vector<std::string>;

TEST(rankings, red_and_black_lists_never_overlap) {
  // Enough children: the top 5 and the bottom 5 (worst last).
  auto twelve = red_and_black(ranked_lines(12), 5, 5);
  EXPECT_EQ(codes(twelve.red), (strings{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(codes(twelve.black), (strings{"8", "9", "10", "11", "12"}));
  auto ten = red_and_black(ranked_lines(10), 5, 5);
  EXPECT_EQ(codes(ten.red), (strings{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(codes(ten.black), (strings{"6", "7", "8", "9", "10"}));
  // Fewer than top + bottom: each list takes floor(n / 2); the middle of an odd n is on neither.
  auto seven = red_and_black(ranked_lines(7), 5, 5);
  EXPECT_EQ(codes(seven.red), (strings{"1", "2", "3"}));
  EXPECT_EQ(codes(seven.black), (strings{"5", "6", "7"}));
  auto four = red_and_black(ranked_lines(4), 5, 5);
  EXPECT_EQ(codes(four.red), (strings{"1", "2"}));
  EXPECT_EQ(codes(four.black), (strings{"3", "4"}));
  auto one = red_and_black(ranked_lines(1), 5, 5);
  EXPECT_TRUE(one.red.empty());
  EXPECT_TRUE(one.black.empty());
  EXPECT_TRUE(red_and_black(std::vector<ranking_entry>{}, 5, 5).red.empty());
  // Lists that fit side by side are not cut: only the red list asked for, or 2 + 1 of 3.
  EXPECT_EQ(codes(red_and_black(ranked_lines(3), 5, 0).red), (strings{"1", "2", "3"}));
  EXPECT_TRUE(red_and_black(ranked_lines(3), 5, 0).black.empty());
  auto two_one = red_and_black(ranked_lines(3), 2, 1);
  EXPECT_EQ(codes(two_one.red), (strings{"1", "2"}));
  EXPECT_EQ(codes(two_one.black), (strings{"3"}));
}

TEST(rankings, an_unmeasured_child_is_on_neither_list) {
  // 6 children, 2 of them 0/0 (ranked last): the 4 measured are split 2 + 2.
  auto lists = red_and_black(ranked_lines(6, {2, 5}), 5, 5);
  EXPECT_EQ(codes(lists.red), (strings{"1", "3"}));
  EXPECT_EQ(codes(lists.black), (strings{"4", "6"}));
  // Nothing measured: both lists empty.
  auto none = red_and_black(ranked_lines(3, {1, 2, 3}), 5, 5);
  EXPECT_TRUE(none.red.empty());
  EXPECT_TRUE(none.black.empty());
  // Measured children beyond top + bottom still fill both lists; the unmeasured stay off.
  auto wide = red_and_black(ranked_lines(5, {3}), 2, 2);
  EXPECT_EQ(codes(wide.red), (strings{"1", "2"}));
  EXPECT_EQ(codes(wide.black), (strings{"4", "5"}));
}

TEST_F(indicators_scenario, ledger_lists_targets_with_status_overdue_and_who_struck_them_off) {
  ledger_query q;
  q.jurisdiction_path = s.model().tree().path(s.node("110101"));
  q.today = day(2016, 8, 1);
  auto page = read_ledger(s.keyed(), q);
  ASSERT_EQ(page.lines.size(), 3u);  // org2, org3, org4 (county 110101)
  EXPECT_EQ(page.lines[0].entry.org.value, 2u);
  EXPECT_TRUE(page.lines[0].overdue);  // deadline 2016-07-20 < 2016-08-01, open
  EXPECT_FALSE(page.lines[1].overdue);
  EXPECT_EQ(page.lines[2].entry.status, domain::target_status::struck_off);
  EXPECT_EQ(page.lines[2].entry.struck_off_branch, 400u);
  EXPECT_EQ(page.lines[2].entry.struck_off_by.user, "staff-1");
  EXPECT_GT(page.lines[2].entry.struck_off_at, page.lines[2].entry.designated_at);
  // Paging: two lines, then the rest.
  q.limit = 2;
  auto first = read_ledger(s.keyed(), q);
  ASSERT_EQ(first.lines.size(), 2u);
  q.after = first.next;
  auto second = read_ledger(s.keyed(), q);
  ASSERT_EQ(second.lines.size(), 1u);
  EXPECT_EQ(second.lines[0].entry.org.value, 4u);
  EXPECT_TRUE(second.next.empty());
  // Only overdue, whole nation.
  ledger_query overdue;
  overdue.jurisdiction_path = s.model().tree().path(s.node("000000"));
  overdue.today = day(2016, 8, 1);
  overdue.only_overdue = true;
  EXPECT_EQ(read_ledger(s.keyed(), overdue).lines.size(), 1u);
}

TEST(indicators, release_and_dissolution_take_coverage_back) {
  scenario s;
  s.org(1, "110101001");
  for (std::uint64_t m = 1; m <= 3; ++m) s.member(m, 1);
  s.form(7, domain::organization_type::party, domain::formation_mode::standalone, {1});
  EXPECT_EQ(s.value("000000", indicator::standalone_formation_rate), ratio(1, 1));
  s.add(ev::organization_dissolved{domain::branch_id{7}, "merged", day(2016, 8, 1)});
  EXPECT_EQ(s.value("000000", indicator::standalone_formation_rate), ratio(0, 1));
  EXPECT_EQ(s.value("000000", indicator::organization_coverage_rate), ratio(0, 1));
  ev::instructor_assigned ins;
  ins.instructor = domain::instructor_id{9};
  ins.orgs = {organization_id{1}};
  s.add(ins);
  EXPECT_EQ(s.value("000000", indicator::work_coverage_rate), ratio(1, 1));
  s.add(ev::instructor_released{domain::instructor_id{9}, "done", day(2016, 8, 2)});
  EXPECT_EQ(s.value("000000", indicator::work_coverage_rate), ratio(0, 1));
  // A member leaving drops the org below three formal members.
  s.add(ev::member_left{domain::member_id{3}, organization_id{1}, domain::leaving_reason::changed_job, day(2016, 8, 3)});
  EXPECT_EQ(s.count("000000", indicator::eligible), 0);
  // The parent chain was derived from the office code (GB/T 2260): 110101001 -> 110101 -> 110100
  // -> 110000 -> 000000.
  EXPECT_EQ(s.model().tree().path(s.node("110101001")), "000000/110000/110100/110101/110101001/");
  EXPECT_EQ(s.model().anomalies(), 0u);
}

// Instructors assigned counts instructors, not instructor-to-org pairs: once at every node whose
// subtree holds one of the instructor's orgs in scope. orgs_with_instructor counts orgs.
TEST(indicators, instructors_assigned_counts_each_instructor_once_per_jurisdiction) {
  scenario s;
  s.jurisdiction("000000", "", domain::jurisdiction_level::national);
  s.jurisdiction("110000", "000000", domain::jurisdiction_level::province);
  s.jurisdiction("110100", "110000", domain::jurisdiction_level::city);
  s.jurisdiction("110101", "110100", domain::jurisdiction_level::county);
  s.jurisdiction("110101001", "110101", domain::jurisdiction_level::office);
  s.jurisdiction("110101002", "110101", domain::jurisdiction_level::office);
  s.jurisdiction("110102", "110100", domain::jurisdiction_level::county);
  s.jurisdiction("110102001", "110102", domain::jurisdiction_level::office);
  s.org(1, "110101001");
  s.org(2, "110101001");
  s.org(3, "110101002");
  s.org(4, "110102001");
  auto assign = [&](std::uint64_t instructor, std::vector<std::uint64_t> orgs, twin t = twin::party) {
    ev::instructor_assigned e;
    e.instructor = domain::instructor_id{instructor};
    e.affiliation = t;
    for (auto o : orgs) e.orgs.push_back(organization_id{o});
    s.add(e);
  };
  auto instructors = [&](const std::string& code, twin t = twin::party) {
    return s.count(code, indicator::instructors_assigned, t);
  };
  // 2213 covers orgs 1 and 2 of one office: one instructor there, two orgs with an instructor.
  assign(2213, {1, 2});
  EXPECT_EQ(instructors("110101001"), 1);
  EXPECT_EQ(s.count("110101001", indicator::orgs_with_instructor), 2);
  EXPECT_EQ(instructors("110101"), 1);
  EXPECT_EQ(instructors("000000"), 1);
  EXPECT_EQ(instructors("110101002"), 0);
  // 2214 covers org 2 (A1) and org 3 (A2): once in each office, once in the county above both.
  assign(2214, {2, 3});
  EXPECT_EQ(instructors("110101001"), 2);
  EXPECT_EQ(instructors("110101002"), 1);
  EXPECT_EQ(instructors("110101"), 2);
  EXPECT_EQ(s.count("110101", indicator::orgs_with_instructor), 3);
  // 2215 covers org 3 (110101) and org 4 (110102): once in each county, once in the city.
  assign(2215, {3, 4});
  EXPECT_EQ(instructors("110101002"), 2);
  EXPECT_EQ(instructors("110101"), 3);
  EXPECT_EQ(instructors("110102001"), 1);
  EXPECT_EQ(instructors("110102"), 1);
  EXPECT_EQ(instructors("110100"), 3);
  EXPECT_EQ(instructors("000000"), 3);
  EXPECT_EQ(s.count("000000", indicator::orgs_with_instructor), 4);
  // A League instructor is counted for the League only.
  assign(2216, {1}, twin::league);
  EXPECT_EQ(instructors("110101001"), 2);
  EXPECT_EQ(instructors("110101001", twin::league), 1);
  EXPECT_EQ(instructors("000000", twin::league), 1);
  // Org 4 leaves the base: 2215 is no longer counted in 110102, still in 110101 (org 3).
  s.add(ev::organization_removed{organization_id{4}, domain::removal_reason::shell, "空壳", day(2016, 8, 2)});
  EXPECT_EQ(instructors("110102001"), 0);
  EXPECT_EQ(instructors("110102"), 0);
  EXPECT_EQ(instructors("110100"), 3);
  // Org 3 moves to B1: 2214 (orgs 2, 3) now spans both counties; 2215 is only in B1.
  ev::organization_details_corrected fix;
  fix.org = organization_id{3};
  fix.office = jurisdiction_code{"110102001"};
  s.add(fix);
  EXPECT_EQ(instructors("110101002"), 0);
  EXPECT_EQ(instructors("110101001"), 2);  // 2213, 2214
  EXPECT_EQ(instructors("110101"), 2);
  EXPECT_EQ(instructors("110102001"), 2);  // 2214, 2215
  EXPECT_EQ(instructors("110102"), 2);
  EXPECT_EQ(instructors("110100"), 3);
  // Released: 2214 leaves every node it was counted at.
  s.add(ev::instructor_released{domain::instructor_id{2214}, "", day(2016, 9, 1)});
  EXPECT_EQ(instructors("110101001"), 1);
  EXPECT_EQ(instructors("110102001"), 1);
  EXPECT_EQ(instructors("110100"), 2);
  EXPECT_EQ(s.count("110100", indicator::orgs_with_instructor), 3);  // orgs 1, 2 (2213), org 3 (2215)
  // Assigned again, to org 1: counted once more in A1, where it is the second instructor.
  assign(2214, {1});
  EXPECT_EQ(instructors("110101001"), 2);
  EXPECT_EQ(instructors("110102001"), 1);
  EXPECT_EQ(instructors("000000"), 3);
  // The state reads back from its canonical form with the same counters.
  projection_state copy;
  ASSERT_TRUE(copy.restore_canonical(s.state.canonical()));
  EXPECT_EQ(copy.model().counters(s.node("110101001")), s.model().counters(s.node("110101001")));
}

TEST(indicators, shell_and_dormant_orgs_are_out_of_the_base_while_they_are_so) {
  // The base counts orgs in real operation (domain README, "Practice"): an org registered or
  // corrected as a shell or dormant firm leaves it, with everything it counted for, and a later
  // correction to "in real operation" brings it back (a removal, by contrast, is final).
  scenario s;
  s.org(1, "110101001");
  s.org(2, "110101001");
  ev::organization_registered dormant;
  dormant.org = organization_id{3};
  dormant.org_name = "org3";
  dormant.office = jurisdiction_code{"110101001"};
  dormant.status = domain::operating_status::dormant;
  s.add(dormant);
  s.member(11, 1);
  s.member(12, 1);
  s.member(13, 1);
  s.form(100, organization_type::party, formation_mode::standalone, {2});
  ev::instructor_assigned ins;
  ins.instructor = domain::instructor_id{500};
  ins.orgs = {organization_id{1}};
  s.add(ins);
  const auto& office = [&]() -> const counter_block& { return s.model().counters(s.node("110101001")); };
  EXPECT_EQ(s.count("110101001", indicator::orgs_in_scope), 2);  // org1, org2; org3 is dormant
  EXPECT_EQ(office()[counter::orgs_removed], 1);
  EXPECT_EQ(s.count("110101001", indicator::eligible), 1);  // org1
  EXPECT_EQ(s.value("110101001", indicator::organization_coverage_rate), ratio(1, 2));  // org2 of 2
  EXPECT_EQ(s.count("110101001", indicator::instructors_assigned), 1);

  auto correct_status = [&](std::uint64_t org, domain::operating_status status) {
    ev::organization_details_corrected fix;
    fix.org = organization_id{org};
    fix.status = status;
    s.add(fix);
  };
  correct_status(1, domain::operating_status::shell);
  EXPECT_EQ(s.count("110101001", indicator::orgs_in_scope), 1);  // org2
  EXPECT_EQ(office()[counter::orgs_removed], 2);
  EXPECT_EQ(s.count("110101001", indicator::eligible), 0);
  EXPECT_EQ(s.count("110101001", indicator::should_form_not_formed), 0);
  EXPECT_EQ(s.value("110101001", indicator::organization_coverage_rate), ratio(1, 1));
  EXPECT_EQ(s.count("110101001", indicator::instructors_assigned), 0);  // its only org is out
  EXPECT_EQ(s.count("000000", indicator::instructors_assigned), 0);

  correct_status(1, domain::operating_status::in_real_operation);
  correct_status(3, domain::operating_status::in_real_operation);
  EXPECT_EQ(s.count("110101001", indicator::orgs_in_scope), 3);
  EXPECT_EQ(office()[counter::orgs_removed], 0);
  EXPECT_EQ(s.count("110101001", indicator::eligible), 1);
  EXPECT_EQ(s.value("110101001", indicator::organization_coverage_rate), ratio(1, 3));
  EXPECT_EQ(s.count("110101001", indicator::instructors_assigned), 1);
  EXPECT_EQ(s.count("000000", indicator::instructors_assigned), 1);

  // A correction that does not name the status leaves it; registered again, the event's status holds.
  correct_status(2, domain::operating_status::shell);
  ev::organization_details_corrected move;
  move.org = organization_id{2};
  move.office = jurisdiction_code{"110101002"};
  s.add(move);
  EXPECT_EQ(s.count("110101002", indicator::orgs_in_scope), 0);
  EXPECT_EQ(s.count("110101", indicator::orgs_in_scope), 2);  // org1, org3
  s.org(2, "110101002");  // registered again, in real operation (the default)
  EXPECT_EQ(s.count("110101002", indicator::orgs_in_scope), 1);
  EXPECT_EQ(s.count("110101", indicator::orgs_in_scope), 3);
}

TEST(indicators, facts_dated_before_the_start_are_in_the_baseline_whenever_recorded) {
  // "On the existing base" (domain README, Indicators): the baseline is what there was when the
  // campaign started. A survey after the opening that finds a firm registered years ago, with a
  // Party branch formed before the start, adds both to the baseline as well: finding them is not
  // progress. What is dated from the start on is.
  scenario s;
  s.org(1, "110101001");  // 2016-06-20, recorded before the opening
  s.open_campaign();      // starts 2016-07-01
  const node_index office = s.node("110101001"), nation = s.node("000000");
  const auto party = [](std::size_t f) { return counter::of(twin::party, f); };

  s.today = day(2015, 3, 10);
  s.org(2, "110101001");
  s.form(200, organization_type::party, formation_mode::standalone, {2});
  s.today = day(2016, 6, 25);
  s.member(21, 2);  // found in org2, dated before the start
  s.today = day(2016, 7, 1);  // the start day itself: progress
  s.org(3, "110101001");
  s.member(31, 3);
  s.member(32, 3);
  s.member(33, 3);
  s.form(300, organization_type::party, formation_mode::standalone, {3});
  for (node_index n : {office, nation}) {
    const counter_block& base = s.model().baseline(n);
    const counter_block& now = s.model().counters(n);
    EXPECT_EQ(base[counter::orgs_in_scope], 2);  // org1, org2
    EXPECT_EQ(now[counter::orgs_in_scope], 3);
    EXPECT_EQ(evaluate(base, indicator::organization_coverage_rate, twin::party), ratio(1, 2));  // org2
    EXPECT_EQ(evaluate(now, indicator::organization_coverage_rate, twin::party), ratio(2, 3));
    EXPECT_EQ(base[party(counter::formal_members)], 1);  // member 21
    EXPECT_EQ(now[party(counter::formal_members)], 4);
    EXPECT_EQ(base[party(counter::eligible)], 0);
    EXPECT_EQ(now[party(counter::eligible)], 1);  // org3
  }

  // A removal dated before the start, recorded now, takes the org out of the baseline too; one
  // dated after leaves the baseline as it was.
  s.add(ev::organization_removed{organization_id{1}, domain::removal_reason::shell, "空壳", day(2016, 6, 30)});
  EXPECT_EQ(s.model().baseline(office)[counter::orgs_in_scope], 1);
  EXPECT_EQ(evaluate(s.model().baseline(office), indicator::organization_coverage_rate, twin::party), ratio(1, 1));
  s.add(ev::organization_removed{organization_id{3}, domain::removal_reason::deregistered, "注销", day(2016, 7, 2)});
  EXPECT_EQ(s.model().baseline(office)[counter::orgs_in_scope], 1);
  EXPECT_EQ(s.model().counters(office)[counter::orgs_in_scope], 1);

  // A bulletin's copy is not touched: a fact dated before it but recorded after it is change
  // since that bulletin, as the bulletin recorded what was known.
  s.bulletin(1, 1);
  s.today = day(2016, 6, 1);
  s.org(4, "110101001");
  EXPECT_EQ(s.model().at_last_bulletin(office)[counter::orgs_in_scope], 1);
  EXPECT_EQ(s.model().baseline(office)[counter::orgs_in_scope], 2);
  EXPECT_EQ(s.model().counters(office)[counter::orgs_in_scope], 2);
}

TEST(indicators, moving_an_org_moves_its_counts_and_ledger_items) {
  scenario s;
  s.org(1, "110101001");
  s.target(10, 1);
  EXPECT_EQ(s.count("110101001", indicator::formation_targets), 1);
  ev::organization_details_corrected fix;
  fix.org = organization_id{1};
  fix.office = jurisdiction_code{"110102001"};
  s.add(fix);
  EXPECT_EQ(s.count("110101001", indicator::formation_targets), 0);
  EXPECT_EQ(s.count("110102001", indicator::formation_targets), 1);
  EXPECT_EQ(s.count("110100", indicator::orgs_in_scope), 1);
  ledger_query q;
  q.jurisdiction_path = s.model().tree().path(s.node("110102"));
  auto page = read_ledger(s.keyed(), q);
  ASSERT_EQ(page.lines.size(), 1u);
  EXPECT_EQ(page.lines[0].entry.jurisdiction, "110102001");
  q.jurisdiction_path = s.model().tree().path(s.node("110101"));
  EXPECT_TRUE(read_ledger(s.keyed(), q).lines.empty());
}

TEST(indicators, canonical_form_round_trips) {
  scenario s;
  s.org(1, "110101001");
  s.member(1, 1);
  s.open_campaign();
  s.bulletin(1, 1);
  projection_state copy;
  ASSERT_TRUE(copy.restore_canonical(s.state.canonical()));
  EXPECT_EQ(copy.canonical(), s.state.canonical());
}

}  // namespace
}  // namespace gongjian::projections::testing
