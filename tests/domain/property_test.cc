// Property: random command sequences (seeded, thousands of commands over a virtual campaign)
//   1. never leave the write model in a state that breaks an invariant, and
//   2. replaying the accepted events — through encode/decode, as the log stores them — into a
//      fresh state reproduces the state exactly.
// The generator draws mostly plausible commands from the ids that exist, so that most rules are
// exercised on both sides; rejected commands must leave the state untouched.

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <algorithm>
#include <set>

#include "builders.h"

namespace gongjian::domain {
namespace {

using namespace testing;

// Recomputes everything the state keeps incrementally and compares.
void expect_invariants(const state& s) {
  std::map<std::uint64_t, std::array<std::uint32_t, 2>> members, formal;
  for (const auto& [id, m] : s.members()) {
    if (m.affiliation == member_affiliation::league) {
      EXPECT_EQ(m.standing, member_standing::formal) << "League member " << id.value << " is probationary";
    }
    if (m.open_transfer.value != 0) {
      const auto* t = s.find_transfer(m.open_transfer);
      ASSERT_NE(t, nullptr);
      EXPECT_EQ(t->status, transfer_status::issued);
      EXPECT_EQ(t->member, id);
    }
    if (m.attached_to.value != 0) {
      EXPECT_TRUE(m.in_org());
    }
    if (!m.in_org()) {
      EXPECT_EQ(m.open_transfer.value, 0u);
      continue;
    }
    ++members[m.org.value][index_of(m.affiliation)];
    if (m.counts_as_formal()) ++formal[m.org.value][index_of(m.affiliation)];
  }
  for (const auto& [id, t] : s.transfers()) {
    if (t.status == transfer_status::issued) {
      EXPECT_EQ(s.find_member(t.member)->open_transfer, id);
    }
  }

  std::map<std::uint64_t, std::uint16_t> coverage;
  for (const auto& [id, b] : s.branches()) {
    if (b.dissolved) {
      EXPECT_TRUE(b.orgs.empty());
      continue;
    }
    EXPECT_FALSE(b.orgs.empty()) << "organization " << id.value << " covers no org";
    if (b.mode == formation_mode::standalone) {
      EXPECT_EQ(b.orgs.size(), 1u);
    }
    if (b.mode == formation_mode::joint) {
      EXPECT_GE(b.orgs.size(), 2u);
    }
    for (auto org : b.orgs) {
      const auto bit = org_record::coverage_bit(b.type, b.mode);
      EXPECT_EQ(coverage[org.value] & bit, 0) << "org " << org.value << " in two organizations of one type and mode";
      coverage[org.value] |= bit;
    }
  }

  std::uint64_t in_scope = 0;
  std::array<std::uint64_t, 2> should_form{};
  for (const auto& [id, org] : s.orgs()) {
    EXPECT_EQ(org.members[0], members[id.value][0]) << id.value;
    EXPECT_EQ(org.members[1], members[id.value][1]) << id.value;
    EXPECT_EQ(org.formal_members[0], formal[id.value][0]) << id.value;
    EXPECT_EQ(org.formal_members[1], formal[id.value][1]) << id.value;
    EXPECT_EQ(org.coverage, coverage[id.value]) << id.value;
    EXPECT_LE(org.survey_steps_completed, 4u);
    if (org.removed) {
      EXPECT_EQ(org.open_targets, 0u);
      EXPECT_EQ(org.coverage, 0u);
    } else {
      ++in_scope;
    }
    for (auto a : {member_affiliation::party, member_affiliation::league}) {
      if (org.should_form_not_formed(a)) ++should_form[index_of(a)];
    }
  }
  EXPECT_EQ(s.orgs_in_scope(), in_scope);
  EXPECT_EQ(s.should_form_not_formed(member_affiliation::party), should_form[0]);
  EXPECT_EQ(s.should_form_not_formed(member_affiliation::league), should_form[1]);

  std::map<std::pair<std::uint64_t, int>, int> open_per_org_type;
  for (const auto& [id, t] : s.targets()) {
    const auto* org = s.find_org(t.org);
    ASSERT_NE(org, nullptr);
    if (t.status == target_status::open) {
      const std::pair<std::uint64_t, int> key{t.org.value, static_cast<int>(t.type)};
      EXPECT_EQ(++open_per_org_type[key], 1);
      EXPECT_TRUE(org->has_open_target(t.type));
      EXPECT_FALSE(org->covered_by(t.type)) << "target " << id.value << " open for a covered org";
      EXPECT_EQ(s.open_target(t.org, t.type), id);
    }
  }
  for (const auto& [id, org] : s.orgs()) {
    for (int type = 0; type < 4; ++type) {
      EXPECT_EQ(org.has_open_target(static_cast<organization_type>(type)),
                open_per_org_type.contains({id.value, type}));
    }
  }

  for (const auto& [id, i] : s.instructors()) {
    if (i.active) {
      EXPECT_FALSE(i.orgs.empty());
    }
  }
  for (const auto& [id, i] : s.interviews()) {
    if (!i.items_done.empty()) {
      EXPECT_NE(i.status, interview_status::scheduled);
    }
    if (i.status == interview_status::rectifying) {
      EXPECT_FALSE(i.items_done.empty());
    }
    const auto* c = s.find_campaign(i.campaign);
    ASSERT_NE(c, nullptr);
    EXPECT_LE(i.round.value, c->last_round);
  }
}

class generator {
 public:
  explicit generator(std::uint64_t seed) : rng_(seed) {}

