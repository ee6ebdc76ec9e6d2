// End-to-end tests of the read side in the real `gongjian serve` binary: every query endpoint,
// scopes (403 outside a leader's scope, auditors read all), as-of answers compared with numbers
// worked out by hand, the campaign workflow issuing a bulletin and interviews on the wall clock,
// and the rankings / audit / interviews WebSocket topics (push on change with the right
// position, resume after a reconnect).
#include <signal.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <thread>

#include "gongjian/domain/values.h"
#include "test_client.h"

namespace gongjian::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::vector<test_token> kTokens = {
    {"t-admin", "admin", "admin", "000000"},
    {"t-auditor", "auditor", "auditor", "000000"},
    {"t-leader-bj", "leader-bj", "leader", "110000"},
    {"t-leader-tj", "leader-tj", "leader", "120000"},
    {"t-operator-bj", "operator-bj", "operator", "110000"},
    {"t-operator-dc", "operator-dc", "operator", "110101"},
    {"t-league-bj", "league-bj", "league_operator", "110000"},
    {"t-league-dc", "league-dc", "league_operator", "110101"},
};

std::uint64_t u(const json::value& v) { return v.to_number<std::uint64_t>(); }

// Today in China Standard Time, as the workflow's wall clock sees it, moved by `days`.
std::string china_day(int days) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return domain::to_string(domain::add_days(domain::china_date_of(ms), days));
}

class QueryE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (binary_path().empty()) GTEST_SKIP() << "GONGJIAN_BINARY is not set (run through ctest)";
    server_ = std::make_unique<server_process>(kTokens);
  }
  std::uint16_t port() const { return server_->port(); }

  json::value command(const std::string& name, json::object body) {
    auto r = http_request(port(), "POST", "/api/v1/commands/" + name, json::serialize(body), "t-admin");
    EXPECT_EQ(r.status, 200) << name << ": " << r.body;
    return r.status == 200 ? r.json() : json::value();
  }
  json::value get(const std::string& target, const std::string& token = "t-auditor", int status = 200) {
    auto r = http_request(port(), "GET", target, "", token);
    EXPECT_EQ(r.status, status) << target << ": " << r.body;
    return r.body.empty() ? json::value() : r.json();
  }

  void jurisdiction(const std::string& code, const std::string& name) {
    command("register_jurisdiction", {{"command_id", "j-" + code}, {"code", code}, {"jurisdiction_name", name}});
  }
  std::uint64_t org(std::uint64_t id, const std::string& office, const std::string& credit_code, const std::string& name) {
    auto r = command("register_organization",
                     {{"command_id", "o-" + std::to_string(id)}, {"org", id}, {"kind", "small_micro_enterprise"},
                      {"org_name", name}, {"social_credit_code", credit_code}, {"registration_number", ""},
                      {"trade", "餐饮"}, {"office", office}, {"address", "东华门大街1号"}, {"employees", 12},
                      {"owner", "neither"}, {"management_relationship", ""}, {"status", "in_real_operation"},
                      {"focus", "none"}, {"has_activity_venue", false}, {"registered_on", "2016-07-01"}});
    return u(r.at("last_position"));
  }
  std::uint64_t target(std::uint64_t id, std::uint64_t org_id, const std::string& deadline = "2016-09-30") {
    auto r = command("designate_formation_target",
                     {{"command_id", "t-" + std::to_string(id)}, {"target", id}, {"org", org_id}, {"branch_type", "party"},
                      {"planned_mode", "standalone"}, {"deadline", deadline}, {"person_responsible", "张三"},
                      {"designated_on", "2016-07-02"}});
    return u(r.at("last_position"));
  }
  void formal_members(std::uint64_t first, std::uint64_t org_id, int count) {
    for (int k = 0; k < count; ++k) {
      const std::uint64_t m = first + static_cast<std::uint64_t>(k);
      command("record_member", {{"command_id", "m-" + std::to_string(m)}, {"member", m}, {"org", org_id},
                                {"affiliation", "party"}, {"standing", "formal"}, {"status", "hidden"},
                                {"member_name", "党员" + std::to_string(m)}, {"relationship_held_at", ""},
                                {"admitted_on", "2000-01-01"}, {"recorded_on", "2016-07-03"}});
      command("disclose_member_identity", {{"command_id", "d-" + std::to_string(m)}, {"member", m}, {"disclosed_on", "2016-07-04"}});
    }
  }
  std::uint64_t form(std::uint64_t branch, std::uint64_t org_id, const std::string& formed_on = "2016-07-10") {
    auto r = command("form_organization", {{"command_id", "f-" + std::to_string(branch)}, {"branch", branch},
                                           {"branch_type", "party"}, {"mode", "standalone"}, {"branch_name", "党支部"},
                                           {"orgs", json::array{org_id}}, {"channel_name", ""}, {"formed_on", formed_on}});
    return u(r.at("last_position"));
  }

  // 全国 > 北京 (110000) > 市辖区 (110100) > 东城区 110101 (office 110101001), 西城区 110102 (office
  // 110102001); 天津 (120000) > 120100 > 120101 (office 120101001).
  // Orgs 1, 2 in 东城's office, 3 in 西城's, 4 in 天津's; a Party formation target on each of 1, 2, 3.
  void build_tree_and_targets() {
    for (auto [code, name] : {std::pair{"000000", "全国"}, {"110000", "北京市"}, {"110100", "市辖区"}, {"110101", "东城区"},
                              {"110101001", "东华门所"}, {"110102", "西城区"}, {"110102001", "西长安街所"},
                              {"120000", "天津市"}, {"120100", "市辖区"}, {"120101", "和平区"}, {"120101001", "劝业场所"}})
      jurisdiction(code, name);
    org(1, "110101001", "91110108551385082Q", "甲餐饮有限公司");
    org(2, "110101001", "91330100716105852F", "乙商贸有限公司");
    org(3, "110102001", "914403001922038216", "丙科技有限公司");
    org(4, "120101001", "91440300708461136T", "丁物流有限公司");
    target(11, 1);
    target(12, 2, "2099-12-31");
    before_formation_ = target(13, 3);
    formal_members(101, 1, 3);
  }

  // Queries answer from the projections, which follow the log a moment after a command's reply:
  // waits until they reflect the head.
  void caught_up() {
    const std::uint64_t head = u(http_request(port(), "GET", "/readyz").json().at("head"));
    for (int i = 0; i < 500; ++i) {
      auto r = http_request(port(), "GET", "/api/v1/campaigns", "", "t-auditor");
      if (r.status == 200 && u(r.json().at("position")) >= head) return;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "the projections did not reach position " << head;
  }

  std::unique_ptr<server_process> server_;
  std::uint64_t before_formation_ = 0;
};

// Waits (without sleeping blindly) until `pred` holds for GET target, up to 15 s.
template <class P>
json::value poll(QueryE2E* self, std::uint16_t port, const std::string& target, P pred) {
  (void)self;
  json::value last;
  for (int i = 0; i < 150; ++i) {
    auto r = http_request(port, "GET", target, "", "t-auditor");
    if (r.status == 200) {
      last = r.json();
      if (pred(last)) return last;
    }
    std::this_thread::sleep_for(100ms);
  }
  ADD_FAILURE() << "timed out waiting on " << target << ": " << json::serialize(last);
  return last;
}

