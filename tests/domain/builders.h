#pragma once
// Builders for domain scenarios: a `scenario` owns a state and a decision context, runs commands
// through decide + apply, and keeps the events; free functions build commands with sensible
// defaults so a test spells out only what it is about.
//
// The standard jurisdiction tree (jurisdictions()):
//   000000 全国 → 330000 浙江省 → 330100 杭州市 → 330102 上城区 → offices 330102001, 330102002
//                                               → 330106 西湖区 → office 330106001

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "gongjian/domain/apply.h"
#include "gongjian/domain/codec.h"
#include "gongjian/domain/commands.h"
#include "gongjian/domain/decide.h"
#include "gongjian/domain/events.h"
#include "gongjian/domain/state.h"

namespace gongjian::domain::testing {

inline date day(const char* iso) {
  const auto parsed = parse_date(iso);
  EXPECT_TRUE(parsed.has_value()) << iso;
  return parsed.value_or(date{});
}

// 10:00 China time on a day, as Unix ms.
inline std::int64_t ms_at(date d, int hour = 10) {
  return static_cast<std::int64_t>(d.days_since_epoch) * 86'400'000 + (hour - 8) * 3'600'000LL;
}

inline const jurisdiction_code national{"000000"};
inline const jurisdiction_code zhejiang{"330000"};
inline const jurisdiction_code hangzhou{"330100"};
inline const jurisdiction_code shangcheng{"330102"};
inline const jurisdiction_code xihu{"330106"};
inline const jurisdiction_code hubin_office{"330102001"};
inline const jurisdiction_code qingbo_office{"330102002"};
inline const jurisdiction_code xihu_office{"330106001"};

// A valid unified social credit code for a test org: enterprise (9, 1), the office's county, an
// organization code "MA" + 7 digits, and the GB 32100 check character.
inline std::string credit_code_for(std::uint64_t n, const std::string& county = "330102") {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%07llu", static_cast<unsigned long long>(n % 10'000'000));
  std::string code = "91" + county + "MA" + digits;
  code += social_credit_check_character(code);
  return code;
}

inline commands::register_organization register_org(std::uint64_t id, jurisdiction_code office = hubin_office,
                                                    std::string trade = "F5221 零售",
                                                    org_kind kind = org_kind::small_micro_enterprise) {
  commands::register_organization c;
  c.org = organization_id{id};
  c.kind = kind;
  c.org_name = "杭州测试商贸有限公司" + std::to_string(id);
  c.social_credit_code = credit_code_for(id, office.value.substr(0, 6));
  c.trade = std::move(trade);
  c.office = std::move(office);
  c.address = "浙江省杭州市上城区延安路" + std::to_string(id) + "号";
  c.employees = 12;
  c.owner = owner_identity::neither;
  c.management_relationship = "属地管理";
  c.has_activity_venue = true;
  c.registered_on = day("2016-07-05");
  return c;
}

inline commands::record_member record(std::uint64_t member, std::uint64_t org,
                                      member_affiliation affiliation = member_affiliation::party,
                                      member_standing standing = member_standing::formal,
                                      member_status status = member_status::active) {
  commands::record_member c;
  c.member = member_id{member};
  c.org = organization_id{org};
  c.affiliation = affiliation;
  c.standing = standing;
  c.status = status;
  c.member_name = "张三" + std::to_string(member);
  c.relationship_held_at = "杭州市上城区湖滨街道党工委";
  c.admitted_on = day("2010-07-01");
  c.recorded_on = day("2016-07-10");
  return c;
}

inline commands::form_organization form(std::uint64_t branch, organization_type type, formation_mode mode,
                                        std::vector<std::uint64_t> orgs) {
  commands::form_organization c;
  c.branch = branch_id{branch};
  c.branch_type = type;
  c.mode = mode;
  c.branch_name = "测试党支部" + std::to_string(branch);
  for (auto o : orgs) c.orgs.push_back(organization_id{o});
  c.formed_on = day("2016-07-20");
  return c;
}

class scenario {
 public:
  state s;
  decision_context ctx;
  std::vector<event> log;

  scenario() { ctx.now_ms = ms_at(day("2016-08-01")); }

  void set_today(const char* iso) { ctx.now_ms = ms_at(day(iso)); }

  result<std::vector<event>, rejection> run(const command& c) {
    auto r = decide(s, c, ctx);
    if (r) {
      for (const auto& e : *r) {
        apply(s, e);
        log.push_back(e);
      }
    }
    return r;
  }

  // Runs a command that must be accepted; returns its events.
  std::vector<event> ok(const command& c) {
    auto r = run(c);
    if (!r) {
      ADD_FAILURE() << name_of(c) << " rejected: " << r.error().code << " (" << r.error().field
                    << "): " << r.error().message;
      return {};
    }
    return *r;
  }

  // Runs a command that must be rejected; returns the rejection's code (or "accepted").
  std::string code_of(const command& c) {
    auto r = run(c);
    if (r) return "accepted";
    return r.error().code;
  }
  rejection rejection_of(const command& c) {
    auto r = run(c);
    if (r) {
      ADD_FAILURE() << name_of(c) << " was accepted";
      return {};
    }
    return r.error();
  }

  void jurisdictions() {
    const std::pair<jurisdiction_code, const char*> tree[] = {
        {national, "全国"},          {zhejiang, "浙江省"},        {hangzhou, "杭州市"},
        {shangcheng, "上城区"},      {xihu, "西湖区"},            {hubin_office, "湖滨市场监管所"},
        {qingbo_office, "清波市场监管所"}, {xihu_office, "北山市场监管所"}};
    for (const auto& [code, name] : tree) ok(commands::register_jurisdiction{code, name});
  }

  organization_id org(std::uint64_t id, jurisdiction_code office = hubin_office, std::string trade = "F5221 零售",
                      org_kind kind = org_kind::small_micro_enterprise) {
    ok(register_org(id, std::move(office), std::move(trade), kind));
    return organization_id{id};
  }

  // Records `n` members in an org with fresh ids.
  void members(std::uint64_t org, int n, member_affiliation affiliation = member_affiliation::party,
               member_standing standing = member_standing::formal, member_status status = member_status::active) {
    for (int i = 0; i < n; ++i) ok(record(next_member_++, org, affiliation, standing, status));
  }

  std::uint64_t next_member() const { return next_member_; }

  // A campaign (id 1) opened on 2016-07-01 for 100 days, bulletins every 15 days.
  void campaign() {
    commands::open_campaign c;
    c.campaign = campaign_id{1};
    c.campaign_name = "小微企业个体工商户专业市场党团组织覆盖“百日攻坚”行动";
    c.starts_on = day("2016-07-01");
    c.ends_on = day("2016-10-31");
    ok(c);
  }

 private:
  std::uint64_t next_member_ = 1000;
};

}  // namespace gongjian::domain::testing