  template <class T>
  T pick(const std::vector<T>& from) {
    return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng_)];
  }
  int below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool chance(int percent) { return below(100) < percent; }

  // A random key of `map` whose value satisfies `pred`, or `fallback` when none does.
  template <class Map, class Pred>
  typename Map::key_type any_of(const Map& map, Pred pred, typename Map::key_type fallback) {
    std::vector<typename Map::key_type> keys;
    for (const auto& [key, value] : map) {
      if (pred(key, value)) keys.push_back(key);
    }
    if (keys.empty()) return fallback;
    std::sort(keys.begin(), keys.end());  // independent of the hash map's iteration order
    return pick(keys);
  }

  // Mostly an id that exists, sometimes one that does not (to exercise not_found).
  std::uint64_t some(std::uint64_t next) { return chance(95) && next > 1 ? 1 + below(static_cast<int>(next - 1)) : next + 5; }

  command next(const scenario& t) {
    const date today = china_date_of(t.ctx.now_ms);
    const jurisdiction_code offices[] = {hubin_office, qingbo_office, xihu_office};
    const char* trades[] = {"F5221 零售", "F5137 服装批发", "I6510 软件"};
    const auto org = organization_id{some(next_org_)};
    const auto member = member_id{some(next_member_)};
    const auto branch = branch_id{some(next_branch_)};
    const auto type = static_cast<organization_type>(chance(70) ? below(2) : below(4));
    const auto affiliation = chance(60) ? member_affiliation::party : member_affiliation::league;
    switch (below(28)) {
      case 0:
      case 1:
      case 2: {
        auto c = register_org(next_org_++, offices[below(3)], trades[below(3)],
                              chance(10) ? org_kind::specialized_market : org_kind::small_micro_enterprise);
        c.registered_on = today;
        return c;
      }
      case 3:
      case 4:
      case 5:
      case 6: {
        auto c = record(chance(90) ? next_member_++ : member.value, org.value, affiliation,
                        affiliation == member_affiliation::party && chance(20) ? member_standing::probationary
                                                                               : member_standing::formal,
                        static_cast<member_status>(below(5)));
        c.admitted_on = add_days(today, -400 - below(300));
        c.recorded_on = today;
        return c;
      }
      case 7:
        return commands::disclose_member_identity{member, today};
      case 8:
        return commands::develop_member{member_id{next_member_++}, org, affiliation, "新党员", std::nullopt,
                                        add_days(today, -below(400))};
      case 9:
        return commands::make_member_formal{member, today};
      case 10:
        return commands::record_member_left{member, leaving_reason::changed_job, today};
      case 11: {
        if (chance(40)) {
          // An org that should form its own organization (应建未建) does.
          const auto eligible = any_of(
              t.s.orgs(), [&](auto, const org_record& o) { return o.should_form_not_formed(affiliation); }, org);
          auto c = form(next_branch_++, organization_type_of(affiliation), formation_mode::standalone, {eligible.value});
          c.formed_on = today;
          return c;
        }
        if (chance(50)) {
          // Small orgs of one county form jointly (联合组建).
          std::vector<std::uint64_t> orgs;
          const auto wanted = organization_type_of(affiliation);
          for (int i = 0; i < 3; ++i) {
            orgs.push_back(any_of(
                               t.s.orgs(),
                               [&](organization_id id, const org_record& o) {
                                 return !o.removed && !o.eligible(affiliation) &&
                                        !o.covered_by(wanted, formation_mode::joint) &&
                                        std::find(orgs.begin(), orgs.end(), id.value) == orgs.end() &&
                                        t.s.county_of(o.office) == *t.s.index_of_jurisdiction(shangcheng);
                               },
                               org)
                               .value);
          }
          auto c = form(next_branch_++, wanted, formation_mode::joint, orgs);
          c.formed_on = today;
          return c;
        }
        std::vector<std::uint64_t> orgs{org.value};
        const auto mode = static_cast<formation_mode>(below(4));
        if (mode != formation_mode::standalone) {
          for (int i = 0, n = 1 + below(3); i < n; ++i) orgs.push_back(some(next_org_));
        }
        auto c = form(next_branch_++, type, mode, orgs);
        c.formed_on = today;
        if (mode == formation_mode::affiliated) c.host = host_id{some(next_host_)};
        if (mode == formation_mode::industry) {
          c.channel = industry_channel::chamber_of_commerce;
          c.channel_name = "商会";
        }
        return c;
      }
      case 12: {
        const auto to = any_of(
            t.s.branches(),
            [](auto, const branch_record& b) { return !b.dissolved && b.mode != formation_mode::standalone; }, branch);
        return commands::add_orgs_to_organization{to, {organization_id{some(next_org_)}}, today};
      }
      case 13: {
        const auto from = any_of(
            t.s.branches(), [](auto, const branch_record& b) { return !b.dissolved && b.orgs.size() > 1; }, branch);
        const auto* b = t.s.find_branch(from);
        return commands::remove_orgs_from_organization{from, {b && !b->orgs.empty() ? pick(b->orgs) : org}, "调整", today};
      }
      case 14:
        return commands::dissolve_organization{branch, "撤销", today};
      case 15:
        return commands::designate_formation_target{target_id{next_target_++}, org, type, formation_mode::standalone,
                                                    add_days(today, 30), "负责人", today};
      case 16:
        return commands::record_target_reason{target_id{some(next_target_)}, no_organization_reason::other, "", today};
      case 17: {
        const auto mover = any_of(
            t.s.members(), [](auto, const member_record& m) { return m.in_org() && m.open_transfer.value == 0; }, member);
        const auto m = t.s.find_member(mover);
        const auto to = m ? any_of(
                                t.s.branches(),
                                [&](auto, const branch_record& b) {
                                  return !b.dissolved && b.type == organization_type_of(m->affiliation);
                                },
                                branch)
                          : branch;
        return commands::issue_transfer_letter{transfer_id{next_transfer_++}, mover, "外地党支部", to,
                                               m && chance(90) ? m->standing : member_standing::formal, today, today,
                                               add_days(today, 5 + below(100))};
      }
      case 26:
        return commands::issue_transfer_letter{transfer_id{next_transfer_++}, member, "外地党支部", branch,
                                               chance(80) ? member_standing::formal : member_standing::probationary,
                                               today, today, add_days(today, 5 + below(100))};
      case 18: {
        const auto transfer = chance(80) ? any_of(
                                               t.s.transfers(),
                                               [](auto, const transfer_record& r) {
                                                 return r.status == transfer_status::issued;
                                               },
                                               transfer_id{some(next_transfer_)})
                                         : transfer_id{some(next_transfer_)};
        switch (below(5)) {
          case 0: return commands::receive_transfer_letter{transfer, today};
          case 1: return commands::reject_transfer_letter{transfer, "不符合", today};
          case 2: return commands::revoke_transfer_letter{transfer, "撤回", today};
          case 3: return commands::expire_transfer_letter{transfer};
          default: return commands::reissue_transfer_letter{transfer, transfer_id{next_transfer_++}, today, add_days(today, 30)};
        }
      }
      case 19: {
        const auto mover = any_of(
            t.s.members(), [](auto, const member_record& m) { return m.in_org() && m.open_transfer.value == 0; }, member);
        const auto m = t.s.find_member(mover);
        const auto to = m ? any_of(
                                t.s.branches(),
                                [&](auto, const branch_record& b) {
                                  return !b.dissolved && b.type == organization_type_of(m->affiliation);
                                },
                                branch)
                          : branch;
        return commands::complete_transfer_by_certificate{transfer_id{next_transfer_++}, mover, to,
                                                          certificate_issuer::village_committee, "某村", "证1", today};
      }
      case 27:
        return commands::complete_transfer_by_certificate{transfer_id{next_transfer_++}, member, branch,
                                                          certificate_issuer::village_committee, "某村", "证1", today};
      case 20: {
        const auto who = any_of(
            t.s.members(),
            [&](auto, const member_record& m) {
              return m.in_org() && m.attached_to.value == 0 &&
                     !t.s.find_org(m.org)->covered_by(organization_type_of(m.affiliation));
            },
            member);
        const auto m = t.s.find_member(who);
        const auto to = m ? any_of(
                                t.s.branches(),
                                [&](auto, const branch_record& b) {
                                  return !b.dissolved && b.type == organization_type_of(m->affiliation);
                                },
                                branch)
                          : branch;
        return commands::attach_member_nearby{who, to, today};
      }
      case 21:
        if (chance(50)) {
          return commands::assign_instructor{instructor_id{chance(60) ? next_instructor_++ : some(next_instructor_)},
                                             "指导员", affiliation, instructor_source::market_regulation_staff,
                                             {org}, today};
        }
        return commands::release_instructor{instructor_id{some(next_instructor_)}, "", today};
      case 22: {
        const auto k = below(4);
        if (k == 0) return commands::remove_organization{org, removal_reason::shell, "", today};
        if (k == 1) return commands::complete_survey_step{org, static_cast<survey_step>(below(4)), today};
        commands::correct_organization_details c;
        c.org = org;
        c.trade = trades[below(3)];
        c.corrected_on = today;
        return c;
      }
      case 23:
        return commands::register_host{host_id{next_host_++}, chance(50) ? host_kind::village_or_community
                                                                         : host_kind::private_business_association,
                                       "社区", offices[below(3)], std::nullopt, {type}};
      case 24: {
        const auto* campaign = t.s.find_campaign(campaign_id{1});
        const std::uint32_t round = campaign ? campaign->last_round + 1 : 1;
        return commands::issue_bulletin{campaign_id{1}, bulletin_round{round}, today, 1, {}};
      }
      default: {
        const auto k = below(6);
        // Mostly the interview whose next step it is.
        const interview_status wanted[] = {interview_status::scheduled, interview_status::scheduled,
                                           interview_status::held,      interview_status::rectifying,
                                           interview_status::rectifying, interview_status::held};
        const auto interview = chance(80) ? any_of(
                                                t.s.interviews(),
                                                [&](auto, const interview_record& r) { return r.status == wanted[k]; },
                                                interview_id{some(next_interview_)})
                                          : interview_id{some(next_interview_)};
        switch (k) {
          case 0: {
            const jurisdiction_code where[] = {shangcheng, xihu, hubin_office, zhejiang};
            return commands::schedule_interview{interview_id{next_interview_++}, campaign_id{1}, where[below(4)], "局长",
                                                {interview_reason::ranked_last}, bulletin_round{1u + static_cast<std::uint32_t>(below(4))},
                                                t.ctx.now_ms, "会议室"};
          }
          case 1: return commands::hold_interview{interview, t.ctx.now_ms, "答复", "表态"};
          case 2:
            return commands::set_rectification_items{
                interview, {rectification_item{"问题", "要求", today}, rectification_item{"问题2", "要求2", today}}};
          case 3: return commands::complete_rectification_item{interview, static_cast<std::uint32_t>(below(3)), today};
          case 4: return commands::close_interview{interview, "结论", today};
          default: return commands::escalate_interview{interview, "逾期", today};
        }
      }
    }
  }