TEST_F(QueryE2E, EveryQueryEndpointAnswersFromTheProjections) {
  build_tree_and_targets();
  const std::uint64_t formed = form(21, 1);  // strikes target 11 off
  caught_up();

  // Jurisdiction node and children.
  auto j = get("/api/v1/jurisdictions/110100");
  EXPECT_EQ(j.at("name"), "市辖区");
  EXPECT_EQ(j.at("level"), "city");
  EXPECT_EQ(j.at("parent"), "110000");
  ASSERT_EQ(j.at("children").as_array().size(), 2u);
  EXPECT_EQ(j.at("children").at(0).at("code"), "110101");
  EXPECT_EQ(u(j.at("position")), formed);

  // Indicators of 东城区: 2 orgs in scope; org 1 has 3 formal (disclosed) members: eligible 1, with
  // its own organization 1 -> standalone rate 1/1; ledger: 2 targets, 1 struck off -> 1/2.
  auto ind = get("/api/v1/indicators/110101?affiliation=party");
  std::map<std::string, json::value> by_name;
  for (const auto& i : ind.at("indicators").as_array()) by_name[std::string(i.at("indicator").as_string())] = i.at("value");
  EXPECT_EQ(u(by_name["orgs_in_scope"].at("numerator")), 2u);
  EXPECT_EQ(u(by_name["eligible"].at("numerator")), 1u);
  EXPECT_EQ(u(by_name["standalone_formation_rate"].at("numerator")), 1u);
  EXPECT_EQ(u(by_name["standalone_formation_rate"].at("denominator")), 1u);
  EXPECT_EQ(u(by_name["ledger_progress"].at("numerator")), 1u);
  EXPECT_EQ(u(by_name["ledger_progress"].at("denominator")), 2u);
  EXPECT_EQ(u(by_name["members_disclosed"].at("numerator")), 3u);
  EXPECT_EQ(u(by_name["should_form_not_formed"].at("numerator")), 0u);
  auto league = get("/api/v1/indicators/110101?affiliation=league");
  EXPECT_EQ(league.at("affiliation"), "league");

  // Rankings of 市辖区's children by ledger progress: 东城 1/2 above 西城 0/1.
  auto rk = get("/api/v1/rankings/110100?indicator=ledger_progress&top=1&bottom=1");
  ASSERT_EQ(rk.at("lines").as_array().size(), 2u);
  EXPECT_EQ(rk.at("lines").at(0).at("code"), "110101");
  EXPECT_EQ(u(rk.at("lines").at(0).at("rank")), 1u);
  EXPECT_EQ(rk.at("lines").at(1).at("code"), "110102");
  EXPECT_EQ(rk.at("red_list"), json::array({"110101"}));
  EXPECT_EQ(rk.at("black_list"), json::array({"110102"}));
  // The default 5 + 5 over two children: the lists split them, never both on both.
  auto rk5 = get("/api/v1/rankings/110100?indicator=ledger_progress");
  EXPECT_EQ(rk5.at("red_list"), json::array({"110101"}));
  EXPECT_EQ(rk5.at("black_list"), json::array({"110102"}));
  get("/api/v1/rankings/110100?indicator=no_such_thing", "t-auditor", 400);

  // Ledger of 北京: three targets; one struck off (by branch 21 at `formed`); filters and paging.
  auto ledger = get("/api/v1/ledger/110000?today=2016-10-15");
  ASSERT_EQ(ledger.at("targets").as_array().size(), 3u);
  auto open = get("/api/v1/ledger/110000?status=open&today=2016-10-15");
  EXPECT_EQ(open.at("targets").as_array().size(), 2u);
  auto overdue = get("/api/v1/ledger/110000?overdue=true&today=2016-10-15");
  ASSERT_EQ(overdue.at("targets").as_array().size(), 1u);  // target 13 (target 12 is due in 2099)
  EXPECT_EQ(u(overdue.at("targets").at(0).at("target")), 13u);
  auto struck = get("/api/v1/ledger/110000?status=struck_off");
  ASSERT_EQ(struck.at("targets").as_array().size(), 1u);
  EXPECT_EQ(u(struck.at("targets").at(0).at("struck_off").at("branch")), 21u);
  EXPECT_EQ(u(struck.at("targets").at(0).at("struck_off").at("at")), formed);
  auto page1 = get("/api/v1/ledger/110000?limit=2");
  ASSERT_EQ(page1.at("targets").as_array().size(), 2u);
  ASSERT_TRUE(page1.at("next").is_string());
  auto page2 = get("/api/v1/ledger/110000?limit=2&cursor=" + std::string(page1.at("next").as_string()));
  ASSERT_EQ(page2.at("targets").as_array().size(), 1u);
  EXPECT_TRUE(page2.at("next").is_null());

  // Target, organization, organization list, member, branch.
  auto t = get("/api/v1/targets/11");
  EXPECT_EQ(t.at("status"), "struck_off");
  EXPECT_EQ(t.at("jurisdiction"), "110101001");
  auto o = get("/api/v1/organizations/1");
  EXPECT_EQ(o.at("name"), "甲餐饮有限公司");
  EXPECT_EQ(o.at("office"), "110101001");
  EXPECT_EQ(u(o.at("read_model").at("formal_members").at("party")), 3u);
  EXPECT_EQ(o.at("read_model").at("own_organization").at("party"), true);
  EXPECT_EQ(o.at("formation_targets").as_array().size(), 1u);
  EXPECT_EQ(o.at("history").at(0).at("type"), "organization_registered");
  EXPECT_EQ(o.at("history").at(0).at("hash").as_string().size(), 64u);
  auto list = get("/api/v1/organizations?jurisdiction=110101");
  ASSERT_EQ(list.at("organizations").as_array().size(), 2u);
  EXPECT_EQ(list.at("organizations").at(1).at("name"), "乙商贸有限公司");
  auto paged = get("/api/v1/organizations?jurisdiction=000000&limit=3");
  EXPECT_EQ(paged.at("organizations").as_array().size(), 3u);
  ASSERT_FALSE(paged.at("next").is_null());
  auto rest = get("/api/v1/organizations?jurisdiction=000000&limit=3&cursor=" + std::to_string(u(paged.at("next"))));
  ASSERT_EQ(rest.at("organizations").as_array().size(), 1u);
  EXPECT_EQ(u(rest.at("organizations").at(0).at("id")), 4u);
  auto m = get("/api/v1/members/102");
  EXPECT_EQ(m.at("name"), "党员102");
  EXPECT_EQ(m.at("status"), "disclosed");
  EXPECT_EQ(m.at("jurisdiction"), "110101001");
  auto b = get("/api/v1/branches/21");
  EXPECT_EQ(b.at("mode"), "standalone");
  EXPECT_EQ(b.at("orgs"), json::array({1}));
  get("/api/v1/members/999", "t-auditor", 404);
  get("/api/v1/organizations/abc", "t-auditor", 400);

  // Audit trail: by entity, actor, jurisdiction, type, time; positions and hashes match the log.
  auto log = get("/api/v1/log?from=1&limit=1000");
  std::map<std::uint64_t, std::string> hash_at;
  for (const auto& e : log.at("events").as_array()) hash_at[u(e.at("position"))] = std::string(e.at("hash").as_string());
  auto by_entity = get("/api/v1/audit?entity=target-11");
  ASSERT_EQ(by_entity.at("lines").as_array().size(), 2u);
  EXPECT_EQ(by_entity.at("lines").at(1).at("type"), "formation_target_struck_off");
  EXPECT_EQ(u(by_entity.at("lines").at(1).at("position")), formed);
  EXPECT_EQ(std::string(by_entity.at("lines").at(1).at("hash").as_string()), hash_at[formed]);
  auto by_type = poll(this, port(), "/api/v1/audit?type=formation_target_designated",
                      [](const json::value& v) { return v.at("lines").as_array().size() == 3; });
  EXPECT_EQ(by_type.at("lines").at(0).at("stream"), "target-11");
  auto by_actor = poll(this, port(), "/api/v1/audit?actor=admin&limit=5",
                       [](const json::value& v) { return v.at("lines").as_array().size() == 5; });
  ASSERT_TRUE(by_actor.at("next").is_string());
  auto by_actor2 = get("/api/v1/audit?actor=admin&limit=5&cursor=" + std::string(by_actor.at("next").as_string()));
  EXPECT_EQ(u(by_actor2.at("lines").at(0).at("position")), 6u);
  auto by_jurisdiction = poll(this, port(), "/api/v1/audit?jurisdiction=110102001",
                              [](const json::value& v) { return v.at("lines").as_array().size() >= 2; });
  for (const auto& l : by_jurisdiction.at("lines").as_array()) EXPECT_EQ(std::string(l.at("hash").as_string()), hash_at[u(l.at("position"))]);
  auto by_time = get("/api/v1/audit?from_time=2000-01-01T00:00:00Z&limit=4");
  EXPECT_EQ(by_time.at("lines").as_array().size(), 4u);
  get("/api/v1/audit", "t-auditor", 400);
  // A jurisdiction that does not exist is not an empty trail.
  auto no_trail = get("/api/v1/audit?jurisdiction=119999", "t-auditor", 404);
  EXPECT_NE(json::serialize(no_trail).find("no jurisdiction 119999"), std::string::npos) << json::serialize(no_trail);

  // Campaign and workflow: a campaign that started 20 days ago is due its first bulletin; the
  // workflow issues it on the wall clock, with interviews of the last-ranked (bottom 1) children.
  command("open_campaign", {{"command_id", "camp-1"}, {"campaign", 1}, {"campaign_name", "百日攻坚"},
                            {"starts_on", china_day(-20)}, {"ends_on", china_day(80)}, {"bulletin_cadence_days", 15},
                            {"ranking_indicator", "ledger_progress"}, {"tie_break_indicator", "standalone_formation_rate"},
                            {"interviews", json::object{{"bottom_n", 1}, {"bottom_percent", 0},
                                                        {"no_progress_since_last_bulletin", false},
                                                        {"below_target_rate_permille", 0}}}});
  auto bulletins = poll(this, port(), "/api/v1/bulletins?campaign=1",
                        [](const json::value& v) { return v.at("bulletins").as_array().size() == 1; });
  EXPECT_EQ(u(bulletins.at("bulletins").at(0).at("round")), 1u);
  auto c = get("/api/v1/campaigns/1");
  EXPECT_EQ(c.at("name"), "百日攻坚");
  EXPECT_EQ(c.at("bulletins").as_array().size(), 1u);
  EXPECT_EQ(get("/api/v1/campaigns").at("campaigns").as_array().size(), 1u);
  auto bulletin = get("/api/v1/bulletins/1/1");
  bool saw_city = false;
  for (const auto& r : bulletin.at("rankings").as_array()) {
    if (r.at("parent") != "110100") continue;
    saw_city = true;
    EXPECT_EQ(r.at("lines").at(0).at("jurisdiction"), "110101");
    EXPECT_EQ(u(r.at("lines").at(0).at("values").at("ledger_progress").at("numerator")), 1u);
  }
  EXPECT_TRUE(saw_city);
  // Bottom 1 among measured siblings (more than one): 西城 under 市辖区. Not 天津 under 全国: it
  // has no formation targets (0/0), so only 北京 was measured there; 东城's and 西城's offices are
  // alone under their counties, 北京 has one child. (The League rankings call their own;
  // BulletinsRankBothTwinsAndCallLeagueLaggards follows them.) The workflow has appended its
  // interviews by the time the first one reads.
  auto interviews = poll(this, port(), "/api/v1/interviews?campaign=1&affiliation=party",
                         [](const json::value& v) { return v.at("interviews").as_array().size() >= 1; });
  std::set<std::string> called;
  for (const auto& i : interviews.at("interviews").as_array()) called.insert(std::string(i.at("jurisdiction").as_string()));
  EXPECT_EQ(called, (std::set<std::string>{"110102"}));
  const auto first_id = u(interviews.at("interviews").at(0).at("id"));
  auto one = get("/api/v1/interviews/" + std::to_string(first_id));
  EXPECT_EQ(one.at("status"), "scheduled");
  EXPECT_EQ(one.at("reasons"), json::array({"ranked_last"}));
  EXPECT_EQ(one.at("affiliation"), "party");
  // A jurisdiction that does not exist is not an empty list.
  auto unknown = get("/api/v1/interviews?jurisdiction=119999", "t-auditor", 404);
  EXPECT_NE(json::serialize(unknown).find("no jurisdiction 119999"), std::string::npos) << json::serialize(unknown);
  auto scheduled = get("/api/v1/interviews?status=scheduled&jurisdiction=110000&affiliation=party");
  ASSERT_EQ(scheduled.at("interviews").as_array().size(), 1u);
  EXPECT_EQ(scheduled.at("interviews").at(0).at("jurisdiction"), "110102");
  // The workflow's interview is known to the write side: it can be held over HTTP at once (an
  // hour after its scheduled instant: an interview is not held before its scheduled day).
  const std::int64_t held_at_ms = scheduled.at("interviews").at(0).at("scheduled_at_ms").to_number<std::int64_t>() +
                                  3'600'000;
  auto held = http_request(port(), "POST", "/api/v1/commands/hold_interview",
                           json::serialize(json::object{{"command_id", "hold-1"},
                                                        {"interview", scheduled.at("interviews").at(0).at("id")},
                                                        {"held_at_ms", held_at_ms},
                                                        {"answer", "进度慢"},
                                                        {"pledge", "月底前完成"}}),
                           "t-admin");
  EXPECT_EQ(held.status, 200) << held.body;
  // Announced with time, place and reasons; once held, with the answer and the pledge.
  const auto held_id = std::to_string(u(scheduled.at("interviews").at(0).at("id")));
  auto answered = poll(this, port(), "/api/v1/interviews/" + held_id,
                       [](const json::value& v) { return v.at("status") == "held"; });
  EXPECT_EQ(answered.at("place"), "上级市场监管部门约谈室");
  EXPECT_EQ(answered.at("held_at_ms").to_number<std::int64_t>(), held_at_ms);
  EXPECT_TRUE(answered.at("held_at").is_string());
  EXPECT_EQ(answered.at("answer"), "进度慢");
  EXPECT_EQ(answered.at("pledge"), "月底前完成");
  EXPECT_TRUE(one.at("held_at").is_null());
  EXPECT_TRUE(one.at("answer").is_null());
  // The rectification list follows; an item struck off carries its date, then the conclusion.
  auto command = [&](const std::string& name, json::object body) {
    body["interview"] = answered.at("id");
    auto r = http_request(port(), "POST", "/api/v1/commands/" + name, json::serialize(body), "t-admin");
    EXPECT_EQ(r.status, 200) << name << ": " << r.body;
  };
  // Due a month after the interview (not before it), struck off and closed on the day it was held
  // (not before it; the day has passed).
  const std::string held_day = domain::to_string(domain::china_date_of(held_at_ms));
  const std::string due_day = domain::to_string(domain::add_days(domain::china_date_of(held_at_ms), 30));
  command("set_rectification_items",
          {{"command_id", "items-1"},
           {"items",
            json::array{json::object{{"problem", "摸排不细"}, {"requirement", "逐户核实"}, {"deadline", due_day}}}}});
  command("complete_rectification_item", {{"command_id", "done-1"}, {"item", 0}, {"done_on", held_day}});
  command("close_interview", {{"command_id", "close-1"}, {"conclusion", "整改到位"}, {"closed_on", held_day}});
  auto closed = poll(this, port(), "/api/v1/interviews/" + held_id,
                     [](const json::value& v) { return v.at("status") == "closed"; });
  EXPECT_EQ(closed.at("rectification_items").at(0).at("done_on"), json::value(held_day));
  EXPECT_EQ(closed.at("conclusion"), "整改到位");
  EXPECT_EQ(closed.at("closed_on"), json::value(held_day));
  EXPECT_EQ(closed.at("answer"), "进度慢");
  EXPECT_TRUE(closed.at("escalated_on").is_null());

  // History for the chart: one point per bulletin, plus now.
  auto history = get("/api/v1/indicators/110101/history");
  ASSERT_EQ(history.at("bulletins").as_array().size(), 1u);
  EXPECT_EQ(u(history.at("bulletins").at(0).at("indicators").at("ledger_progress").at("numerator")), 1u);
  EXPECT_EQ(u(history.at("current").at("indicators").at("ledger_progress").at("denominator")), 2u);

  // Metrics: projection lag and readiness.
  auto metrics = http_request(port(), "GET", "/metrics");
  EXPECT_NE(metrics.body.find("gongjian_projections_lag_events"), std::string::npos);
  EXPECT_NE(metrics.body.find("gongjian_projections_ready 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("gongjian_workflow_bulletins_total 1"), std::string::npos);
}

// §13, §14: each bulletin ranks every level for Party and for League (League committees publish
// League progress), and the interview rules call the League laggards too, each to an interview of
// its own; a League operator of the level above runs a League interview, not a Party one.
TEST_F(QueryE2E, BulletinsRankBothTwinsAndCallLeagueLaggards) {
  build_tree_and_targets();
  // League targets on 东城's org 2 and 西城's org 3; 西城's is struck off by a League branch, so
  // the League ranking of 市辖区 is the reverse of the Party one (东城 first: 0/2 before 0/1, tie
  // broken by its eligible org).
  for (auto [id, org_id] : {std::pair{21, 2}, std::pair{22, 3}}) {
    command("designate_formation_target",
            {{"command_id", "lt-" + std::to_string(id)}, {"target", id}, {"org", org_id}, {"branch_type", "league"},
             {"planned_mode", "standalone"}, {"deadline", "2016-09-30"}, {"person_responsible", "团委书记"},
             {"designated_on", "2016-07-02"}});
  }
  for (std::uint64_t m = 301; m < 304; ++m) {
    command("record_member", {{"command_id", "m-" + std::to_string(m)}, {"member", m}, {"org", 3},
                              {"affiliation", "league"}, {"standing", "formal"}, {"status", "active"},
                              {"member_name", "团员" + std::to_string(m)}, {"relationship_held_at", ""},
                              {"admitted_on", "2010-05-04"}, {"recorded_on", "2016-07-03"}});
  }
  command("form_organization", {{"command_id", "f-30"}, {"branch", 30}, {"branch_type", "league"},
                                {"mode", "standalone"}, {"branch_name", "团支部"}, {"orgs", json::array{3}},
                                {"channel_name", ""}, {"formed_on", "2016-07-10"}});
  command("open_campaign", {{"command_id", "camp-1"}, {"campaign", 1}, {"campaign_name", "百日攻坚"},
                            {"starts_on", china_day(-20)}, {"ends_on", china_day(80)}, {"bulletin_cadence_days", 15},
                            {"ranking_indicator", "ledger_progress"}, {"tie_break_indicator", "standalone_formation_rate"},
                            {"interviews", json::object{{"bottom_n", 1}, {"bottom_percent", 0},
                                                        {"no_progress_since_last_bulletin", false},
                                                        {"below_target_rate_permille", 0}}}});
  auto list = poll(this, port(), "/api/v1/bulletins?campaign=1",
                   [](const json::value& v) { return v.at("bulletins").as_array().size() == 1; });
  EXPECT_EQ(list.at("bulletins").at(0).at("affiliations"), (json::array{"party", "league"}));

  auto party = get("/api/v1/bulletins/1/1?parent=110100");
  ASSERT_EQ(party.at("rankings").as_array().size(), 1u);
  EXPECT_EQ(party.at("affiliation"), "party");
  EXPECT_EQ(party.at("rankings").at(0).at("affiliation"), "party");
  EXPECT_EQ(party.at("rankings").at(0).at("lines").at(0).at("jurisdiction"), "110101");
  auto league = get("/api/v1/bulletins/1/1?parent=110100&affiliation=league");
  ASSERT_EQ(league.at("rankings").as_array().size(), 1u);
  const auto& ranking = league.at("rankings").at(0);
  EXPECT_EQ(ranking.at("affiliation"), "league");
  EXPECT_EQ(ranking.at("indicator"), "ledger_progress");
  EXPECT_EQ(ranking.at("lines").at(0).at("jurisdiction"), "110102");
  EXPECT_EQ(u(ranking.at("lines").at(0).at("values").at("ledger_progress").at("numerator")), 1u);
  EXPECT_EQ(ranking.at("lines").at(1).at("jurisdiction"), "110101");
  EXPECT_EQ(ranking.at("red_list"), (json::array{"110102"}));
  EXPECT_EQ(ranking.at("black_list"), (json::array{"110101"}));
  auto bad = get("/api/v1/bulletins/1/1?affiliation=youth", "t-auditor", 400);
  EXPECT_EQ(bad.at("error").at("field"), "affiliation");

  // The live League ranking takes its ranks at the last bulletin from the League one published.
  caught_up();
  auto live = get("/api/v1/rankings/110100?affiliation=league");
  EXPECT_EQ(live.at("last_bulletin_ranked"), true);
  EXPECT_EQ(live.at("lines").at(0).at("code"), "110102");
  EXPECT_EQ(u(live.at("lines").at(0).at("rank_at_last_bulletin")), 1u);
  EXPECT_EQ(u(live.at("lines").at(1).at("rank_at_last_bulletin")), 2u);

  // Bottom 1 among measured siblings: Party calls 西城, League 东城. Not 天津 in either twin: it
  // has no targets (0/0), so 北京 was the only measured child of 全国.
  auto called = [&](const std::string& affiliation) {
    auto page = poll(this, port(), "/api/v1/interviews?campaign=1&affiliation=" + affiliation,
                     [](const json::value& v) { return v.at("interviews").as_array().size() >= 1; });
    std::map<std::string, json::object> out;
    for (const auto& i : page.at("interviews").as_array()) {
      EXPECT_EQ(i.at("affiliation"), json::value(affiliation));
      out[std::string(i.at("jurisdiction").as_string())] = i.as_object();
    }
    return out;
  };
  auto party_calls = called("party");
  auto league_calls = called("league");
  EXPECT_EQ(party_calls.size(), 1u);
  EXPECT_TRUE(party_calls.contains("110102"));
  EXPECT_EQ(league_calls.size(), 1u);
  EXPECT_TRUE(league_calls.contains("110101"));
  EXPECT_EQ(get("/api/v1/interviews?campaign=1").at("interviews").as_array().size(), 2u);
  // The interviews topic follows one twin when asked: League's only, then live.
  {
    ws_client ws(port(), "t-auditor");
    ws.send(R"({"op":"subscribe","topic":"interviews","jurisdiction":"000000","affiliation":"both"})");
    auto refused = ws.read();
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->at("type"), "error") << json::serialize(*refused);
    EXPECT_EQ(refused->at("error").at("field"), "affiliation");
    ws.send(R"({"op":"subscribe","topic":"interviews","jurisdiction":"000000","affiliation":"league"})");
    EXPECT_EQ(ws.read()->at("type"), "subscribed");
    auto only = ws.read();
    ASSERT_TRUE(only);
    ASSERT_EQ(only->at("type"), "interview") << json::serialize(*only);
    EXPECT_EQ(only->at("interview").at("affiliation"), "league");
    EXPECT_EQ(only->at("interview").at("jurisdiction"), "110101");
    EXPECT_EQ(ws.read()->at("type"), "live");
  }
  EXPECT_EQ(get("/api/v1/interviews?affiliation=both", "t-auditor", 400).at("error").at("field"), "affiliation");

  // The League committee of 北京 holds 东城's League interview; it may not hold 西城's Party one,
  // nor may 东城's own League committee hold its own.
  const auto hold = [&](const std::string& token, const json::object& iv, const std::string& id) {
    const std::int64_t at = iv.at("scheduled_at_ms").to_number<std::int64_t>() + 3'600'000;
    return http_request(port(), "POST", "/api/v1/commands/hold_interview",
                        json::serialize(json::object{{"command_id", id}, {"interview", iv.at("id")}, {"held_at_ms", at},
                                                     {"answer", "团员底数不清"}, {"pledge", "两周内完成团组织组建"}}),
                        token);
  };
  auto own = hold("t-league-dc", league_calls["110101"], "lh-1");
  EXPECT_EQ(own.status, 403) << own.body;
  EXPECT_EQ(own.json().at("error").at("rule"), "interview_by_level_above") << own.body;
  auto party_one = hold("t-league-bj", party_calls["110102"], "lh-2");
  EXPECT_EQ(party_one.status, 403) << party_one.body;
  EXPECT_EQ(party_one.json().at("error").at("rule"), "role_scope") << party_one.body;
  auto from_above = hold("t-league-bj", league_calls["110101"], "lh-3");
  EXPECT_EQ(from_above.status, 200) << from_above.body;
  auto held = poll(this, port(), "/api/v1/interviews/" + std::to_string(u(league_calls["110101"].at("id"))),
                   [](const json::value& v) { return v.at("status") == "held"; });
  EXPECT_EQ(held.at("affiliation"), "league");
  EXPECT_EQ(held.at("pledge"), "两周内完成团组织组建");
}

// A member's transfer letters sit in transfer-<id> streams: the member's view follows them, so
// its status, letters and history agree with the domain's state and with the organization's
// counts (a received letter or an identity certificate makes a pocket member active and formal).
TEST_F(QueryE2E, MemberViewFollowsTheMembersTransferLetters) {
  build_tree_and_targets();
  form(21, 1);
  auto pocket = [&](std::uint64_t m) {
    command("record_member", {{"command_id", "m-" + std::to_string(m)},
                              {"member", m},
                              {"org", 2},
                              {"affiliation", "party"},
                              {"standing", "formal"},
                              {"status", "pocket"},
                              {"member_name", "党员" + std::to_string(m)},
                              {"relationship_held_at", "外省某村"},
                              {"admitted_on", "2000-01-01"},
                              {"recorded_on", "2016-07-03"}});
  };
  auto issue = [&](std::uint64_t transfer, std::uint64_t m) {
    return u(command("issue_transfer_letter", {{"command_id", "l-" + std::to_string(transfer)},
                                               {"transfer", transfer},
                                               {"member", m},
                                               {"from_organization", "外省某村党支部"},
                                               {"to_branch", 21},
                                               {"standing", "formal"},
                                               {"dues_paid_until", "2016-06-30"},
                                               {"issued_on", "2016-07-05"},
                                               {"valid_until", "2016-10-03"}})
                 .at("last_position"));
  };
  for (std::uint64_t m = 201; m <= 204; ++m) pocket(m);
  // 201: a letter, then its receipt (回执).
  const std::uint64_t issued = issue(301, 201);
  caught_up();
  auto open = get("/api/v1/members/201");
  EXPECT_EQ(open.at("status"), "pocket");
  ASSERT_TRUE(open.at("transfer").is_object()) << open;
  EXPECT_EQ(u(open.at("transfer").at("id")), 301u);
  EXPECT_EQ(open.at("transfer").at("status"), "issued");
  EXPECT_EQ(u(open.at("transfer").at("to_branch")), 21u);
  EXPECT_EQ(open.at("transfer").at("issued_on"), "2016-07-05");
  EXPECT_EQ(open.at("transfer").at("valid_until"), "2016-10-03");
  EXPECT_EQ(open.at("transfer").at("from_organization"), "外省某村党支部");
  const std::uint64_t received =
      u(command("receive_transfer_letter", {{"command_id", "r-301"}, {"transfer", 301}, {"received_on", "2016-07-20"}})
            .at("last_position"));
  // 202: completed by an identity certificate (身份证明).
  command("complete_transfer_by_certificate", {{"command_id", "c-302"},
                                               {"transfer", 302},
                                               {"member", 202},
                                               {"to_branch", 21},
                                               {"issuer", "village_committee"},
                                               {"issuer_name", "某村党支部"},
                                               {"certificate_number", "证-302"},
                                               {"completed_on", "2016-07-21"}});
  // 203: a letter lost and reissued, the new one rejected; 204: a letter revoked, another expired.
  issue(303, 203);
  command("reissue_transfer_letter", {{"command_id", "re-304"},
                                      {"lost", 303},
                                      {"transfer", 304},
                                      {"issued_on", "2016-07-25"},
                                      {"valid_until", "2016-10-23"}});
  command("reject_transfer_letter",
          {{"command_id", "rj-304"}, {"transfer", 304}, {"reason", "材料不全"}, {"rejected_on", "2016-07-30"}});
  issue(305, 204);
  command("revoke_transfer_letter",
          {{"command_id", "rv-305"}, {"transfer", 305}, {"reason", "开错"}, {"revoked_on", "2016-07-26"}});
  issue(306, 204);
  command("expire_transfer_letter", {{"command_id", "x-306"}, {"transfer", 306}});
  caught_up();

  auto m201 = get("/api/v1/members/201");
  EXPECT_EQ(m201.at("status"), "active");
  EXPECT_EQ(u(m201.at("relationship_branch")), 21u);
  EXPECT_EQ(m201.at("transfer").at("status"), "received");
  EXPECT_EQ(m201.at("transfer").at("settled_on"), "2016-07-20");
  EXPECT_EQ(u(m201.at("transfer").at("settled_at")), received);
  std::vector<std::string> types, streams;
  for (const auto& h : m201.at("history").as_array()) {
    types.emplace_back(h.at("type").as_string());
    streams.emplace_back(h.at("stream").as_string());
  }
  EXPECT_EQ(types, (std::vector<std::string>{"member_recorded", "transfer_letter_issued", "transfer_letter_received"}));
  EXPECT_EQ(streams, (std::vector<std::string>{"member-201", "transfer-301", "transfer-301"}));

  auto m202 = get("/api/v1/members/202");
  EXPECT_EQ(m202.at("status"), "active");
  EXPECT_EQ(u(m202.at("relationship_branch")), 21u);
  EXPECT_EQ(m202.at("transfer").at("status"), "completed_by_certificate");
  EXPECT_EQ(m202.at("transfer").at("certificate").at("certificate_number"), "证-302");
  EXPECT_EQ(m202.at("history").as_array().size(), 2u);

  auto m203 = get("/api/v1/members/203");
  EXPECT_EQ(m203.at("status"), "pocket");
  EXPECT_TRUE(m203.at("relationship_branch").is_null());
  ASSERT_EQ(m203.at("transfers").as_array().size(), 2u);
  EXPECT_EQ(m203.at("transfers").at(0).at("status"), "voided");
  EXPECT_EQ(u(m203.at("transfers").at(0).at("replaced_by")), 304u);
  EXPECT_EQ(m203.at("transfers").at(1).at("status"), "rejected");
  EXPECT_EQ(u(m203.at("transfers").at(1).at("replaces")), 303u);
  EXPECT_EQ(m203.at("transfers").at(1).at("reason"), "材料不全");
  EXPECT_EQ(m203.at("transfers").at(1).at("from_organization"), "外省某村党支部");
  EXPECT_EQ(m203.at("transfer").at("id"), m203.at("transfers").at(1).at("id"));

  auto m204 = get("/api/v1/members/204");
  EXPECT_EQ(m204.at("status"), "pocket");
  ASSERT_EQ(m204.at("transfers").as_array().size(), 2u);
  EXPECT_EQ(m204.at("transfers").at(0).at("status"), "revoked");
  EXPECT_EQ(m204.at("transfers").at(1).at("status"), "expired");
  EXPECT_TRUE(m204.at("listed_as_pocket").is_object());
  EXPECT_EQ(m204.at("history").as_array().size(), 6u);  // recorded, 2 issued, revoked, expired, listed as pocket

  // The organization's counts agree: 201 and 202 are formal members who count now.
  auto o = get("/api/v1/organizations/2");
  EXPECT_EQ(u(o.at("read_model").at("formal_members").at("party")), 2u);
  auto ind = get("/api/v1/indicators/110101001?affiliation=party");
  for (const auto& i : ind.at("indicators").as_array()) {
    if (i.at("indicator") == "transfers_completed") {
      EXPECT_EQ(u(i.at("value").at("numerator")), 2u);
    }
  }

  // As of the letter's issue, the member was a pocket member with an open letter.
  auto then = get("/api/v1/members/201?as_of=" + std::to_string(issued));
  EXPECT_EQ(then.at("status"), "pocket");
  EXPECT_EQ(then.at("transfer").at("status"), "issued");
  EXPECT_EQ(then.at("history").as_array().size(), 2u);
  auto before = get("/api/v1/members/201?as_of=" + std::to_string(issued - 1));
  EXPECT_TRUE(before.at("transfer").is_null());
  EXPECT_TRUE(before.at("transfers").as_array().empty());
}

// A member who left is shown as gone, as the domain has it (no org, no attachment, no organization
// here holding the relationship), with where, when, why and in which status it left; recorded
// again, it starts afresh while its letters keep the state the domain settled them in.
TEST_F(QueryE2E, MemberViewShowsAMemberWhoLeftAsGoneAndARecordedAgainMemberAfresh) {
  build_tree_and_targets();
  form(21, 1);
  command("record_member", {{"command_id", "m-201"},
                            {"member", 201},
                            {"org", 2},
                            {"affiliation", "party"},
                            {"standing", "formal"},
                            {"status", "pocket"},
                            {"member_name", "党员201"},
                            {"relationship_held_at", "外省某村"},
                            {"admitted_on", "2000-01-01"},
                            {"recorded_on", "2016-07-03"}});
  command("issue_transfer_letter", {{"command_id", "l-301"},
                                    {"transfer", 301},
                                    {"member", 201},
                                    {"from_organization", "外省某村党支部"},
                                    {"to_branch", 21},
                                    {"standing", "formal"},
                                    {"dues_paid_until", "2016-06-30"},
                                    {"issued_on", "2016-07-05"},
                                    {"valid_until", "2016-10-03"}});
  // The domain never lets a member leave with an open letter: the letter is settled first.
  auto refused = http_request(
      port(), "POST", "/api/v1/commands/record_member_left",
      json::serialize(json::object{
          {"command_id", "left-201-early"}, {"member", 201}, {"reason", "moved_away"}, {"left_on", "2016-07-06"}}),
      "t-admin");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.body.find("member_has_open_transfer"), std::string::npos) << refused.body;
  command("receive_transfer_letter", {{"command_id", "r-301"}, {"transfer", 301}, {"received_on", "2016-07-20"}});
  command("attach_member_nearby",
          {{"command_id", "a-201"}, {"member", 201}, {"branch", 21}, {"attached_on", "2016-07-21"}});
  const std::uint64_t left_at =
      u(command("record_member_left",
                {{"command_id", "left-201"}, {"member", 201}, {"reason", "moved_away"}, {"left_on", "2016-08-01"}})
            .at("last_position"));
  caught_up();

  auto gone = get("/api/v1/members/201");
  EXPECT_TRUE(gone.at("org").is_null()) << gone;
  EXPECT_EQ(gone.at("status"), "left");
  ASSERT_TRUE(gone.at("left").is_object()) << gone;
  EXPECT_EQ(u(gone.at("left").at("org")), 2u);
  EXPECT_EQ(gone.at("left").at("status"), "active");
  EXPECT_EQ(gone.at("left").at("reason"), "moved_away");
  EXPECT_EQ(gone.at("left").at("left_on"), "2016-08-01");
  EXPECT_EQ(u(gone.at("left").at("position")), left_at);
  EXPECT_TRUE(gone.at("attached_to").is_null());
  EXPECT_TRUE(gone.at("relationship_branch").is_null()) << gone;
  EXPECT_EQ(gone.at("jurisdiction"), "110101001");  // where it was: the scope still follows it
  EXPECT_EQ(gone.at("transfer").at("status"), "received");
  // The org no longer counts it.
  EXPECT_EQ(u(get("/api/v1/organizations/2").at("read_model").at("formal_members").at("party")), 0u);
  // Before it left, it was there.
  auto there = get("/api/v1/members/201?as_of=" + std::to_string(left_at - 1));
  EXPECT_EQ(u(there.at("org")), 2u);
  EXPECT_EQ(there.at("status"), "active");
  EXPECT_TRUE(there.at("left").is_null());
  EXPECT_EQ(u(there.at("relationship_branch")), 21u);
  EXPECT_EQ(u(there.at("attached_to").at("branch")), 21u);

  // Recorded again in org 1 as a hidden member: nothing of the former stay describes it now.
  command("record_member", {{"command_id", "m-201-again"},
                            {"member", 201},
                            {"org", 1},
                            {"affiliation", "party"},
                            {"standing", "formal"},
                            {"status", "hidden"},
                            {"member_name", "党员201"},
                            {"relationship_held_at", ""},
                            {"admitted_on", "2000-01-01"},
                            {"recorded_on", "2016-08-05"}});
  // The domain holds no relationship of it here any more: a letter to branch 21 is accepted.
  command("issue_transfer_letter", {{"command_id", "l-302"},
                                    {"transfer", 302},
                                    {"member", 201},
                                    {"from_organization", "外省某村党支部"},
                                    {"to_branch", 21},
                                    {"standing", "formal"},
                                    {"dues_paid_until", "2016-07-31"},
                                    {"issued_on", "2016-08-06"},
                                    {"valid_until", "2016-11-03"}});
  caught_up();
  auto again = get("/api/v1/members/201");
  EXPECT_EQ(u(again.at("org")), 1u);
  EXPECT_EQ(again.at("status"), "hidden");
  EXPECT_TRUE(again.at("left").is_null());
  EXPECT_EQ(again.at("recorded_on"), "2016-08-05");
  EXPECT_TRUE(again.at("relationship_branch").is_null()) << again;
  EXPECT_TRUE(again.at("attached_to").is_null());
  EXPECT_EQ(again.at("jurisdiction"), "110101001");
  ASSERT_EQ(again.at("transfers").as_array().size(), 2u);
  EXPECT_EQ(again.at("transfers").at(0).at("status"), "received");
  EXPECT_EQ(again.at("transfer").at("status"), "issued");
  EXPECT_EQ(u(again.at("transfer").at("id")), 302u);
}

