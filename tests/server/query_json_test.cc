// Unit tests of the query JSON helpers (server/src/query_json.h): ISO-8601 times in and out,
// indicator values as exact fractions, the red and black lists of a ranking, and the orgs in scope
// by kind and surveyed by step.
#include <gtest/gtest.h>

#include "projections/builders.h"
#include "query_json.h"

namespace gongjian::server {
namespace {

TEST(QueryJson, ParsesIsoTimesWithZonesAndFractions) {
  // 2016-08-01T00:00:00Z = 1470009600 s.
  EXPECT_EQ(parse_iso_time("2016-08-01"), 1470009600000);
  EXPECT_EQ(parse_iso_time("2016-08-01T00:00:00Z"), 1470009600000);
  EXPECT_EQ(parse_iso_time("2016-08-01T08:00:00+08:00"), 1470009600000);
  EXPECT_EQ(parse_iso_time("2016-07-31T20:30:00-03:30"), 1470009600000);
  EXPECT_EQ(parse_iso_time("2016-08-01T00:00"), 1470009600000);
  EXPECT_EQ(parse_iso_time("2016-08-01T00:00:01.5Z"), 1470009601500);
  EXPECT_EQ(parse_iso_time("2016-08-01T00:00:01.123456Z"), 1470009601123);
  for (const char* bad : {"", "2016-8-1", "2016-02-30", "2016-08-01T24:00:00Z", "2016-08-01T00:00:00+8", "yesterday",
                          "2016-08-01T00:00:00.Z", "2016-08-01X00:00"})
    EXPECT_FALSE(parse_iso_time(bad)) << bad;
}

TEST(QueryJson, FormatsUtcTimesToTheMillisecond) {
  EXPECT_EQ(iso_time(1470009601500), "2016-08-01T00:00:01.500Z");
  EXPECT_EQ(iso_time(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(parse_iso_time(iso_time(1795809040676)), 1795809040676);
}

TEST(QueryJson, ValuesAreExactFractionsAndUndefinedWithoutDenominator) {
  auto half = value_json(projections::indicator_value{1, 2});
  EXPECT_EQ(half.at("numerator").to_number<std::int64_t>(), 1);
  EXPECT_EQ(half.at("denominator").to_number<std::int64_t>(), 2);
  EXPECT_DOUBLE_EQ(half.at("value").as_double(), 0.5);
  EXPECT_TRUE(value_json(projections::indicator_value{0, 0}).at("value").is_null());
}

namespace proj = gongjian::projections;
using proj::testing::day;
using proj::testing::scenario;
using level = domain::jurisdiction_level;

std::vector<std::string> codes(const boost::json::value& list) {
  std::vector<std::string> out;
  for (const auto& v : list.as_array()) out.emplace_back(v.as_string());
  return out;
}
using strings = std::vector<std::string>;

// 110000 has one child, 110100 three (110101..110103), ranked by ledger progress: 110101 2/2,
// 110102 1/2, 110103 without any target (0/0, not measured).
class RankingJson : public ::testing::Test {
 protected:
  void SetUp() override {
    s.jurisdiction("000000", "", level::national);
    s.jurisdiction("110000", "000000", level::province);
    s.jurisdiction("110100", "110000", level::city);
    for (const std::string county : {"110101", "110102", "110103"}) {
      s.jurisdiction(county, "110100", level::county);
      s.jurisdiction(county + "001", county, level::office);
    }
    s.org(1, "110101001");
    s.org(2, "110101001");
    s.org(3, "110102001");
    s.org(4, "110102001");
    s.org(5, "110103001");
    s.target(11, 1);
    s.target(12, 2);
    s.target(13, 3);
    s.target(14, 4);
    s.form(21, domain::organization_type::party, domain::formation_mode::joint, {1, 2, 3});
    s.strike(11, 1, 21);
    s.strike(12, 2, 21);
    s.strike(13, 3, 21);
  }
  boost::json::object ranking(const std::string& parent, std::size_t top = 5, std::size_t bottom = 5) {
    proj::ranking_options o;
    o.by = proj::indicator::ledger_progress;
    return ranking_json(s.state, s.node(parent), o, top, bottom);
  }
  scenario s;
};

TEST_F(RankingJson, RedAndBlackListsNeverShareAJurisdiction) {
  // One child: on neither list (it was on both).
  auto one = ranking("110000");
  EXPECT_EQ(one.at("lines").as_array().size(), 1u);
  EXPECT_EQ(codes(one.at("red_list")), strings{});
  EXPECT_EQ(codes(one.at("black_list")), strings{});
  // Three children, one unmeasured: 110101 red, 110102 black, 110103 (0/0, ranked last) neither.
  auto three = ranking("110100");
  ASSERT_EQ(three.at("lines").as_array().size(), 3u);
  EXPECT_EQ(three.at("lines").at(2).at("code"), "110103");
  EXPECT_TRUE(three.at("lines").at(2).at("value").at("value").is_null());
  EXPECT_EQ(codes(three.at("red_list")), strings{"110101"});
  EXPECT_EQ(codes(three.at("black_list")), strings{"110102"});
  // Lists that fit are not cut: top 1 and bottom 1 of the two measured.
  auto fit = ranking("110100", 1, 1);
  EXPECT_EQ(codes(fit.at("red_list")), strings{"110101"});
  EXPECT_EQ(codes(fit.at("black_list")), strings{"110102"});
}

// A bulletin publishes each twin's ranking; a ranking's rank and value "at the last bulletin" are
// the ones it published for that twin (what leaders were told), not recomputed from the counters
// frozen at it. A bulletin from before League rankings were issued (Party only) leaves the League
// ranks to the counters.
TEST_F(RankingJson, RanksAtTheLastBulletinAreThoseItPublishedForTheTwin) {
  s.open_campaign();
  auto league_line = [](const std::string& code, std::uint32_t rank, int numerator, int denominator) {
    domain::ranking_line l;
    l.jurisdiction = domain::jurisdiction_code{code};
    l.rank = rank;
    l.values.push_back(domain::indicator_value{domain::indicator::ledger_progress, domain::member_affiliation::league,
                                               numerator, denominator});
    return l;
  };
  auto league_ranking = [&](std::vector<domain::ranking_line> lines) {
    domain::ranking r;
    r.parent = domain::jurisdiction_code{"110100"};
    r.by = domain::indicator::ledger_progress;
    r.affiliation = domain::member_affiliation::league;
    r.lines = std::move(lines);
    return r;
  };
  auto league = [&] {
    proj::ranking_options o = ranking_options_for(s.state, std::nullopt, proj::twin::league);
    return ranking_json(s.state, s.node("110100"), o, 5, 5);
  };
  auto line_of = [](const boost::json::object& ranking, const std::string& code) {
    for (const auto& l : ranking.at("lines").as_array())
      if (l.at("code").as_string() == code) return l.as_object();
    ADD_FAILURE() << code << " not ranked";
    return boost::json::object{};
  };

  // Round 1 ranked Party only: no League counter is measured (no League target), so the League
  // ranks at it are recomputed from the frozen counters (0/0 each: by code).
  s.bulletin(1, 1);
  auto before = league();
  EXPECT_EQ(before.at("has_last_bulletin"), true);
  EXPECT_EQ(before.at("last_bulletin_ranked"), false);
  EXPECT_EQ(line_of(before, "110103").at("rank_at_last_bulletin").to_number<int>(), 3);

  // Round 2 published a League ranking the counters would not give (as a League committee's
  // bulletin may have been issued): the ranks and values at the last bulletin are its own.
  domain::events::bulletin_issued round2;
  round2.campaign = domain::campaign_id{1};
  round2.round = domain::bulletin_round{2};
  round2.rankings = {
      league_ranking({league_line("110103", 1, 1, 1), league_line("110101", 2, 1, 2), league_line("110102", 3, 0, 2)})};
  s.add(round2);
  auto after = league();
  EXPECT_EQ(after.at("last_bulletin_ranked"), true);
  const auto l3 = line_of(after, "110103");
  EXPECT_EQ(l3.at("rank").to_number<int>(), 3);
  EXPECT_EQ(l3.at("rank_at_last_bulletin").to_number<int>(), 1);
  EXPECT_EQ(l3.at("rank_change").to_number<int>(), -2);
  EXPECT_EQ(l3.at("value_at_last_bulletin").at("numerator").to_number<int>(), 1);
  EXPECT_EQ(l3.at("value_at_last_bulletin").at("denominator").to_number<int>(), 1);
  EXPECT_EQ(line_of(after, "110101").at("rank_at_last_bulletin").to_number<int>(), 2);
  EXPECT_EQ(line_of(after, "110101").at("rank_change").to_number<int>(), 1);
  // The Party ranking is not the League one: round 2 published none, so its ranks come from the
  // counters frozen at round 2 (110101 2/2 first).
  proj::ranking_options party = ranking_options_for(s.state, std::nullopt, proj::twin::party);
  auto party_ranking = ranking_json(s.state, s.node("110100"), party, 5, 5);
  EXPECT_EQ(party_ranking.at("last_bulletin_ranked"), false);
  EXPECT_EQ(line_of(party_ranking, "110101").at("rank_at_last_bulletin").to_number<int>(), 1);
  // Another indicator than the one the bulletin ranked by: from the counters.
  auto by_coverage = ranking_options_for(s.state, proj::indicator::organization_coverage_rate, proj::twin::league);
  EXPECT_EQ(ranking_json(s.state, s.node("110100"), by_coverage, 5, 5).at("last_bulletin_ranked"), false);
  // A child the bulletin did not list (registered since) has no rank then.
  s.jurisdiction("110104", "110100", level::county);
  EXPECT_EQ(line_of(league(), "110104").at("rank_at_last_bulletin").to_number<int>(), 0);
  EXPECT_EQ(line_of(league(), "110104").at("rank_change").to_number<int>(), 0);
}

// A bulletin's issued rankings carry their red and black lists by the same rule: a line whose
// ranking value was not recorded (0/0 at issue) is on neither, a single child on neither.
TEST(BulletinJson, IssuedRankingsCarryRedAndBlackListsThatNeverOverlap) {
  auto line = [](const std::string& code, std::uint32_t rank, std::optional<std::pair<int, int>> value) {
    domain::ranking_line l;
    l.jurisdiction = domain::jurisdiction_code{code};
    l.rank = rank;
    if (value)
      l.values.push_back(domain::indicator_value{domain::indicator::ledger_progress, domain::member_affiliation::party,
                                                 value->first, value->second});
    return l;
  };
  proj::bulletin_record b;
  b.campaign = 1;
  b.round = 1;
  domain::ranking province;
  province.parent = domain::jurisdiction_code{"110000"};
  province.lines = {line("110100", 1, std::pair{3, 4})};
  domain::ranking city;
  city.parent = domain::jurisdiction_code{"110100"};
  city.lines = {line("110101", 1, std::pair{2, 2}), line("110102", 2, std::pair{1, 2}),
                line("110103", 3, std::nullopt)};
  b.rankings = {province, city};
  auto body = bulletin_json(b, true);
  const auto& rankings = body.at("rankings").as_array();
  ASSERT_EQ(rankings.size(), 2u);
  EXPECT_EQ(codes(rankings.at(0).at("red_list")), strings{});
  EXPECT_EQ(codes(rankings.at(0).at("black_list")), strings{});
  EXPECT_EQ(codes(rankings.at(1).at("red_list")), strings{"110101"});
  EXPECT_EQ(codes(rankings.at(1).at("black_list")), strings{"110102"});
  EXPECT_EQ(body.at("affiliation"), "party");
  EXPECT_EQ(body.at("affiliations"), (boost::json::array{"party"}));

  // One twin at a time: a bulletin from before League rankings has none; one with both shows
  // the League one asked for, with its own lists.
  auto league_only = bulletin_json(b, true, {}, proj::twin::league);
  EXPECT_EQ(league_only.at("affiliation"), "league");
  EXPECT_TRUE(league_only.at("rankings").as_array().empty());
  domain::ranking league_city = city;
  league_city.affiliation = domain::member_affiliation::league;
  league_city.lines = {line("110103", 1, std::pair{1, 1}), line("110102", 2, std::pair{0, 1}),
                       line("110101", 3, std::nullopt)};
  b.rankings.push_back(league_city);
  auto both = bulletin_json(b, false);
  EXPECT_EQ(both.at("affiliations"), (boost::json::array{"party", "league"}));
  auto league = bulletin_json(b, true, {}, proj::twin::league);
  ASSERT_EQ(league.at("rankings").as_array().size(), 1u);
  EXPECT_EQ(league.at("rankings").at(0).at("affiliation"), "league");
  EXPECT_EQ(league.at("rankings").at(0).at("lines").at(0).at("jurisdiction"), "110103");
  EXPECT_EQ(codes(league.at("rankings").at(0).at("red_list")), strings{"110103"});
  EXPECT_EQ(codes(league.at("rankings").at(0).at("black_list")), strings{"110102"});
  EXPECT_EQ(bulletin_json(b, true).at("rankings").as_array().size(), 2u) << "Party: as before";
}

TEST(IndicatorsJson, OrgsInScopeByKindAndSurveyedByStepWithBaselineAndLastBulletin) {
  scenario s;
  s.jurisdiction("000000", "", level::national);
  s.jurisdiction("110000", "000000", level::province);
  s.jurisdiction("110101001", "110000", level::office);
  s.org(1, "110101001");
  s.org(2, "110101001", domain::org_kind::individual_business);
  s.org(3, "110101001", domain::org_kind::specialized_market);
  s.survey(1, 4);
  s.survey(2, 2);
  s.open_campaign();  // baseline: orgs 1, 2, 3; investigate 2, screen 2, register 1, build 1
  s.survey(3, 1);
  s.org(4, "110101001");
  s.bulletin(1, 1);  // investigate 3
  s.org(5, "110101001", domain::org_kind::individual_business);
  s.survey(5, 1);
  s.add(domain::events::organization_removed{domain::organization_id{3}, domain::removal_reason::shell, "",
                                             day(2016, 8, 2)});

  auto body = indicators_json(s.state, s.node("110000"), proj::twin::party);
  auto count = [](const boost::json::value& v) { return v.at("numerator").to_number<std::int64_t>(); };
  const auto& kinds = body.at("orgs_in_scope_by_kind");
  EXPECT_EQ(count(kinds.at("small_micro_enterprise").at("value")), 2);  // orgs 1, 4
  EXPECT_EQ(count(kinds.at("individual_business").at("value")), 2);     // orgs 2, 5
  EXPECT_EQ(count(kinds.at("specialized_market").at("value")), 0);      // org 3 removed
  EXPECT_EQ(count(kinds.at("small_micro_enterprise").at("baseline")), 1);
  EXPECT_EQ(kinds.at("small_micro_enterprise").at("change_since_baseline").to_number<std::int64_t>(), 1);
  EXPECT_EQ(count(kinds.at("small_micro_enterprise").at("last_bulletin")), 2);
  EXPECT_EQ(kinds.at("specialized_market").at("change_since_last_bulletin").to_number<std::int64_t>(), -1);
  const auto& steps = body.at("orgs_surveyed_by_step");
  EXPECT_EQ(count(steps.at("investigate").at("value")), 3);  // orgs 1, 2, 5 (3 removed)
  EXPECT_EQ(count(steps.at("screen").at("value")), 2);       // orgs 1, 2
  EXPECT_EQ(count(steps.at("register").at("value")), 1);
  EXPECT_EQ(count(steps.at("build_database").at("value")), 1);
  EXPECT_EQ(count(steps.at("investigate").at("baseline")), 2);
  EXPECT_EQ(count(steps.at("investigate").at("last_bulletin")), 3);
  // The totals stay as they were.
  for (const auto& i : body.at("indicators").as_array()) {
    if (i.at("indicator") == "orgs_in_scope") {
      EXPECT_EQ(count(i.at("value")), 4);
    }
    if (i.at("indicator") == "orgs_surveyed") {
      EXPECT_EQ(count(i.at("value")), 1);
    }
  }
  // The history route's form: the values alone.
  auto values = breakdown_values(s.model().counters(s.node("110101001")));
  EXPECT_EQ(count(values.at("orgs_in_scope_by_kind").at("individual_business")), 2);
  EXPECT_EQ(count(values.at("orgs_surveyed_by_step").at("screen")), 2);
}

}  // namespace
}  // namespace gongjian::server