 private:
  std::mt19937_64 rng_;
  std::uint64_t next_org_ = 1, next_member_ = 1, next_branch_ = 1, next_target_ = 1, next_transfer_ = 1,
                next_instructor_ = 1, next_host_ = 1, next_interview_ = 1;
};

class random_commands : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(random_commands, keep_invariants_and_replay_exactly) {
  scenario t;
  t.set_today("2016-07-01");
  t.jurisdictions();
  t.campaign();
  generator g(GetParam());
  std::map<std::string, int> accepted;
  constexpr int commands_per_seed = 4000;
  for (int i = 0; i < commands_per_seed; ++i) {
    if (i % 40 == 39) t.ctx.now_ms += 86'400'000;  // a day passes every 40 commands (100 days)
    const command c = g.next(t);
    const state before = t.s;
    const auto r = t.run(c);
    if (!r) {
      ASSERT_TRUE(t.s == before) << "a rejected command changed the state";
      ASSERT_FALSE(r.error().code.empty());
      continue;
    }
    ++accepted[std::string(name_of(c))];
    if (i % 100 == 0) {
      expect_invariants(t.s);
      if (::testing::Test::HasFailure()) FAIL() << "after command " << i << " (" << name_of(c) << ")";
    }
  }
  expect_invariants(t.s);

  // Most kinds of command must have been accepted at least once, or the test proves little.
  int total = 0;
  std::string kinds;
  for (const auto& [name, n] : accepted) {
    total += n;
    kinds += name + "=" + std::to_string(n) + " ";
  }
  RecordProperty("accepted", kinds);
  EXPECT_GE(accepted.size(), 30u) << kinds;
  EXPECT_GE(total, commands_per_seed / 5);

  // Replay through the codec, as the event store would.
  state replayed;
  for (const auto& e : t.log) {
    const auto encoded = encode(e);
    const auto decoded = decode(encoded.type, encoded.schema_version, encoded.payload);
    ASSERT_TRUE(decoded.has_value()) << encoded.type;
    ASSERT_EQ(*decoded, e);
    apply(replayed, *decoded);
  }
  EXPECT_TRUE(replayed == t.s) << "replaying " << t.log.size() << " events gave another state";
}

INSTANTIATE_TEST_SUITE_P(seeds, random_commands, ::testing::Values(1u, 2u, 3u, 20160629u, 129u));

}  // namespace
}  // namespace gongjian::domain