// Developed (发展党员) with an admitting branch: that branch holds the member's relationship, as
// the domain has it (a letter into it is refused), and the view says so.
// 就地就近 ends with the organization: dissolving it detaches the members taking part in it (their
// org is no longer work-covered through them), each on its own stream, in the same command.
TEST_F(QueryE2E, DissolvingAnOrganizationDetachesTheMembersTakingPartInIt) {
  build_tree_and_targets();
  form(21, 1);
  command("record_member", {{"command_id", "m-201"}, {"member", 201}, {"org", 2}, {"affiliation", "party"},
                            {"standing", "formal"}, {"status", "active"}, {"member_name", "党员201"},
                            {"relationship_held_at", ""}, {"admitted_on", "2000-01-01"}, {"recorded_on", "2016-07-03"}});
  command("attach_member_nearby",
          {{"command_id", "a-201"}, {"member", 201}, {"branch", 21}, {"attached_on", "2016-07-21"}});
  caught_up();
  EXPECT_EQ(u(get("/api/v1/organizations/2").at("read_model").at("attached_members").at("party")), 1u);

  auto dissolved = command("dissolve_organization",
                           {{"command_id", "x-21"}, {"branch", 21}, {"reason", "企业转型"}, {"dissolved_on", "2016-08-01"}});
  const auto& written = dissolved.at("events").as_array();
  ASSERT_EQ(written.size(), 2u) << dissolved;
  EXPECT_EQ(written.at(0).at("type"), "organization_dissolved");
  EXPECT_EQ(written.at(1).at("type"), "member_detached");
  EXPECT_EQ(written.at(1).at("stream"), "member-201");
  caught_up();
  auto m = get("/api/v1/members/201");
  EXPECT_TRUE(m.at("attached_to").is_null()) << m;
  EXPECT_EQ(u(m.at("detached").at("branch")), 21u);
  EXPECT_EQ(m.at("detached").at("detached_on"), "2016-08-01");
  EXPECT_EQ(u(m.at("detached").at("position")), u(dissolved.at("last_position")));
  EXPECT_EQ(u(get("/api/v1/organizations/2").at("read_model").at("attached_members").at("party")), 0u);
  // Nothing left to stop taking part in.
  auto again = http_request(port(), "POST", "/api/v1/commands/detach_member_nearby",
                            json::serialize(json::object{{"command_id", "dt-201"}, {"member", 201},
                                                         {"reason", "不再参加"}, {"detached_on", "2016-08-02"}}),
                            "t-admin");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_NE(again.body.find("member_not_attached"), std::string::npos) << again.body;
}

TEST_F(QueryE2E, MemberViewShowsTheAdmittingBranchHoldingADevelopedMembersRelationship) {
  build_tree_and_targets();
  form(21, 1);
  command("develop_member", {{"command_id", "dev-205"},
                             {"member", 205},
                             {"org", 1},
                             {"affiliation", "party"},
                             {"member_name", "党员205"},
                             {"admitted_by", 21},
                             {"admitted_on", "2016-07-15"}});
  auto refused = http_request(port(), "POST", "/api/v1/commands/issue_transfer_letter",
                              json::serialize(json::object{{"command_id", "l-305"},
                                                           {"transfer", 305},
                                                           {"member", 205},
                                                           {"from_organization", "外省某村党支部"},
                                                           {"to_branch", 21},
                                                           {"standing", "probationary"},
                                                           {"dues_paid_until", "2016-07-31"},
                                                           {"issued_on", "2016-07-20"},
                                                           {"valid_until", "2016-10-03"}}),
                              "t-admin");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.body.find("transfer_into_own_organization"), std::string::npos) << refused.body;
  caught_up();
  auto m = get("/api/v1/members/205");
  EXPECT_EQ(m.at("developed"), true);
  EXPECT_EQ(u(m.at("admitted_by")), 21u);
  EXPECT_EQ(u(m.at("relationship_branch")), 21u) << m;
}

// A branch secretary sees the letters addressed to the branch (incoming transfers) and their
// state; an org's view shows its members' letters. Found through the projections' postings, each
// letter folded from its events as the member's view folds it, page by page.
TEST_F(QueryE2E, BranchAndOrganizationViewsShowIncomingTransferLetters) {
  build_tree_and_targets();
  form(21, 1);
  auto pocket = [&](std::uint64_t m, std::uint64_t org_id) {
    command("record_member", {{"command_id", "m-" + std::to_string(m)},
                              {"member", m},
                              {"org", org_id},
                              {"affiliation", "party"},
                              {"standing", "formal"},
                              {"status", "pocket"},
                              {"member_name", "党员" + std::to_string(m)},
                              {"relationship_held_at", "外省某村"},
                              {"admitted_on", "2000-01-01"},
                              {"recorded_on", "2016-07-03"}});
  };
  auto issue = [&](std::uint64_t transfer, std::uint64_t m) {
    return u(command("issue_transfer_letter", {{"command_id", "l-" + std::to_string(transfer)},
                                               {"transfer", transfer},
                                               {"member", m},
                                               {"from_organization", "外省某村党支部"},
                                               {"to_branch", 21},
                                               {"standing", "formal"},
                                               {"dues_paid_until", "2016-06-30"},
                                               {"issued_on", "2016-07-05"},
                                               {"valid_until", "2016-10-03"}})
                 .at("last_position"));
  };
  pocket(201, 2);
  pocket(202, 2);
  pocket(203, 1);
  const std::uint64_t first_issued = issue(301, 201);
  command("receive_transfer_letter", {{"command_id", "r-301"}, {"transfer", 301}, {"received_on", "2016-07-20"}});
  issue(302, 202);
  command("reject_transfer_letter",
          {{"command_id", "rj-302"}, {"transfer", 302}, {"reason", "材料不全"}, {"rejected_on", "2016-07-22"}});
  issue(303, 202);
  command("reissue_transfer_letter", {{"command_id", "re-304"},
                                      {"lost", 303},
                                      {"transfer", 304},
                                      {"issued_on", "2016-07-25"},
                                      {"valid_until", "2016-10-23"}});
  command("complete_transfer_by_certificate", {{"command_id", "c-305"},
                                               {"transfer", 305},
                                               {"member", 203},
                                               {"to_branch", 21},
                                               {"issuer", "village_committee"},
                                               {"issuer_name", "某村党支部"},
                                               {"certificate_number", "证-305"},
                                               {"completed_on", "2016-07-21"}});
  caught_up();

  auto b = get("/api/v1/branches/21");
  ASSERT_TRUE(b.at("incoming_transfers").is_array()) << b;
  const auto& in = b.at("incoming_transfers").as_array();
  ASSERT_EQ(in.size(), 5u);
  std::vector<std::string> statuses;
  for (const auto& l : in) statuses.emplace_back(l.at("status").as_string());
  EXPECT_EQ(statuses,
            (std::vector<std::string>{"received", "rejected", "voided", "issued", "completed_by_certificate"}));
  EXPECT_TRUE(b.at("incoming_transfers_next").is_null());
  EXPECT_EQ(u(b.at("incoming_transfers_count")), 5u);
  EXPECT_EQ(u(in[0].at("id")), 301u);
  EXPECT_EQ(u(in[0].at("member")), 201u);
  EXPECT_EQ(u(in[0].at("org")), 2u);
  EXPECT_EQ(u(in[0].at("to_branch")), 21u);
  EXPECT_EQ(in[0].at("from_organization"), "外省某村党支部");
  EXPECT_EQ(in[0].at("issued_on"), "2016-07-05");
  EXPECT_EQ(u(in[0].at("issued_at")), first_issued);
  EXPECT_EQ(in[0].at("settled_on"), "2016-07-20");
  EXPECT_EQ(in[1].at("reason"), "材料不全");
  EXPECT_EQ(u(in[2].at("replaced_by")), 304u);
  EXPECT_EQ(in[2].at("settled_on"), "2016-07-25");
  EXPECT_EQ(u(in[3].at("replaces")), 303u);
  EXPECT_EQ(in[3].at("from_organization"), "外省某村党支部");
  EXPECT_EQ(in[3].at("dues_paid_until"), "2016-06-30");
  EXPECT_TRUE(in[3].at("settled_at").is_null());
  EXPECT_EQ(u(in[4].at("member")), 203u);
  EXPECT_EQ(u(in[4].at("org")), 1u);
  EXPECT_EQ(in[4].at("standing"), "formal");  // the member's standing then
  EXPECT_EQ(in[4].at("certificate").at("certificate_number"), "证-305");
  EXPECT_TRUE(in[4].at("issued_on").is_null());
  // The letter in the branch's list is the letter in its member's view.
  auto m202 = get("/api/v1/members/202");
  for (const char* k : {"id", "status", "to_branch", "standing", "from_organization", "dues_paid_until", "issued_on",
                        "valid_until", "issued_at", "replaces", "replaced_by", "reason", "certificate", "settled_on",
                        "settled_at"})
    EXPECT_EQ(m202.at("transfer").at(k), in[3].at(k)) << k;

  // Page by page, and only the open ones.
  auto page1 = get("/api/v1/branches/21/transfers?limit=2");
  ASSERT_EQ(page1.at("transfers").as_array().size(), 2u);
  EXPECT_EQ(u(page1.at("branch")), 21u);
  EXPECT_EQ(page1.at("jurisdiction"), "110101001");
  EXPECT_EQ(u(page1.at("count")), 5u);
  EXPECT_GE(u(page1.at("position")), first_issued);
  EXPECT_TRUE(page1.at("as_of").is_null());
  ASSERT_EQ(u(page1.at("next")), 302u);
  auto page2 = get("/api/v1/branches/21/transfers?limit=2&cursor=302");
  EXPECT_EQ(u(page2.at("transfers").at(0).at("id")), 303u);
  EXPECT_EQ(u(page2.at("next")), 304u);
  auto page3 = get("/api/v1/branches/21/transfers?limit=2&cursor=" + std::to_string(u(page2.at("next"))));
  ASSERT_EQ(page3.at("transfers").as_array().size(), 1u);
  EXPECT_EQ(u(page3.at("transfers").at(0).at("id")), 305u);
  EXPECT_TRUE(page3.at("next").is_null());
  auto open = get("/api/v1/branches/21/transfers?status=issued");
  ASSERT_EQ(open.at("transfers").as_array().size(), 1u);
  EXPECT_EQ(u(open.at("transfers").at(0).at("id")), 304u);
  EXPECT_TRUE(open.at("next").is_null());
  auto settled = get("/api/v1/branches/21/transfers?status=received&limit=1");
  ASSERT_EQ(settled.at("transfers").as_array().size(), 1u);
  EXPECT_EQ(u(settled.at("transfers").at(0).at("id")), 301u);
  EXPECT_TRUE(settled.at("next").is_null());
  // Bad paging and filters name their parameter; an unknown branch or org is not found.
  for (auto [query, field] : {std::pair{"status=lost", "status"}, std::pair{"limit=0", "limit"},
                              std::pair{"limit=many", "limit"}, std::pair{"cursor=-1", "cursor"},
                              std::pair{"as_of=x", "as_of"}}) {
    auto bad = get(std::string("/api/v1/branches/21/transfers?") + query, "t-auditor", 400);
    EXPECT_EQ(bad.at("error").at("field"), field) << query;
    EXPECT_EQ(get(std::string("/api/v1/organizations/2/transfers?") + query, "t-auditor", 400).at("error").at("field"),
              field)
        << query;
  }
  get("/api/v1/branches/99/transfers", "t-auditor", 404);
  get("/api/v1/organizations/99/transfers", "t-auditor", 404);
  get("/api/v1/branches/0/transfers", "t-auditor", 400);
  // As of the first issue, one letter was coming, still open.
  auto then = get("/api/v1/branches/21/transfers?as_of=" + std::to_string(first_issued));
  ASSERT_EQ(then.at("transfers").as_array().size(), 1u);
  EXPECT_EQ(then.at("transfers").at(0).at("status"), "issued");
  EXPECT_TRUE(then.at("transfers").at(0).at("settled_on").is_null());
  EXPECT_EQ(u(then.at("as_of")), first_issued);
  EXPECT_EQ(u(then.at("count")), 1u);
  auto b_then = get("/api/v1/branches/21?as_of=" + std::to_string(first_issued));
  ASSERT_EQ(b_then.at("incoming_transfers").as_array().size(), 1u);
  EXPECT_EQ(b_then.at("incoming_transfers").at(0).at("status"), "issued");

  // Org 2's members' letters; org 1's (the certificate); org 3 none.
  auto o2 = get("/api/v1/organizations/2");
  ASSERT_EQ(o2.at("incoming_transfers").as_array().size(), 4u) << o2;
  EXPECT_EQ(u(o2.at("incoming_transfers_count")), 4u);
  EXPECT_EQ(u(o2.at("incoming_transfers").at(0).at("id")), 301u);
  EXPECT_EQ(u(o2.at("incoming_transfers").at(3).at("id")), 304u);
  auto o1 = get("/api/v1/organizations/1/transfers");
  ASSERT_EQ(o1.at("transfers").as_array().size(), 1u);
  EXPECT_EQ(u(o1.at("org")), 1u);
  EXPECT_EQ(u(o1.at("transfers").at(0).at("id")), 305u);
  EXPECT_EQ(o1.at("transfers").at(0).at("status"), "completed_by_certificate");
  auto o3 = get("/api/v1/organizations/3");
  EXPECT_TRUE(o3.at("incoming_transfers").as_array().empty());
  EXPECT_EQ(u(o3.at("incoming_transfers_count")), 0u);

  // Scope: a leader elsewhere may not read them; one over the branch's jurisdiction may.
  get("/api/v1/branches/21/transfers", "t-leader-tj", 403);
  get("/api/v1/organizations/2/transfers", "t-leader-tj", 403);
  EXPECT_EQ(get("/api/v1/branches/21/transfers", "t-leader-bj").at("transfers").as_array().size(), 5u);
  EXPECT_EQ(get("/api/v1/organizations/2/transfers", "t-operator-dc").at("transfers").as_array().size(), 4u);
}

TEST_F(QueryE2E, LeadersSeeOnlyTheirScopeAuditorsSeeAll) {
  build_tree_and_targets();
  caught_up();
  for (const std::string target : {"/api/v1/jurisdictions/120000", "/api/v1/indicators/120000", "/api/v1/rankings/120100",
                                   "/api/v1/ledger/120000", "/api/v1/organizations/4", "/api/v1/organizations?jurisdiction=120000",
                                   "/api/v1/audit?jurisdiction=120101001", "/api/v1/audit?entity=org-1",
                                   "/api/v1/indicators/000000", "/api/v1/interviews?jurisdiction=120000"}) {
    auto r = http_request(port(), "GET", target, "", "t-leader-bj");
    EXPECT_EQ(r.status, 403) << target << ": " << r.body;
    EXPECT_EQ(r.json().at("error").at("rule"), "role_scope") << target;
    EXPECT_EQ(http_request(port(), "GET", target, "", "t-auditor").status, 200) << target;
  }
  // Inside the scope, the leader reads.
  for (const std::string target : {"/api/v1/jurisdictions/110000", "/api/v1/rankings/110100", "/api/v1/ledger/110000",
                                   "/api/v1/organizations/1", "/api/v1/members/101", "/api/v1/targets/11"}) {
    EXPECT_EQ(http_request(port(), "GET", target, "", "t-leader-bj").status, 200) << target;
  }
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/targets/11", "", "t-leader-tj").status, 403);
  // The default organization list is the caller's own scope.
  auto mine = http_request(port(), "GET", "/api/v1/organizations", "", "t-leader-tj").json();
  ASSERT_EQ(mine.at("organizations").as_array().size(), 1u);
  EXPECT_EQ(u(mine.at("organizations").at(0).at("id")), 4u);
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/rankings/110100").status, 401);
}

// Field staff act within their scope, also through the organizations a command names: the branch
// that takes in, receives or admitted a member is somewhere too. And an accountability interview
// is run by the level above the jurisdiction it calls to account, never by that jurisdiction.
TEST_F(QueryE2E, StaffMayNotReachOutOfScopeThroughABranchNorRunTheirOwnInterview) {
  build_tree_and_targets();
  formal_members(401, 4, 3);  // 天津's org 4, and its branch 40
  form(40, 4);
  form(10, 1);  // 东城's org 1
  command("record_member", {{"command_id", "m-201"}, {"member", 201}, {"org", 2}, {"affiliation", "party"},
                            {"standing", "formal"}, {"status", "hidden"}, {"member_name", "党员201"},
                            {"relationship_held_at", ""}, {"admitted_on", "2000-01-01"}, {"recorded_on", "2016-07-03"}});
  const auto head = [&] { return u(http_request(port(), "GET", "/readyz").json().at("head")); };
  const auto as = [&](const std::string& token, const std::string& name, json::object body) {
    return http_request(port(), "POST", "/api/v1/commands/" + name, json::serialize(body), token);
  };
  const std::uint64_t before = head();
  for (auto [name, body] : std::vector<std::pair<std::string, json::object>>{
           {"attach_member_nearby", {{"command_id", "x-1"}, {"member", 201}, {"branch", 40}, {"attached_on", "2016-07-20"}}},
           {"issue_transfer_letter",
            {{"command_id", "x-2"}, {"transfer", 1}, {"member", 201}, {"from_organization", "河北某村党支部"}, {"to_branch", 40},
             {"standing", "formal"}, {"dues_paid_until", "2016-06-30"}, {"issued_on", "2016-07-20"},
             {"valid_until", "2016-09-30"}}},
           {"develop_member",
            {{"command_id", "x-3"}, {"member", 202}, {"org", 2}, {"affiliation", "party"}, {"member_name", "新党员"},
             {"admitted_by", 40}, {"admitted_on", "2016-07-20"}}}}) {
    auto r = as("t-operator-bj", name, body);
    EXPECT_EQ(r.status, 403) << name << ": " << r.body;
    EXPECT_EQ(r.json().at("error").at("rule"), "role_scope") << r.body;
    EXPECT_NE(r.body.find("120101001"), std::string::npos) << r.body;
  }
  EXPECT_EQ(head(), before);
  // The same attachment to a Beijing branch is Beijing's to record.
  auto nearby = as("t-operator-bj", "attach_member_nearby",
                   {{"command_id", "x-4"}, {"member", 201}, {"branch", 10}, {"attached_on", "2016-07-20"}});
  EXPECT_EQ(nearby.status, 200) << nearby.body;

  const json::object interview{{"command_id", "x-5"}, {"interview", 1}, {"campaign", 1}, {"jurisdiction", "110101"},
                               {"responsible_person", "李四"}, {"reasons", json::array{"ranked_last"}}, {"round", 1},
                               {"scheduled_at_ms", 1470000000000}, {"place", "区政府"}};
  auto own = as("t-operator-dc", "schedule_interview", interview);
  EXPECT_EQ(own.status, 403) << own.body;
  EXPECT_EQ(own.json().at("error").at("rule"), "interview_by_level_above") << own.body;
  // From above, the command reaches the domain's rules (here: no campaign is open).
  auto above = as("t-operator-bj", "schedule_interview", interview);
  EXPECT_NE(above.status, 403) << above.body;
}

TEST_F(QueryE2E, AsOfAnswersWithThePastState) {
  build_tree_and_targets();
  const std::uint64_t p = before_formation_ + 6;  // after the members were disclosed, before forming
  const std::uint64_t formed = form(21, 1);
  ASSERT_GT(formed, p);
  caught_up();
  // A moment after forming (as_of_time is given to the millisecond below).
  std::this_thread::sleep_for(1100ms);
  const auto between = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count() - 500;
  // By hand: before forming, 东城 has targets 11 and 12 open -> ledger progress 0/2, eligible 1,
  // standalone formation rate 0/1; after: 1/2 and 1/1.
  auto then = get("/api/v1/indicators/110101?as_of=" + std::to_string(p));
  EXPECT_EQ(u(then.at("as_of")), p);
  std::map<std::string, json::value> v;
  for (const auto& i : then.at("indicators").as_array()) v[std::string(i.at("indicator").as_string())] = i.at("value");
  EXPECT_EQ(u(v["ledger_progress"].at("numerator")), 0u);
  EXPECT_EQ(u(v["ledger_progress"].at("denominator")), 2u);
  EXPECT_EQ(u(v["standalone_formation_rate"].at("numerator")), 0u);
  EXPECT_EQ(u(v["standalone_formation_rate"].at("denominator")), 1u);
  auto now = get("/api/v1/indicators/110101");
  for (const auto& i : now.at("indicators").as_array()) v[std::string(i.at("indicator").as_string())] = i.at("value");
  EXPECT_EQ(u(v["ledger_progress"].at("numerator")), 1u);
  EXPECT_EQ(u(v["standalone_formation_rate"].at("numerator")), 1u);
  // Ledger and target as of p: target 11 open then.
  auto ledger_then = get("/api/v1/ledger/110101?status=struck_off&as_of=" + std::to_string(p));
  EXPECT_EQ(ledger_then.at("targets").as_array().size(), 0u);
  EXPECT_EQ(get("/api/v1/targets/11?as_of=" + std::to_string(p)).at("status"), "open");
  // Ranking as of p: both counties at 0 -> 东城 first only by the tie-break (1 eligible, 0 formed:
  // 0/1 is defined; 西城's 0/0 is not).
  auto rk = get("/api/v1/rankings/110100?as_of=" + std::to_string(p));
  EXPECT_EQ(u(rk.at("lines").at(0).at("value").at("numerator")), 0u);
  EXPECT_EQ(u(rk.at("lines").at(0).at("tie_value").at("denominator")), 1u);
  // The organization as of p had no organization of its own; the branch did not exist.
  auto o = get("/api/v1/organizations/1?as_of=" + std::to_string(p));
  EXPECT_EQ(o.at("read_model").at("own_organization").at("party"), false);
  get("/api/v1/branches/21?as_of=" + std::to_string(p), "t-auditor", 404);
  // Audit trail as of p ends at p.
  auto trail = get("/api/v1/audit?entity=target-11&as_of=" + std::to_string(p));
  EXPECT_EQ(trail.at("lines").as_array().size(), 1u);
  // By time: a moment between forming and now is the state after forming.
  char iso[64];
  const std::time_t secs = static_cast<std::time_t>(between / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(iso + std::strlen(iso), sizeof iso - std::strlen(iso), ".%03dZ", static_cast<int>(between % 1000));
  auto at_time = get(std::string("/api/v1/indicators/110101?as_of_time=") + iso);
  EXPECT_GE(u(at_time.at("as_of")), formed);
  get("/api/v1/indicators/110101?as_of=999999", "t-auditor", 400);
  get("/api/v1/indicators/110101?as_of_time=yesterday", "t-auditor", 400);
}

// 行动计划 and 倒排工期: a jurisdiction's plan for a campaign (the latest set wins), its leader and
// lead department (领导包片, 牵头部门), days left to each deadline, and progress from the read
// model's counters (by organization type: it counts no formations by mode).
TEST_F(QueryE2E, ActionPlanShowsTheLatestPlanItsLeaderAndProgress) {
  build_tree_and_targets();  // 东城: targets 11 (org 1, 3 formal members) and 12 (org 2); 西城: 13
  caught_up();
  // No campaign: nothing to plan for.
  auto before = get("/api/v1/jurisdictions/110101/plan", "t-leader-bj");
  EXPECT_TRUE(before.at("campaign").is_null()) << before;
  EXPECT_TRUE(before.at("plan").is_null()) << before;
  EXPECT_TRUE(before.at("leader").is_null()) << before;
  EXPECT_EQ(before.at("name"), "东城区");

  // A campaign opened today: its baseline has 东城's 2 Party targets, none struck off.
  const auto open = [&](std::uint64_t id) {
    command("open_campaign", {{"command_id", "camp-" + std::to_string(id)}, {"campaign", id}, {"campaign_name", "百日攻坚"},
                              {"starts_on", china_day(0)}, {"ends_on", china_day(100)}, {"bulletin_cadence_days", 15},
                              {"ranking_indicator", "ledger_progress"}, {"tie_break_indicator", "standalone_formation_rate"},
                              {"interviews", json::object{{"bottom_n", 1}, {"bottom_percent", 0},
                                                          {"no_progress_since_last_bulletin", false},
                                                          {"below_target_rate_permille", 0}}}});
  };
  open(1);
  const auto line = [](const char* type, const char* mode, int count, const char* deadline) {
    return json::object{{"type", type}, {"mode", mode}, {"count", count}, {"deadline", deadline}};
  };
  command("assign_jurisdiction_leader", {{"command_id", "lead-1"}, {"code", "110101"}, {"leader_name", "李四"},
                                         {"lead_department", "登记注册科"}, {"assigned_on", "2016-07-01"}});
  const auto leader = u(command("assign_jurisdiction_leader",
                                {{"command_id", "lead-2"}, {"code", "110101"}, {"leader_name", "王五"},
                                 {"lead_department", "个体私营经济监督管理科"}, {"assigned_on", "2016-07-05"}})
                            .at("last_position"));
  const auto first = u(command("set_action_plan", {{"command_id", "plan-1"}, {"code", "110101"}, {"campaign", 1},
                                                   {"targets", json::array{line("party", "standalone", 5, "2016-09-30")}},
                                                   {"set_on", "2016-07-05"}})
                           .at("last_position"));
  const auto second = u(command("set_action_plan",
                                {{"command_id", "plan-2"}, {"code", "110101"}, {"campaign", 1},
                                 {"targets", json::array{line("party", "standalone", 2, "2016-08-31"),
                                                         line("party", "joint", 3, "2016-10-15"),
                                                         line("league", "standalone", 1, "2016-10-31")}},
                                 {"set_on", "2016-07-06"}})
                            .at("last_position"));
  // 西城's plan is its own.
  command("set_action_plan", {{"command_id", "plan-xc"}, {"code", "110102"}, {"campaign", 1},
                              {"targets", json::array{line("trade_union", "industry", 9, "2016-12-31")}}, {"set_on", "2016-07-06"}});
  caught_up();

  auto p = get("/api/v1/jurisdictions/110101/plan?today=2016-08-21", "t-leader-bj");
  EXPECT_EQ(p.at("code"), "110101");
  EXPECT_EQ(p.at("level"), "county");
  EXPECT_EQ(u(p.at("campaign").at("id")), 1u);
  EXPECT_EQ(p.at("campaign").at("closed"), false);
  EXPECT_EQ(p.at("today"), "2016-08-21");
  EXPECT_EQ(p.at("leader").at("name"), "王五");
  EXPECT_EQ(p.at("leader").at("lead_department"), "个体私营经济监督管理科");
  EXPECT_EQ(p.at("leader").at("assigned_on"), "2016-07-05");
  EXPECT_EQ(u(p.at("leader").at("position")), leader);
  const auto& plan = p.at("plan");
  EXPECT_EQ(plan.at("set_on"), "2016-07-06");
  EXPECT_EQ(u(plan.at("position")), second);
  EXPECT_EQ(plan.at("actor"), "admin");
  ASSERT_EQ(plan.at("targets").as_array().size(), 3u) << plan;
  EXPECT_EQ(plan.at("targets").at(0),
            json::parse(R"({"type":"party","mode":"standalone","count":2,"deadline":"2016-08-31","days_left":10})"));
  EXPECT_EQ(plan.at("targets").at(1),
            json::parse(R"({"type":"party","mode":"joint","count":3,"deadline":"2016-10-15","days_left":55})"));
  EXPECT_EQ(plan.at("targets").at(2),
            json::parse(R"({"type":"league","mode":"standalone","count":1,"deadline":"2016-10-31","days_left":71})"));
  ASSERT_EQ(plan.at("revisions").as_array().size(), 2u);
  EXPECT_EQ(u(plan.at("revisions").at(0).at("position")), first);
  EXPECT_EQ(u(plan.at("revisions").at(1).at("position")), second);
  // Progress by type, over 东城's subtree: Party 5 planned (2 + 3), 2 targets, none struck off.
  ASSERT_EQ(plan.at("progress").as_array().size(), 2u) << plan;
  const auto& party = plan.at("progress").at(0);
  EXPECT_EQ(party.at("type"), "party");
  EXPECT_EQ(u(party.at("planned")), 5u);
  EXPECT_EQ(party.at("formation_targets"), json::parse(R"({"value":2,"since_baseline":0})"));
  EXPECT_EQ(party.at("struck_off"), json::parse(R"({"value":0,"since_baseline":0})"));
  EXPECT_EQ(party.at("standalone"), json::parse(R"({"value":0,"since_baseline":0})"));
  EXPECT_EQ(party.at("organization_covered"), json::parse(R"({"value":0,"since_baseline":0})"));
  EXPECT_EQ(plan.at("progress").at(1).at("type"), "league");
  EXPECT_EQ(u(plan.at("progress").at(1).at("planned")), 1u);
  // Days left count from today in China by default (negative once past).
  auto default_today = get("/api/v1/jurisdictions/110101/plan");
  EXPECT_EQ(default_today.at("today"), json::value(china_day(0)));
  EXPECT_LT(default_today.at("plan").at("targets").at(0).at("days_left").to_number<std::int64_t>(), 0);
  // As of the first plan: that plan, alone.
  auto then = get("/api/v1/jurisdictions/110101/plan?today=2016-08-21&as_of=" + std::to_string(first));
  EXPECT_EQ(u(then.at("as_of")), first);
  ASSERT_EQ(then.at("plan").at("targets").as_array().size(), 1u);
  EXPECT_EQ(u(then.at("plan").at("targets").at(0).at("count")), 5u);
  EXPECT_EQ(then.at("plan").at("targets").at(0).at("days_left"), 40);
  EXPECT_EQ(then.at("plan").at("revisions").as_array().size(), 1u);
  EXPECT_EQ(then.at("leader").at("name"), "王五");

  // Org 1's Party branch, formed on the campaign's first day, strikes target 11 off: progress
  // follows. Org 2's, recorded now but formed before the start, was part of the existing base:
  // it raises the baseline with the value, not the change.
  form(21, 1, china_day(0));
  formal_members(220, 2, 3);  // found and disclosed in July 2016
  form(22, 2, "2016-07-10");
  caught_up();
  auto after = get("/api/v1/jurisdictions/110101/plan?today=2016-08-21", "t-leader-bj");
  const auto& party_after = after.at("plan").at("progress").at(0);
  EXPECT_EQ(party_after.at("formation_targets"), json::parse(R"({"value":2,"since_baseline":0})"));
  EXPECT_EQ(party_after.at("struck_off"), json::parse(R"({"value":2,"since_baseline":1})"));
  EXPECT_EQ(party_after.at("standalone"), json::parse(R"({"value":2,"since_baseline":1})"));
  EXPECT_EQ(party_after.at("organization_covered"), json::parse(R"({"value":2,"since_baseline":1})"));
  // 西城's: a union line, measured by union coverage; no standalone count for a mass organization.
  auto xc = get("/api/v1/jurisdictions/110102/plan?today=2016-08-21");
  ASSERT_EQ(xc.at("plan").at("targets").as_array().size(), 1u);
  EXPECT_EQ(xc.at("plan").at("progress").at(0).at("type"), "trade_union");
  EXPECT_EQ(u(xc.at("plan").at("progress").at(0).at("planned")), 9u);
  EXPECT_TRUE(xc.at("plan").at("progress").at(0).at("standalone").is_null());
  EXPECT_TRUE(xc.at("leader").is_null());
  // The city above has no plan of its own.
  EXPECT_TRUE(get("/api/v1/jurisdictions/110100/plan").at("plan").is_null());

  // The node itself names the lead department beside the leader.
  auto node = get("/api/v1/jurisdictions/110101", "t-leader-bj");
  EXPECT_EQ(node.at("responsible_leader"), "王五");
  EXPECT_EQ(node.at("lead_department"), "个体私营经济监督管理科");
  EXPECT_TRUE(get("/api/v1/jurisdictions/110102").at("lead_department").is_null());

  // Closed, campaign 1 is still the default (the latest), without a baseline to compare with.
  command("close_campaign", {{"command_id", "close-1"}, {"campaign", 1}, {"closed_on", china_day(0)}});
  caught_up();
  auto closed = get("/api/v1/jurisdictions/110101/plan?today=2016-08-21");
  EXPECT_EQ(u(closed.at("campaign").at("id")), 1u);
  EXPECT_EQ(closed.at("campaign").at("closed"), true);
  EXPECT_EQ(closed.at("plan").at("progress").at(0).at("struck_off"), json::parse(R"({"value":2,"since_baseline":null})"));
  // A new campaign is the default; it has no plan yet, and the old one is asked for by id.
  open(2);
  caught_up();
  auto next = get("/api/v1/jurisdictions/110101/plan");
  EXPECT_EQ(u(next.at("campaign").at("id")), 2u);
  EXPECT_TRUE(next.at("plan").is_null());
  EXPECT_EQ(next.at("leader").at("name"), "王五");
  EXPECT_EQ(u(get("/api/v1/jurisdictions/110101/plan?campaign=1").at("plan").at("position")), second);

  // Refusals: an unknown code (404 naming `code`), a bad or unknown campaign or today (400 naming
  // the parameter), outside the caller's scope (403).
  auto missing = get("/api/v1/jurisdictions/119999/plan", "t-auditor", 404);
  EXPECT_EQ(missing.at("error").at("code"), "not_found");
  EXPECT_EQ(missing.at("error").at("field"), "code");
  EXPECT_EQ(get("/api/v1/jurisdictions/119999", "t-auditor", 404).at("error").at("field"), "code");
  for (const std::string bad : {"campaign=abc", "campaign=0", "campaign=-1", "campaign=7"}) {
    auto r = get("/api/v1/jurisdictions/110101/plan?" + bad, "t-auditor", 400);
    EXPECT_EQ(r.at("error").at("field"), "campaign") << bad;
    EXPECT_EQ(r.at("error").at("kind"), "invalid_input") << bad;
  }
  EXPECT_EQ(get("/api/v1/jurisdictions/110101/plan?today=2016-13-01", "t-auditor", 400).at("error").at("field"), "today");
  auto outside = get("/api/v1/jurisdictions/110101/plan", "t-leader-tj", 403);
  EXPECT_EQ(outside.at("error").at("rule"), "role_scope");
  EXPECT_EQ(get("/api/v1/jurisdictions/110101/plan", "t-league-dc").at("leader").at("name"), "王五");
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/jurisdictions/110101/plan").status, 401);
}

TEST_F(QueryE2E, RankingsTopicPushesChangesWithTheirPositionAndResumes) {
  build_tree_and_targets();
  ws_client ws(port(), "t-leader-bj");
  ws.send(R"({"op":"subscribe","topic":"rankings","jurisdiction":"110100","indicator":"ledger_progress","affiliation":"party"})");
  auto hello = ws.read();
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->at("type"), "subscribed");
  auto first = ws.read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->at("type"), "ranking");
  EXPECT_EQ(u(first->at("lines").at(0).at("value").at("numerator")), 0u);
  // Striking off a target of 西城 (org 3) lifts 西城 (1/1) above 东城 (0/2).
  formal_members(201, 3, 3);
  const std::uint64_t formed = form(23, 3);
  std::optional<json::value> update;
  for (int i = 0; i < 20; ++i) {
    auto m = ws.read(5s);
    ASSERT_TRUE(m) << "no ranking update";
    if (m->at("type") == "ranking" && m->at("lines").at(0).at("code") == "110102") {
      update = m;
      break;
    }
  }
  ASSERT_TRUE(update);
  EXPECT_EQ(u(update->at("position")), formed);
  EXPECT_EQ(u(update->at("lines").at(0).at("value").at("numerator")), 1u);
  // Unrelated events (Tianjin) do not change this ranking: nothing is pushed.
  command("register_jurisdiction", {{"command_id", "j-120102"}, {"code", "120102"}, {"jurisdiction_name", "河东区"}});
  // (Checked with a ping after the change has had time to apply: the next message is the pong.)
  std::this_thread::sleep_for(500ms);
  ws.send(R"({"op":"ping","id":1})");
  auto next = ws.read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->at("type"), "pong") << "a ranking that did not change was pushed: " << json::serialize(*next);
  // A new connection gets the current ranking at once, with the position it reflects.
  ws_client again(port(), "t-leader-bj");
  again.send(R"({"op":"subscribe","topic":"rankings","jurisdiction":"110100"})");
  ASSERT_TRUE(again.read());
  auto current = again.read();
  ASSERT_TRUE(current);
  EXPECT_GE(u(current->at("position")), formed + 1);
  EXPECT_EQ(current->at("lines").at(0).at("code"), "110102");
  // Outside the scope: refused.
  ws_client tj(port(), "t-leader-tj");
  tj.send(R"({"op":"subscribe","topic":"rankings","jurisdiction":"110100"})");
  auto refused = tj.read();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->at("type"), "error");
  EXPECT_EQ(refused->at("error").at("code"), "forbidden");
}

TEST_F(QueryE2E, AuditAndInterviewsTopicsCatchUpGoLiveAndResume) {
  build_tree_and_targets();
  std::vector<std::uint64_t> seen;
  std::uint64_t last = 0;
  {
    ws_client ws(port(), "t-auditor");
    ws.send(R"({"op":"subscribe","topic":"audit","entity":"member-101","after":0})");
    ASSERT_EQ(ws.read()->at("type"), "subscribed");
    // Catch-up: recorded and disclosed, then live.
    for (;;) {
      auto m = ws.read();
      ASSERT_TRUE(m);
      if (m->at("type") == "live") break;
      ASSERT_EQ(m->at("type"), "audit");
      EXPECT_EQ(m->at("event").at("stream"), "member-101");
      seen.push_back(u(m->at("position")));
    }
    ASSERT_EQ(seen.size(), 2u);
    last = seen.back();
  }
  // While disconnected the member leaves; reconnecting after `last` gets exactly that event.
  auto left = command("record_member_left", {{"command_id", "left-101"}, {"member", 101}, {"reason", "changed_job"}, {"left_on", "2016-08-01"}});
  ws_client ws(port(), "t-auditor");
  ws.send(R"({"op":"subscribe","topic":"audit","entity":"member-101","after":)" + std::to_string(last) + "}");
  ASSERT_EQ(ws.read()->at("type"), "subscribed");
  auto m = ws.read();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->at("type"), "audit");
  EXPECT_EQ(u(m->at("position")), u(left.at("last_position")));
  EXPECT_EQ(m->at("event").at("type"), "member_left");
  EXPECT_EQ(ws.read()->at("type"), "live");
  // Live: the next event of the member arrives as it happens.
  auto back = command("record_member", {{"command_id", "m-101-again"}, {"member", 101}, {"org", 2}, {"affiliation", "party"},
                                        {"standing", "formal"}, {"status", "active"}, {"member_name", "党员101"},
                                        {"relationship_held_at", ""}, {"admitted_on", "2000-01-01"}, {"recorded_on", "2016-08-02"}});
  auto live = ws.read();
  ASSERT_TRUE(live);
  EXPECT_EQ(u(live->at("position")), u(back.at("last_position")));

  // Interviews: the list in scope, then changes.
  ws_client iv(port(), "t-leader-bj");
  iv.send(R"({"op":"subscribe","topic":"interviews"})");
  ASSERT_EQ(iv.read()->at("type"), "subscribed");
  EXPECT_EQ(iv.read()->at("type"), "live");  // no interviews yet
  command("open_campaign", {{"command_id", "camp-1"}, {"campaign", 1}, {"campaign_name", "百日攻坚"},
                            {"starts_on", china_day(-20)}, {"ends_on", china_day(80)}, {"bulletin_cadence_days", 15},
                            {"ranking_indicator", "ledger_progress"}, {"tie_break_indicator", "standalone_formation_rate"},
                            {"interviews", json::object{{"bottom_n", 1}, {"bottom_percent", 0},
                                                        {"no_progress_since_last_bulletin", false},
                                                        {"below_target_rate_permille", 0}}}});
  // 西城 is last in the Party ranking of 市辖区: one interview. The League ranking measured nothing
  // (no League targets), so no one is called there; nothing else comes.
  auto pushed = iv.read(15s);
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->at("type"), "interview");
  EXPECT_EQ(pushed->at("interview").at("jurisdiction"), "110102");
  EXPECT_EQ(pushed->at("interview").at("affiliation"), "party");
  EXPECT_GT(u(pushed->at("position")), 0u);
  std::this_thread::sleep_for(500ms);
  iv.send(R"({"op":"ping","id":2})");
  auto after = iv.read();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->at("type"), "pong") << json::serialize(*after);
}

// What a subscription names is checked before it is accepted, as the queries check it: an unknown
// jurisdiction is not_found (field jurisdiction) and nothing stays registered, so the topic can be
// subscribed again at once; a position past the head is refused (field after) instead of being
// confirmed as caught up; and a refused or unsubscribed subscription sends nothing afterwards.
TEST_F(QueryE2E, SubscriptionsAreCheckedBeforeTheyAreAccepted) {
  for (auto [code, name] :
       {std::pair{"000000", "全国"}, {"110000", "北京市"}, {"110100", "市辖区"}, {"110101", "东城区"}})
    jurisdiction(code, name);
  caught_up();
  const auto refused = [](ws_client& ws, const std::string& topic, const std::string& code, const std::string& field) {
    auto m = ws.read();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->at("type"), "error") << json::serialize(*m);
    if (m->at("type") != "error") return;
    EXPECT_EQ(m->at("topic"), json::value(topic));
    EXPECT_EQ(m->at("error").at("code"), json::value(code)) << json::serialize(*m);
    EXPECT_EQ(m->at("error").at("field"), json::value(field)) << json::serialize(*m);
  };
  // Nothing else comes: the next message is the pong.
  const auto quiet = [](ws_client& ws, int id) {
    std::this_thread::sleep_for(300ms);
    ws.send(R"({"op":"ping","id":)" + std::to_string(id) + "}");
    auto m = ws.read();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->at("type"), "pong") << json::serialize(*m);
  };
  ws_client ws(port(), "t-admin");
  ws.send(R"({"op":"subscribe","topic":"rankings","jurisdiction":"999999"})");
  refused(ws, "rankings", "not_found", "jurisdiction");
  quiet(ws, 1);
  ws.send(R"({"op":"subscribe","topic":"rankings","jurisdiction":"110000"})");
  auto hello = ws.read();
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->at("type"), "subscribed") << json::serialize(*hello);
  auto ranking = ws.read();
  ASSERT_TRUE(ranking);
  EXPECT_EQ(ranking->at("type"), "ranking") << json::serialize(*ranking);
  ws.send(R"({"op":"unsubscribe","topic":"rankings"})");
  EXPECT_EQ(ws.read()->at("type"), "unsubscribed");

  // Unsubscribed before the lookup answers: whichever comes first, no late message of the old
  // subscription reaches the new one's.
  ws.send(R"({"op":"subscribe","topic":"rankings","jurisdiction":"999999"})");
  ws.send(R"({"op":"unsubscribe","topic":"rankings"})");
  auto first = ws.read();
  ASSERT_TRUE(first);
  if (first->at("type") == "error") {
    EXPECT_EQ(first->at("error").at("code"), "not_found");
    EXPECT_EQ(ws.read()->at("type"), "error");  // "not subscribed to rankings"
  } else {
    EXPECT_EQ(first->at("type"), "unsubscribed") << json::serialize(*first);
  }
  ws.send(R"({"op":"subscribe","topic":"rankings","jurisdiction":"110100"})");
  EXPECT_EQ(ws.read()->at("type"), "subscribed");
  EXPECT_EQ(ws.read()->at("type"), "ranking");
  quiet(ws, 2);

  // interviews: a jurisdiction given must exist; the default (the caller's scope) is not looked up.
  ws.send(R"({"op":"subscribe","topic":"interviews","jurisdiction":"abc"})");
  refused(ws, "interviews", "not_found", "jurisdiction");
  ws.send(R"({"op":"subscribe","topic":"interviews","jurisdiction":110000})");
  refused(ws, "interviews", "invalid_input", "jurisdiction");
  ws.send(R"({"op":"subscribe","topic":"interviews","jurisdiction":"110000"})");
  EXPECT_EQ(ws.read()->at("type"), "subscribed");
  EXPECT_EQ(ws.read()->at("type"), "live");
  quiet(ws, 3);

  // events and audit: "after" past the head is refused; at the head it is live at once.
  const std::uint64_t head = u(http_request(port(), "GET", "/readyz").json().at("head"));
  ws.send(R"({"op":"subscribe","topic":"events","after":99999999})");
  refused(ws, "events", "invalid_input", "after");
  ws.send(R"({"op":"subscribe","topic":"events","after":)" + std::to_string(head + 1) + "}");
  refused(ws, "events", "invalid_input", "after");
  ws.send(R"({"op":"subscribe","topic":"audit","jurisdiction":"110000","after":99999999})");
  refused(ws, "audit", "invalid_input", "after");
  // audit: a jurisdiction must exist, as for GET /audit?jurisdiction=.
  ws.send(R"({"op":"subscribe","topic":"audit","jurisdiction":"999999"})");
  refused(ws, "audit", "not_found", "jurisdiction");
  ws.send(R"({"op":"subscribe","topic":"audit","jurisdiction":"110000","after":)" + std::to_string(head) + "}");
  EXPECT_EQ(ws.read()->at("type"), "subscribed");
  EXPECT_EQ(ws.read()->at("type"), "live");
  ws.send(R"({"op":"subscribe","topic":"events","after":)" + std::to_string(head) + "}");
  auto subscribed = ws.read();
  ASSERT_TRUE(subscribed);
  EXPECT_EQ(subscribed->at("type"), "subscribed") << json::serialize(*subscribed);
  auto live = ws.read();
  ASSERT_TRUE(live);
  EXPECT_EQ(live->at("type"), "live") << json::serialize(*live);
  EXPECT_EQ(u(live->at("position")), head);
}

// A snapshot larger than the connection's send queue (ws_send_queue, here 4) is sent in pages as
// the queue drains and still ends with "live"; before, the marker was only sent when the whole
// snapshot fitted into the queue at once (the demo's 6,373 interviews never got it).
TEST_F(QueryE2E, InterviewsTopicGoesLiveAfterASnapshotLargerThanTheSendQueue) {
  server_ = std::make_unique<server_process>(kTokens, "[limits]\nws_send_queue = 4");
  for (auto [code, name] : {std::pair{"000000", "全国"}, {"110000", "北京市"}, {"110100", "市辖区"}})
    jurisdiction(code, name);
  constexpr int kCounties = 13;
  for (int i = 1; i <= kCounties; ++i) jurisdiction(std::to_string(110100 + i), "区" + std::to_string(i));
  command("open_campaign", {{"command_id", "camp-1"},
                            {"campaign", 1},
                            {"campaign_name", "百日攻坚"},
                            {"starts_on", china_day(-20)},
                            {"ends_on", china_day(80)},
                            {"bulletin_cadence_days", 15},
                            {"ranking_indicator", "ledger_progress"},
                            {"tie_break_indicator", "standalone_formation_rate"},
                            {"interviews", json::object{{"bottom_n", 0},
                                                        {"bottom_percent", 0},
                                                        {"no_progress_since_last_bulletin", false},
                                                        {"below_target_rate_permille", 0}}}});
  // The workflow issues round 1 (due 5 days ago) on its next tick.
  poll(this, port(), "/api/v1/bulletins?campaign=1",
       [](const json::value& v) { return !v.at("bulletins").as_array().empty(); });
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  for (int i = 1; i <= kCounties; ++i)
    command("schedule_interview", {{"command_id", "iv-" + std::to_string(i)},
                                   {"interview", 1000 + i},
                                   {"campaign", 1},
                                   {"jurisdiction", std::to_string(110100 + i)},
                                   {"responsible_person", "张三"},
                                   {"reasons", json::array{"slow_action"}},
                                   {"round", 1},
                                   {"scheduled_at_ms", now_ms - 3600000},
                                   {"place", "会议室"}});
  caught_up();
  const std::size_t expected = get("/api/v1/interviews?limit=1000").at("interviews").as_array().size();
  ASSERT_GE(expected, static_cast<std::size_t>(kCounties));
  // Quiet projections (the applier's owed checkpoint written): the snapshot alone must end in
  // "live", not a later change that happens to start another read.
  std::this_thread::sleep_for(1s);

  ws_client ws(port(), "t-admin");
  ws.send(R"({"op":"subscribe","topic":"interviews"})");
  auto hello = ws.read();
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->at("type"), "subscribed");
  std::set<std::uint64_t> ids;
  while (ids.size() < expected) {
    auto m = ws.read(5s);
    ASSERT_TRUE(m) << ids.size() << " of " << expected << " interviews";
    ASSERT_EQ(m->at("type"), "interview") << json::serialize(*m);
    EXPECT_TRUE(ids.insert(u(m->at("interview").at("id"))).second) << "sent twice: " << json::serialize(*m);
  }
  // "live" was queued with the last page, before this ping is read (a read with no message due
  // could wait out the client's timeout unnoticed: Asio's blocking read retries after it).
  ws.send(R"({"op":"ping","id":1})");
  auto live = ws.read();
  ASSERT_TRUE(live);
  EXPECT_EQ(live->at("type"), "live") << json::serialize(*live);
  EXPECT_GE(u(live->at("position")), 1u);
  if (live->at("type") == "live") {
    EXPECT_EQ(ws.read()->at("type"), "pong");
  }
  // Then changes only: holding one interview pushes that one.
  command("hold_interview", {{"command_id", "hold-1001"},
                             {"interview", 1001},
                             {"held_at_ms", now_ms},
                             {"answer", "已整改"},
                             {"pledge", "月底前完成"}});
  auto changed = ws.read(15s);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->at("type"), "interview");
  EXPECT_EQ(u(changed->at("interview").at("id")), 1001u);
}

}  // namespace
}  // namespace gongjian::testing
