// The demo campaign's simulation (see demo.h and docs/demo.md).
//
// How it works: the constructor lays out the campaign's world from the seed: offices under every
// county, organizations spread over them (mostly individual businesses and small and micro
// enterprises, a few specialized markets) with trades, sizes and the Party and League members in
// them, and a pace for every province, city and county. step_day() then plays one day: it looks at
// the domain state (the same write model `decide` uses) to see what may be done next (a member
// who can disclose, an org with three formal members and no organization, orgs that can form a
// joint one, ...), draws whether it is done today (the chance scales with the local pace, so
// provinces progress differently and the rankings have something to rank), and sends the
// command through `decide`. Accepted commands are applied to the state and handed to the sink;
// a rejection is recorded and means the generator asked for something the rules forbid.
//
// Determinism: one rng for the world, one for the days, both from the seed; every loop runs in a
// fixed order (counties in code order, orgs by id, members by id); command ids and timestamps come
// from counters. Nothing reads a clock or iterates an unordered container.

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <utility>

#include "demo/names.h"
#include "demo/random.h"
#include "gongjian/domain/apply.h"
#include "gongjian/domain/decide.h"
#include "gongjian/server/demo.h"

namespace gongjian::server::demo {
namespace {

using namespace domain;
namespace cmd = domain::commands;

constexpr std::int64_t ms_per_day = 86'400'000;
constexpr std::int64_t china_offset_ms = 8 * 3'600'000;
// Field work starts at 08:30 China time; commands of one day are spaced 150 ms apart after that,
// and never spill past 23:59:59.999 of the day (a very large demo stamps the rest at that instant).
constexpr std::int64_t workday_start_ms = 8 * 3'600'000 + 30 * 60'000;
constexpr std::int64_t command_spacing_ms = 150;

constexpr std::size_t party = 0;
constexpr std::size_t league = 1;
constexpr std::array<member_affiliation, 2> affiliations{member_affiliation::party, member_affiliation::league};

constexpr int never = 1 << 30;  // a day index no simulation reaches

struct actor_ref {
  std::string user;
  std::string role;
  std::string jurisdiction;
};

struct office_world {
  std::string code;
  std::string name;  // full: <county><town stem>市场监管所
  std::string stem;  // the town stem, for names of joint organizations
  std::uint32_t county = 0;
};

struct host_world {
  host_id id;
  std::string name;
  std::uint8_t types = 0;  // bit per organization_type that the host has
};

struct county_world {
  std::string code;
  std::string name;
  std::string city_name;
  std::string province_name;
  std::uint32_t province = 0;
  double pace = 1;
  double weight = 1;  // share of orgs
  std::vector<std::uint32_t> offices;
  std::vector<std::uint64_t> orgs;  // org ids, ascending
  std::vector<host_world> hosts;
  std::vector<std::uint64_t> markets;  // specialized market org ids
  std::array<std::vector<branch_id>, 2> branches;  // Party / League organizations formed here
};

struct member_plan {
  member_id id;
  member_affiliation affiliation = member_affiliation::party;
  member_standing standing = member_standing::formal;
  member_status status = member_status::hidden;
  date admitted_on;
  bool recorded = false;
};

struct org_world {
  organization_id id;
  std::uint32_t office = 0;
  std::uint32_t county = 0;
  org_kind kind = org_kind::individual_business;
  std::uint32_t trade = 0;
  std::string name;
  std::uint32_t employees = 1;
  date registered_on;
  std::array<int, 4> survey_day{never, never, never, never};
  bool shell = false;              // found to be a shell at screening, removed from the base
  bool baseline_party = false;     // had its own Party organization before the campaign
  bool baseline_league = false;
  bool baseline_union = false;
  std::vector<member_plan> members;
  std::array<branch_id, 4> branch_of{};  // the organization of each type covering the org, if any
  std::array<bool, 2> instructor{};      // an instructor was assigned (Party / League)
  bool removed = false;
};

struct interview_world {
  interview_id id;
  std::string jurisdiction;
  std::int64_t scheduled_at_ms = 0;
  double pace = 1;  // of the jurisdiction: how fast it works off its rectification list
  bool league = false;  // called by the League ranking: the League committee above runs it
};

struct transfer_plan {
  transfer_id id;
  member_id member;
  std::uint64_t org = 0;
  enum class outcome : std::uint8_t { receive, reject, revoke, expire, reissue } what = outcome::receive;
  date valid_until;
};

date to_date(std::int64_t days_since_epoch) { return date{static_cast<std::int32_t>(days_since_epoch)}; }

std::string branch_suffix(organization_type type, std::uint32_t formal, const policy& rules) {
  switch (scale_of(type, formal, rules)) {
    case organization_scale::committee: return type == organization_type::party ? "党委" : "团委";
    case organization_scale::general_branch: return type == organization_type::party ? "党总支" : "团总支";
    case organization_scale::branch: return type == organization_type::party ? "党支部" : "团支部";
    case organization_scale::mass_organization: return type == organization_type::trade_union ? "工会" : "妇委会";
  }
  return "党支部";
}

}  // namespace

struct campaign_generator::impl {
  const geography& geo;
  options opts;
  rng world_rng;
  rng day_rng;
  domain::state st;
  decision_context ctx;
  campaign_id campaign{1};

  std::vector<county_world> counties;
  std::vector<office_world> offices;
  std::vector<org_world> orgs;  // org id N at index N - 1
  std::vector<std::uint64_t> member_org;  // member id N's org id at index N - 1
  std::map<int, std::vector<transfer_plan>> transfers_due;  // day -> transfers to settle
  std::vector<interview_world> interviews;                  // in the order the workflow scheduled them

  std::uint64_t next_member = 1, next_branch = 1, next_transfer = 1, next_instructor = 1, next_target = 1;
  std::uint64_t next_host = 1;
  std::uint64_t sequence = 0;
  std::uint64_t command_count = 0, event_count = 0;
  std::uint32_t day_index = 0;  // days simulated so far
  std::int64_t day_start_ms = 0;  // 00:00 China time of the current day, as Unix ms
  std::int64_t commands_today = 0;
  std::int64_t spacing_ms = command_spacing_ms;  // between today's commands
  std::vector<rejected_command> rejected;

  impl(const geography& g, const options& o)
      : geo(g), opts(o), world_rng(o.seed ^ 0x5EED0F0F0F0F0F0Full), day_rng(o.seed * 0x9E3779B97F4A7C15ull + 1) {
    if (opts.days < 2) opts.days = 2;
    lay_out_world();
    set_day(0);
  }

  date start() const { return opts.start; }
  date day_date(int d) const { return add_days(opts.start, d); }
  date end_date() const { return day_date(static_cast<int>(opts.days) - 1); }

  void set_day(std::uint32_t d) {
    day_start_ms = static_cast<std::int64_t>(day_date(static_cast<int>(d)).days_since_epoch) * ms_per_day - china_offset_ms;
    commands_today = 0;
    spacing_ms = command_spacing_ms;
  }

  std::int64_t stamp() const {
    return std::min(day_start_ms + workday_start_ms + commands_today * spacing_ms, day_start_ms + ms_per_day - 1);
  }

  // Day 0 carries the tree, the whole business registry with the pre-campaign organizations and
  // the campaign's set-up: at 150 ms apart until about 11:40 for the default 30,000 orgs, but past
  // midnight for a very large demo. Then day 0's commands are spaced closer (down to 1 ms) so
  // that they still end within the day. An upper bound of the count is enough.
  std::int64_t day0_spacing() const {
    std::uint64_t n = 2 + geo.provinces.size() + geo.city_count() + counties.size() + offices.size();  // tree, campaign
    n += 2 * (geo.provinces.size() + geo.city_count() + counties.size());  // leaders, plans at most
    n += 4 * counties.size();                                              // hosts, at most
    for (const auto& o : orgs) {
      n += 1 + (o.baseline_party ? 1 : 0) + (o.baseline_league ? 1 : 0) + (o.baseline_union ? 1 : 0);
      for (const auto& m : o.members) {
        if (m.affiliation == member_affiliation::party ? o.baseline_party : o.baseline_league) ++n;
      }
    }
    const std::int64_t room = ms_per_day - 1 - workday_start_ms;
    return std::clamp<std::int64_t>(room / static_cast<std::int64_t>(n), 1, command_spacing_ms);
  }

  // ------------------------------------------------------------------------------------------
  // The world
  // ------------------------------------------------------------------------------------------

  void lay_out_world() {
    rng& r = world_rng;
    // Pace: provinces differ most, cities and counties a little around their province.
    for (std::uint32_t p = 0; p < geo.provinces.size(); ++p) {
      const auto& prov = geo.provinces[p];
      const double province_pace = std::clamp(r.lognormal(1.0, 0.45), 0.35, 2.2);
      for (const auto& c : prov.cities) {
        const double city_pace = province_pace * std::clamp(r.lognormal(1.0, 0.2), 0.6, 1.6);
        for (const auto& k : c.counties) {
          county_world cw;
          cw.code = k.code;
          cw.name = k.name;
          cw.city_name = c.name;
          cw.province_name = prov.name;
          cw.province = p;
          cw.pace = std::clamp(city_pace * r.lognormal(1.0, 0.2), 0.25, 3.0);
          // Urban districts (区) hold more businesses than rural counties.
          const bool district = k.name.ends_with("区");
          cw.weight = (district ? 2.5 : 1.0) * r.lognormal(1.0, 0.5);
          lay_out_offices(cw, k, static_cast<std::uint32_t>(counties.size()));
          counties.push_back(std::move(cw));
        }
      }
    }
    lay_out_orgs();
  }

  void lay_out_offices(county_world& cw, const county& k, std::uint32_t county_index) {
    rng& r = world_rng;
    // An office usually serves several towns: about one for every five, one to three per county,
    // each named after a real town of the county (the first of the towns it serves).
    std::vector<town> chosen;
    if (!k.towns.empty()) {
      const std::size_t count = std::clamp<std::size_t>((k.towns.size() + 2) / 5, 1, 3);
      std::vector<std::size_t> idx(k.towns.size());
      std::iota(idx.begin(), idx.end(), 0);
      for (std::size_t i = 0; i < count; ++i) std::swap(idx[i], idx[i + r.below(idx.size() - i)]);
      idx.resize(count);
      std::sort(idx.begin(), idx.end());
      for (auto i : idx) chosen.push_back(k.towns[i]);
    } else {
      static constexpr std::array<std::string_view, 4> quarters{"城东", "城西", "城南", "城北"};
      const std::size_t count = 1 + r.below(quarters.size());
      for (std::size_t i = 0; i < count; ++i) {
        chosen.push_back(town{"00" + std::to_string(i + 1), std::string(quarters[i])});
      }
    }
    for (const auto& t : chosen) {
      office_world o;
      o.code = k.code + t.number;
      o.stem = town_stem(t.name);
      o.name = k.name + o.stem + "市场监管所";
      o.county = county_index;
      cw.offices.push_back(static_cast<std::uint32_t>(offices.size()));
      offices.push_back(std::move(o));
    }
  }

  void lay_out_orgs() {
    rng& r = world_rng;
    std::vector<double> cumulative;
    double total = 0;
    for (const auto& c : counties) cumulative.push_back(total += c.weight);
    const auto trade_list = trades();
    std::vector<double> individual_weights, enterprise_weights;
    for (const auto& t : trade_list) {
      individual_weights.push_back(t.individual_weight);
      enterprise_weights.push_back(t.enterprise_weight);
    }
    const auto market_list = markets();
    const date campaign_eve = add_days(start(), -1);

    orgs.reserve(opts.orgs);
    for (std::uint32_t i = 0; i < opts.orgs; ++i) {
      org_world o;
      o.id = organization_id{i + 1};
      const double x = r.unit() * total;
      o.county = static_cast<std::uint32_t>(std::upper_bound(cumulative.begin(), cumulative.end(), x) - cumulative.begin());
      if (o.county >= counties.size()) o.county = static_cast<std::uint32_t>(counties.size() - 1);
      county_world& cw = counties[o.county];
      o.office = cw.offices[r.below(cw.offices.size())];
      const double kind_draw = r.unit();
      o.kind = kind_draw < 0.62 ? org_kind::individual_business
               : kind_draw < 0.993 ? org_kind::small_micro_enterprise
                                   : org_kind::specialized_market;
      const std::string short_county = cw.name;
      std::size_t market_kind = 0;
      switch (o.kind) {
        case org_kind::individual_business: {
          o.trade = static_cast<std::uint32_t>(r.weighted(std::span<const double>(individual_weights)));
          const auto& t = trade_list[o.trade];
          o.employees = std::min<std::uint32_t>(30, 1 + static_cast<std::uint32_t>(r.lognormal(1.6, 0.8)));
          const std::string distinct = r.chance(0.4) ? person_name(r).substr(0, 3) + "记" : brand(r);
          o.name = short_county + distinct + std::string(r.pick(t.shop_words));
          o.registered_on = to_date(r.between(date_from_ymd(2003, 1, 1).days_since_epoch, campaign_eve.days_since_epoch));
          break;
        }
        case org_kind::small_micro_enterprise: {
          o.trade = static_cast<std::uint32_t>(r.weighted(std::span<const double>(enterprise_weights)));
          const auto& t = trade_list[o.trade];
          o.employees = std::clamp<std::uint32_t>(static_cast<std::uint32_t>(r.lognormal(t.enterprise_median_employees, 0.9)), 3, 290);
          // Prefecture cities named 市 prefix their firms' names; autonomous prefectures and
          // leagues usually use the county's name instead.
          const std::string place = cw.city_name.ends_with("市") ? cw.city_name : short_county;
          o.name = place + brand(r) + std::string(t.enterprise_word) + "有限公司";
          o.registered_on = to_date(r.between(date_from_ymd(1998, 1, 1).days_since_epoch, campaign_eve.days_since_epoch));
          break;
        }
        case org_kind::specialized_market: {
          market_kind = r.below(market_list.size());
          o.trade = static_cast<std::uint32_t>(market_list[market_kind].trade);
          o.employees = static_cast<std::uint32_t>(r.between(40, 400));
          o.name = short_county + offices[o.office].stem + std::string(market_list[market_kind].name_word);
          o.registered_on = to_date(r.between(date_from_ymd(1995, 1, 1).days_since_epoch, campaign_eve.days_since_epoch));
          cw.markets.push_back(o.id.value);
          break;
        }
      }
      // Every org is registered from the business registry on day 0, before the campaign opens
      // (set_up). The survey works through the registry in four batches, in registration order,
      // the first from day 1: investigated after a wait that shrinks with the pace, then one step
      // every few days.
      const int survey_batch =
          static_cast<int>(static_cast<std::uint64_t>(i) * 4 / std::max<std::uint32_t>(1, opts.orgs));
      const double pace = cw.pace;
      int d = survey_batch + 1 + static_cast<int>(-std::log(1.0 - r.unit()) * 14.0 / pace);
      for (int step = 0; step < 4; ++step) {
        o.survey_day[static_cast<std::size_t>(step)] = d;
        d += 1 + static_cast<int>(-std::log(1.0 - r.unit()) * 4.0 / pace);
      }
      o.shell = o.kind != org_kind::specialized_market && r.chance(0.015);
      plan_members(o, trade_list[o.trade]);
      cw.orgs.push_back(o.id.value);
      orgs.push_back(std::move(o));
    }
  }

  void plan_members(org_world& o, const trade_profile& t) {
    rng& r = world_rng;
    const double spread = r.lognormal(1.0, 0.6);
    auto count = [&](double rate, std::uint32_t cap) {
      std::uint32_t n = 0;
      const double p = std::min(0.9, rate * spread);
      for (std::uint32_t e = 0; e < std::min<std::uint32_t>(o.employees, 400); ++e) n += r.chance(p) ? 1 : 0;
      return std::min(n, cap);
    };
    // Markets' operators and their stall keepers' representatives: more members than a shop.
    const double boost = o.kind == org_kind::specialized_market ? 1.6 : 1.0;
    std::uint32_t party_count = count(t.party_rate * boost, 40);
    if (o.kind == org_kind::individual_business && party_count == 0 && r.chance(0.05)) party_count = 1;  // the owner
    const std::uint32_t league_count = count(t.league_rate, 40);
    o.baseline_party = party_count >= 3 && r.chance(0.35);
    o.baseline_league = league_count >= 3 && r.chance(0.25);
    o.baseline_union = o.baseline_party && o.employees >= 25 && r.chance(0.4);

    const date campaign_eve = add_days(start(), -1);
    for (std::size_t a = 0; a < 2; ++a) {
      const std::uint32_t n = a == party ? party_count : league_count;
      const bool baseline = a == party ? o.baseline_party : o.baseline_league;
      for (std::uint32_t k = 0; k < n; ++k) {
        member_plan m;
        m.affiliation = affiliations[a];
        // A Party member within the last year is still probationary; the first three members of
        // an org that formed before the campaign are formal (it could not have formed otherwise).
        const bool probationary = a == party && !(baseline && k < 3) && r.chance(0.08);
        m.standing = probationary ? member_standing::probationary : member_standing::formal;
        if (probationary) {
          m.admitted_on = to_date(r.between(add_days(start(), -360).days_since_epoch, add_days(start(), -20).days_since_epoch));
        } else if (a == party) {
          m.admitted_on = to_date(r.between(date_from_ymd(1978, 1, 1).days_since_epoch, add_days(start(), -400).days_since_epoch));
        } else {
          m.admitted_on = to_date(r.between(date_from_ymd(2002, 1, 1).days_since_epoch, campaign_eve.days_since_epoch));
        }
        if (baseline) {
          m.status = member_status::active;
        } else {
          const double s = r.unit();
          m.status = s < 0.25 ? member_status::disclosed
                     : s < 0.60 ? member_status::hidden
                     : s < 0.80 ? member_status::pocket
                                : member_status::floating;
        }
        o.members.push_back(m);
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Sending commands
  // ------------------------------------------------------------------------------------------

  actor_ref admin() const { return {"demo-admin", "admin", "000000"}; }
  actor_ref operator_at(const std::string& code, bool league_work = false) const {
    return {(league_work ? "demo-league-" : "demo-op-") + code, league_work ? "league_operator" : "operator", code};
  }
  actor_ref org_actor(const org_world& o, bool league_work = false) const {
    return operator_at(offices[o.office].code, league_work);
  }

  // Decides, applies and hands on one command; false when decide refused it.
  bool send(command c, const actor_ref& by, const command_sink& sink) {
    const std::int64_t now = stamp();
    ++commands_today;
    ++sequence;
    std::string command_id = "demo-" + std::to_string(opts.seed) + "-" + std::to_string(sequence);
    ctx.now_ms = now;
    auto decided = domain::decide(st, c, ctx);
    if (!decided) {
      rejected.push_back(rejected_command{std::move(command_id), std::string(name_of(c)), decided.error()});
      return false;
    }
    for (const auto& e : *decided) domain::apply(st, e);
    ++command_count;
    event_count += decided->size();
    generated_command out;
    out.command_id = std::move(command_id);
    out.metadata.timestamp_ms = now;
    out.metadata.by = eventstore::actor{by.user, by.role, by.jurisdiction};
    out.metadata.correlation_id = out.command_id;
    out.command = std::move(c);
    out.events = std::move(*decided);
    sink(std::move(out));
    return true;
  }

  // ------------------------------------------------------------------------------------------
  // Day 0: the tree, the registry and the pre-campaign organizations, the campaign, leaders,
  // plans, hosts
  // ------------------------------------------------------------------------------------------

  void set_up(const command_sink& sink) {
    const auto a = admin();
    send(cmd::register_jurisdiction{jurisdiction_code{"000000"}, "全国"}, a, sink);
    for (const auto& p : geo.provinces) {
      send(cmd::register_jurisdiction{jurisdiction_code{p.code}, p.name}, a, sink);
      for (const auto& c : p.cities) {
        send(cmd::register_jurisdiction{jurisdiction_code{c.code}, c.name}, a, sink);
      }
    }
    for (const auto& cw : counties) send(cmd::register_jurisdiction{jurisdiction_code{cw.code}, cw.name}, a, sink);
    for (const auto& o : offices) send(cmd::register_jurisdiction{jurisdiction_code{o.code}, o.name}, a, sink);

    // What there was before the campaign: every org from the business registry and, in those
    // that had their own Party or League organization already, its members and organizations
    // (and trade union), formed on earlier dates. The campaign opens on top of them, so the
    // projections' baseline, frozen as it opens, is this existing base (在现有基础上).
    for (std::size_t k = 0; k < counties.size(); ++k) {
      for (auto id : counties[k].orgs) register_org(orgs[id - 1], start(), sink);
    }

    cmd::open_campaign open;
    open.campaign = campaign;
    open.campaign_name = "非公有制经济组织和个体工商户、专业市场党团组织覆盖百日攻坚行动";
    open.starts_on = start();
    open.ends_on = end_date();
    open.bulletin_cadence_days = opts.bulletin_cadence_days;
    // The black list: the bottom three of every ranking with more than three lines (排在末位);
    // with at most three offices per county that is the provinces, cities and counties. "No
    // progress since the last bulletin" stays off: with thousands of small offices it would call
    // most of them in every round, which is neither what a bureau does nor fast to generate.
    open.interviews.bottom_n = 3;
    open.interviews.no_progress_since_last_bulletin = false;
    send(std::move(open), a, sink);

    rng& r = day_rng;
    // 领导包片联系 and 牵头部门, at every level down to the counties.
    auto assign_leader = [&](const std::string& code, const std::string& name, std::string_view department) {
      send(cmd::assign_jurisdiction_leader{jurisdiction_code{code}, person_name(r), name + std::string(department), start()},
           operator_at(code), sink);
    };
    for (const auto& p : geo.provinces) {
      assign_leader(p.code, p.name, "工商行政管理局个体私营经济监督管理处");
      for (const auto& c : p.cities) assign_leader(c.code, c.name, "市场监督管理局个体私营经济监管科");
    }
    for (const auto& cw : counties) assign_leader(cw.code, cw.name, "市场监督管理局个私监管股");

    // Hosts of affiliated formation in every county: the first office (工商所 have their own
    // Party and League organizations), the private business association (个私协会), and one or
    // two communities or villages with a Party organization.
    for (auto& cw : counties) {
      const auto by = operator_at(cw.code);
      auto add_host = [&](host_kind kind, std::string name, const std::string& where, std::vector<organization_type> types) {
        host_world h{host_id{next_host++}, name, 0};
        for (auto t : types) h.types |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(t));
        cmd::register_host c;
        c.host = h.id;
        c.kind = kind;
        c.host_name = std::move(name);
        c.jurisdiction = jurisdiction_code{where};
        c.existing_organizations = std::move(types);
        if (send(std::move(c), by, sink)) cw.hosts.push_back(std::move(h));
      };
      const auto& first_office = offices[cw.offices.front()];
      add_host(host_kind::market_regulation_office, first_office.name, first_office.code,
               {organization_type::party, organization_type::league});
      add_host(host_kind::private_business_association, cw.name + "个体劳动者私营企业协会", cw.code,
               {organization_type::party});
      const std::size_t communities = 1 + r.below(2);
      for (std::size_t i = 0; i < communities; ++i) {
        const bool village = !cw.name.ends_with("区") && r.chance(0.6);
        add_host(host_kind::village_or_community, community_name(r, cw.name, village), cw.code,
                 {organization_type::party});
      }
    }

    // 行动计划: each county's targets from what its survey is expected to find; the cities and
    // provinces add up their counties'.
    std::map<std::string, std::array<std::uint32_t, 5>> plan_counts;  // code -> standalone, joint, affiliated, industry, league
    for (const auto& cw : counties) {
      std::array<std::uint32_t, 5> n{};
      for (auto id : cw.orgs) {
        const auto& o = orgs[id - 1];
        std::uint32_t party_members = 0, league_members = 0;
        for (const auto& m : o.members) (m.affiliation == member_affiliation::party ? party_members : league_members)++;
        if (o.baseline_party) continue;
        if (party_members >= 3) ++n[0];
        else if (party_members >= 1) ++n[1];
        else if (o.employees >= 10) ++n[2];
        if (league_members >= 3 && !o.baseline_league) ++n[4];
      }
      n[1] = (n[1] + 2) / 3;
      n[2] = (n[2] + 4) / 5;
      n[3] = (n[1] + 1) / 2;
      for (const std::string& code : {cw.code, cw.code.substr(0, 4) + "00", cw.code.substr(0, 2) + "0000"}) {
        auto& sum = plan_counts[code];
        for (std::size_t i = 0; i < n.size(); ++i) sum[i] += n[i];
      }
    }
    for (const auto& [code, n] : plan_counts) {
      cmd::set_action_plan plan;
      plan.code = jurisdiction_code{code};
      plan.campaign = campaign;
      plan.set_on = start();
      const date deadline = end_date();
      const std::array<std::pair<organization_type, formation_mode>, 5> lines{{
          {organization_type::party, formation_mode::standalone},
          {organization_type::party, formation_mode::joint},
          {organization_type::party, formation_mode::affiliated},
          {organization_type::party, formation_mode::industry},
          {organization_type::league, formation_mode::standalone},
      }};
      for (std::size_t i = 0; i < lines.size(); ++i) {
        if (n[i] > 0) plan.targets.push_back(plan_target{lines[i].first, lines[i].second, n[i], deadline});
      }
      if (!plan.targets.empty()) send(std::move(plan), operator_at(code), sink);
    }
  }

  // ------------------------------------------------------------------------------------------
  // One org's day
  // ------------------------------------------------------------------------------------------

  std::string outflow_place(rng& r, member_affiliation a) {
    const auto& p = geo.provinces[r.below(geo.provinces.size())];
    const auto& c = p.cities[r.below(p.cities.size())];
    const auto& k = c.counties[r.below(c.counties.size())];
    std::string place = p.name + c.name + k.name;
    if (!k.towns.empty()) place += k.towns[r.below(k.towns.size())].name;
    return place + (a == member_affiliation::party ? "党委" : "团委");
  }

  void record_member(org_world& o, member_plan& m, date on, const command_sink& sink) {
    rng& r = day_rng;
    m.id = member_id{next_member++};
    member_org.push_back(o.id.value);
    cmd::record_member c;
    c.member = m.id;
    c.org = o.id;
    c.affiliation = m.affiliation;
    c.standing = m.standing;
    c.status = m.status;
    c.member_name = person_name(r);
    c.relationship_held_at = m.status == member_status::active
                                 ? o.name + (m.affiliation == member_affiliation::party ? "党支部" : "团支部")
                                 : outflow_place(r, m.affiliation);
    c.admitted_on = m.admitted_on;
    c.recorded_on = on;
    m.recorded = send(std::move(c), org_actor(o, m.affiliation == member_affiliation::league), sink);
  }

  void register_org(org_world& o, date today, const command_sink& sink) {
    rng& r = day_rng;
    const county_world& cw = counties[o.county];
    const auto& t = trades()[o.trade];
    cmd::register_organization c;
    c.org = o.id;
    c.kind = o.kind;
    c.org_name = o.name;
    const bool new_style = o.registered_on >= date_from_ymd(2015, 10, 1);
    if (o.kind == org_kind::individual_business) {
      // Individual businesses registered before the unified code carry their registration number.
      if (new_style || r.chance(0.3)) {
        c.social_credit_code = social_credit_code(r, '2', cw.code, new_style);
      } else {
        c.registration_number = registration_number(r, cw.code);
      }
    } else {
      c.social_credit_code = social_credit_code(r, '1', cw.code, new_style);
    }
    c.trade = std::string(t.name);
    c.office = jurisdiction_code{offices[o.office].code};
    c.address = road_address(r, cw.city_name, cw.name);
    c.employees = o.employees;
    std::uint32_t party_members = 0, league_members = 0;
    for (const auto& m : o.members) (m.affiliation == member_affiliation::party ? party_members : league_members)++;
    c.owner = party_members > 0 && r.chance(o.kind == org_kind::individual_business ? 0.8 : 0.25)
                  ? owner_identity::party_member
              : league_members > 0 && r.chance(0.3) ? owner_identity::league_member
                                                    : owner_identity::neither;
    static constexpr std::array<std::string_view, 4> relationships{"属地管理", "工商所管理", "个私协会管理", "行业主管部门管理"};
    c.management_relationship = std::string(relationships[r.below(relationships.size())]);
    c.status = operating_status::in_real_operation;
    c.focus = r.chance(0.45) ? t.usual_focus : focus_area::none;
    c.has_activity_venue = o.employees >= 20 ? r.chance(0.7) : r.chance(0.15);
    c.registered_on = o.registered_on;
    if (!send(std::move(c), org_actor(o), sink)) {
      o.removed = true;  // never entered the base; nothing more happens to it
      return;
    }
    if (!o.baseline_party && !o.baseline_league) return;
    // Organizations formed before the campaign: their members are known and active already.
    for (auto& m : o.members) {
      const bool baseline = m.affiliation == member_affiliation::party ? o.baseline_party : o.baseline_league;
      if (baseline) record_member(o, m, today, sink);
    }
    // Not before the org was registered (decide refuses that): an org registered in the last
    // days before the campaign formed its organization on one of them.
    const auto formed_before = [&] {
      const std::int32_t from = std::max(o.registered_on.days_since_epoch, date_from_ymd(2005, 1, 1).days_since_epoch);
      return to_date(r.between(from, add_days(start(), -1).days_since_epoch));
    };
    if (o.baseline_party) form_standalone(o, organization_type::party, formed_before(), sink);
    if (o.baseline_league) form_standalone(o, organization_type::league, formed_before(), sink);
    if (o.baseline_union && o.branch_of[static_cast<std::size_t>(organization_type::party)].value != 0) {
      form_standalone(o, organization_type::trade_union, formed_before(), sink);
    }
  }

  bool form_standalone(org_world& o, organization_type type, date on, const command_sink& sink) {
    const auto affiliation = affiliation_of(type);
    const std::uint32_t formal = affiliation ? st.find_org(o.id)->formal(*affiliation) : 0;
    cmd::form_organization c;
    c.branch = branch_id{next_branch++};
    c.branch_type = type;
    c.mode = formation_mode::standalone;
    c.branch_name = o.name + branch_suffix(type, formal, ctx.rules);
    c.orgs = {o.id};
    c.formed_on = on;
    const branch_id id = c.branch;
    if (!send(std::move(c), org_actor(o, type == organization_type::league), sink)) return false;
    note_branch(id, type, {o.id.value}, /*own=*/true);
    return true;
  }

  // Remembers which organization covers which org, for transfers and nearby attachment.
  void note_branch(branch_id id, organization_type type, const std::vector<std::uint64_t>& covered, bool own) {
    const auto t = static_cast<std::size_t>(type);
    for (auto org : covered) {
      auto& slot = orgs[org - 1].branch_of[t];
      if (own || slot.value == 0) slot = id;
    }
    if (type == organization_type::party || type == organization_type::league) {
      counties[orgs[covered.front() - 1].county].branches[type == organization_type::party ? party : league].push_back(id);
    }
  }

  void survey(org_world& o, std::size_t step, date today, const command_sink& sink) {
    rng& r = day_rng;
    if (step == 0) {
      // Investigation (调查) finds the members nobody knew of yet.
      for (auto& m : o.members) {
        if (!m.recorded) record_member(o, m, today, sink);
      }
    }
    if (!send(cmd::complete_survey_step{o.id, static_cast<survey_step>(step), today}, org_actor(o), sink)) return;
    if (step == 1 && o.shell) {
      // Screening (甄别) finds a shell or dormant firm: it leaves the base (移出基数).
      if (st.find_org(o.id)->coverage == 0) {
        const bool dormant = r.chance(0.5);
        if (send(cmd::remove_organization{o.id, dormant ? removal_reason::dormant : removal_reason::shell,
                                          dormant ? "连续六个月未开展经营活动" : "登记地址无实际经营场所", today},
                 org_actor(o), sink)) {
          o.removed = true;
        }
      }
      return;
    }
    if (step == 2 && r.chance(0.03)) {
      // Registration (登记) corrects what the registry had wrong, most often the head count.
      cmd::correct_organization_details c;
      c.org = o.id;
      o.employees = std::max<std::uint32_t>(1, o.employees + static_cast<std::uint32_t>(r.between(0, 4)));
      c.employees = o.employees;
      c.note = "入户调查核实从业人员数";
      c.corrected_on = today;
      send(std::move(c), org_actor(o), sink);
      return;
    }
    if (step == 3) designate_targets(o, today, sink);
  }

  // Building the database (建库) lists the orgs without organizations as formation targets
  // (组建对象) with a back-scheduled deadline (倒排工期) and, often, why they have none yet.
  void designate_targets(org_world& o, date today, const command_sink& sink) {
    rng& r = day_rng;
    const auto* rec = st.find_org(o.id);
    std::array<std::uint32_t, 2> present{};
    for (const auto& m : o.members) {
      if (m.recorded) ++present[m.affiliation == member_affiliation::party ? party : league];
    }
    for (std::size_t a = 0; a < 2; ++a) {
      const auto type = organization_type_of(affiliations[a]);
      if (rec->covered_by(type) || rec->has_open_target(type)) continue;
      const bool in_scope = present[a] > 0 || o.employees >= (a == party ? 10u : 20u);
      if (!in_scope) continue;
      cmd::designate_formation_target c;
      c.target = target_id{next_target++};
      c.org = o.id;
      c.branch_type = type;
      if (present[a] >= 3) {
        c.planned_mode = formation_mode::standalone;
      } else if (o.kind == org_kind::individual_business) {
        c.planned_mode = r.chance(0.6) ? formation_mode::affiliated : formation_mode::joint;
      } else {
        const double x = r.unit();
        c.planned_mode = x < 0.45 ? formation_mode::joint : x < 0.75 ? formation_mode::industry : formation_mode::affiliated;
      }
      const int left = days_between(today, end_date());
      c.deadline = add_days(today, std::max(0, static_cast<int>(left * (0.6 + 0.4 * r.unit()))));
      c.person_responsible = person_name(r);
      c.designated_on = today;
      const target_id id = c.target;
      const bool few_members = present[a] < 3;
      if (!send(std::move(c), org_actor(o, a == league), sink)) continue;
      if (r.chance(0.55)) {
        cmd::record_target_reason why;
        why.target = id;
        const double x = r.unit();
        if (few_members && x < 0.75) {
          why.reason = no_organization_reason::fewer_than_three_formal_members;
          why.note = a == party ? "正式党员不足三人" : "团员不足三人";
        } else if (x < 0.85) {
          why.reason = no_organization_reason::owner_does_not_support;
          why.note = "出资人顾虑影响经营，暂不支持";
        } else if (x < 0.95) {
          why.reason = no_organization_reason::no_guidance_from_above;
          why.note = "上级未及时指导";
        } else {
          why.reason = no_organization_reason::other;
          why.note = "人员流动性大，经营不稳定";
        }
        why.recorded_on = today;
        send(std::move(why), org_actor(o, a == league), sink);
      }
    }
  }

  void member_day(org_world& o, member_plan& m, date today, double pace, const command_sink& sink) {
    rng& r = day_rng;
    const auto rec = st.find_member(m.id);
    if (!rec || !rec->in_org()) return;
    const bool league_work = m.affiliation == member_affiliation::league;
    const auto type = organization_type_of(m.affiliation);
    const auto a = m.affiliation == member_affiliation::party ? party : league;
    // 亮身份: hidden, pocket and floating members come forward as the campaign reaches them.
    if (rec->status == member_status::hidden || rec->status == member_status::pocket ||
        rec->status == member_status::floating) {
      if (r.chance(0.05 * pace)) send(cmd::disclose_member_identity{m.id, today}, org_actor(o, league_work), sink);
      return;
    }
    // 预备党员转正 once the probationary year is over.
    if (rec->standing == member_standing::probationary &&
        days_between(rec->admitted_on, today) >= static_cast<int>(ctx.rules.party_probation_days)) {
      if (r.chance(0.3)) send(cmd::make_member_formal{m.id, today}, org_actor(o, league_work), sink);
      return;
    }
    if (rec->status != member_status::disclosed || rec->open_transfer.value != 0 || rec->attached_to.value != 0) return;
    const branch_id home = o.branch_of[static_cast<std::size_t>(type)];
    if (home.value != 0) {
      // 组织关系接转 to the organization that now covers the org.
      if (!r.chance(0.07 * pace)) return;
      if (r.chance(0.06)) {
        // The notice's exception: an identity certificate from the outflow village or
        // residents' committee where a transfer is truly difficult.
        cmd::complete_transfer_by_certificate c;
        c.transfer = transfer_id{next_transfer++};
        c.member = m.id;
        c.to_branch = home;
        const bool village = r.chance(0.6);
        c.issuer = village ? certificate_issuer::village_committee : certificate_issuer::residents_committee;
        const auto& p = geo.provinces[r.below(geo.provinces.size())];
        const auto& ci = p.cities[r.below(p.cities.size())];
        const auto& k = ci.counties[r.below(ci.counties.size())];
        c.issuer_name = p.name + ci.name + community_name(r, k.name, village) +
                        (m.affiliation == member_affiliation::party ? "党支部" : "团支部");
        c.certificate_number = "身份证明〔" + to_string(today).substr(0, 4) + "〕" + std::to_string(r.between(1, 999)) + "号";
        c.completed_on = today;
        send(std::move(c), org_actor(o, league_work), sink);
        return;
      }
      cmd::issue_transfer_letter c;
      c.transfer = transfer_id{next_transfer++};
      c.member = m.id;
      c.from_organization = outflow_place(r, m.affiliation);
      c.to_branch = home;
      c.standing = rec->standing;
      c.dues_paid_until = to_date(r.between(add_days(today, -180).days_since_epoch, today.days_since_epoch));
      c.issued_on = today;
      const int validity = static_cast<int>(r.between(30, 90));
      c.valid_until = add_days(today, validity);
      transfer_plan plan{c.transfer, m.id, o.id.value, transfer_plan::outcome::receive, c.valid_until};
      const double x = r.unit();
      int settle = static_cast<int>(r.between(3, std::min(25, validity)));
      if (x < 0.06) {
        plan.what = transfer_plan::outcome::expire;
        settle = validity + static_cast<int>(r.between(1, 5));
      } else if (x < 0.09) {
        plan.what = transfer_plan::outcome::reject;
      } else if (x < 0.11) {
        plan.what = transfer_plan::outcome::revoke;
      } else if (x < 0.15) {
        plan.what = transfer_plan::outcome::reissue;
      }
      if (send(std::move(c), org_actor(o, league_work), sink)) {
        transfers_due[static_cast<int>(day_index) + settle].push_back(plan);
      }
      return;
    }
    // 就地就近: no organization of their own yet, so they take part in a nearby one.
    const auto& nearby = counties[o.county].branches[a];
    if (!nearby.empty() && r.chance(0.012 * pace)) {
      send(cmd::attach_member_nearby{m.id, nearby[r.below(nearby.size())], today}, org_actor(o, league_work), sink);
    }
  }

  void settle_transfers(date today, const command_sink& sink) {
    rng& r = day_rng;
    auto it = transfers_due.find(static_cast<int>(day_index));
    if (it == transfers_due.end()) return;
    auto due = std::move(it->second);
    transfers_due.erase(it);
    for (const auto& plan : due) {
      const auto* t = st.find_transfer(plan.id);
      if (!t || t->status != transfer_status::issued) continue;
      const auto& o = orgs[plan.org - 1];
      const auto m = st.find_member(plan.member);
      const bool league_work = m && m->affiliation == member_affiliation::league;
      const auto by = org_actor(o, league_work);
      switch (plan.what) {
        case transfer_plan::outcome::receive:
          if (today <= t->valid_until) send(cmd::receive_transfer_letter{plan.id, today}, by, sink);
          break;
        case transfer_plan::outcome::expire:
          if (today > t->valid_until) send(cmd::expire_transfer_letter{plan.id}, by, sink);
          break;
        case transfer_plan::outcome::reject:
          send(cmd::reject_transfer_letter{plan.id, "介绍信所载信息与本人档案不符，退回核实", today}, by, sink);
          break;
        case transfer_plan::outcome::revoke:
          send(cmd::revoke_transfer_letter{plan.id, "本人申请撤回，暂缓转接", today}, by, sink);
          break;
        case transfer_plan::outcome::reissue: {
          // The letter was lost in the post: voided and issued again; the new one is received.
          const transfer_id fresh{next_transfer++};
          const date valid_until = add_days(today, 60);
          if (send(cmd::reissue_transfer_letter{plan.id, fresh, today, valid_until}, by, sink)) {
            const int settle = static_cast<int>(r.between(3, 20));
            transfers_due[static_cast<int>(day_index) + settle].push_back(
                transfer_plan{fresh, plan.member, plan.org, transfer_plan::outcome::receive, valid_until});
          }
          break;
        }
      }
    }
  }

  void org_day(org_world& o, date today, double pace, const command_sink& sink) {
    rng& r = day_rng;
    const int d = static_cast<int>(day_index);
    if (o.removed) return;
    for (std::size_t step = 0; step < 4; ++step) {
      if (o.survey_day[step] == d) {
        survey(o, step, today, sink);
        if (o.removed) return;
      }
    }
    const auto* rec = st.find_org(o.id);
    if (!rec || rec->removed || rec->survey_steps_completed == 0) return;
    for (auto& m : o.members) {
      if (m.recorded) member_day(o, m, today, pace, sink);
    }
    if (rec->survey_steps_completed < 4) return;
    // 单独组建: every org with three formal members forms its own organization.
    for (std::size_t a = 0; a < 2; ++a) {
      const auto type = organization_type_of(affiliations[a]);
      rec = st.find_org(o.id);
      if (rec->eligible(affiliations[a]) && !rec->covered_by(type, formation_mode::standalone) && r.chance(0.05 * pace)) {
        form_standalone(o, type, today, sink);
      }
    }
    rec = st.find_org(o.id);
    // Party building leads the mass organizations: a union and a women's federation follow.
    if (rec->covered_by(organization_type::party) && o.employees >= 15) {
      if (!rec->covered_by(organization_type::trade_union) && r.chance(0.02 * pace)) {
        form_standalone(o, organization_type::trade_union, today, sink);
      } else if (!rec->covered_by(organization_type::womens_federation) && r.chance(0.012 * pace)) {
        form_standalone(o, organization_type::womens_federation, today, sink);
      }
    }
    // 发展党员/团员 in orgs with an organization to admit them.
    for (std::size_t a = 0; a < 2; ++a) {
      const auto type = organization_type_of(affiliations[a]);
      const branch_id home = o.branch_of[static_cast<std::size_t>(type)];
      if (home.value == 0 || !r.chance((a == party ? 0.006 : 0.012) * pace)) continue;
      cmd::develop_member c;
      c.member = member_id{next_member};
      c.org = o.id;
      c.affiliation = affiliations[a];
      c.member_name = person_name(r);
      c.admitted_by = home;
      c.admitted_on = today;
      if (send(std::move(c), org_actor(o, a == league), sink)) {
        ++next_member;
        member_org.push_back(o.id.value);
        member_plan m;
        m.id = member_id{next_member - 1};
        m.affiliation = affiliations[a];
        m.standing = a == party ? member_standing::probationary : member_standing::formal;
        m.status = member_status::active;
        m.admitted_on = today;
        m.recorded = true;
        o.members.push_back(m);
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // A county's day: the formations that take several orgs, and instructors
  // ------------------------------------------------------------------------------------------

  // Orgs of the county past the survey, in the base, without an organization of `type`, with an
  // open target of it, and not eligible to form on their own.
  std::vector<std::uint64_t> blank_spots(const county_world& cw, organization_type type) const {
    std::vector<std::uint64_t> out;
    const auto affiliation = *affiliation_of(type);
    for (auto id : cw.orgs) {
      const auto* rec = st.find_org(organization_id{id});
      if (!rec || rec->removed || rec->survey_steps_completed < 4) continue;
      if (rec->covered_by(type) || !rec->has_open_target(type) || rec->eligible(affiliation)) continue;
      out.push_back(id);
    }
    return out;
  }

  bool form_group(county_world& cw, organization_type type, formation_mode mode, std::vector<std::uint64_t> group,
                  std::string name, date today, const command_sink& sink, std::optional<host_id> host = std::nullopt,
                  std::optional<industry_channel> channel = std::nullopt, std::string channel_name = {},
                  std::optional<organization_id> market = std::nullopt) {
    cmd::form_organization c;
    c.branch = branch_id{next_branch++};
    c.branch_type = type;
    c.mode = mode;
    c.branch_name = std::move(name);
    for (auto id : group) c.orgs.push_back(organization_id{id});
    c.host = host;
    c.channel = channel;
    c.channel_name = std::move(channel_name);
    c.channel_market = market;
    c.formed_on = today;
    const branch_id id = c.branch;
    if (!send(std::move(c), operator_at(cw.code, type == organization_type::league), sink)) return false;
    note_branch(id, type, group, /*own=*/false);
    return true;
  }

  void county_day(county_world& cw, date today, const command_sink& sink) {
    rng& r = day_rng;
    const double pace = cw.pace;
    const auto trade_list = trades();
    for (std::size_t a = 0; a < 2; ++a) {
      const auto type = organization_type_of(affiliations[a]);
      const auto affiliation = affiliations[a];
      const std::string_view unit = a == party ? "党支部" : "团支部";
      // Every blank spot has a small daily chance of being the one the staff work on today
      // (scaled by the local pace); the others they bring along are its neighbours. Orgs taken
      // into an organization today are skipped for the rest of the day.
      const auto spots = blank_spots(cw, type);
      if (spots.empty()) continue;
      std::vector<std::uint64_t> taken;
      auto is_taken = [&](std::uint64_t id) { return std::find(taken.begin(), taken.end(), id) != taken.end(); };
      auto formal_of = [&](std::uint64_t id) { return st.find_org(organization_id{id})->formal(affiliation); };
      const double scale = (a == party ? 1.0 : 0.5) * pace;

      for (auto lead : spots) {
        if (is_taken(lead)) continue;
        const auto& lead_org = orgs[lead - 1];
        const double x = r.unit();
        if (x < 0.004 * scale && formal_of(lead) > 0) {
          // 联合组建: neighbours with one or two formal members each reach three together,
          // the lead's own office first.
          std::vector<std::uint64_t> group{lead};
          std::uint32_t formal = formal_of(lead);
          for (int pass = 0; pass < 2 && formal < 3; ++pass) {
            for (auto id : spots) {
              if (id == lead || is_taken(id) || formal_of(id) == 0) continue;
              if ((pass == 0) != (orgs[id - 1].office == lead_org.office)) continue;
              if (std::find(group.begin(), group.end(), id) != group.end()) continue;
              group.push_back(id);
              formal += formal_of(id);
              if (formal >= 3) break;
            }
          }
          if (formal >= 3 && group.size() >= 2 &&
              form_group(cw, type, formation_mode::joint, group,
                         cw.name + offices[lead_org.office].stem + "非公企业联合" + std::string(unit), today, sink)) {
            taken.insert(taken.end(), group.begin(), group.end());
          }
        } else if (x < 0.009 * scale) {
          // 挂靠组建: the lead and up to three neighbours of its office attach to a host's
          // organization in the county.
          std::vector<const host_world*> hosts;
          for (const auto& h : cw.hosts) {
            if (h.types & (1u << static_cast<unsigned>(type))) hosts.push_back(&h);
          }
          if (hosts.empty()) continue;
          std::vector<std::uint64_t> group{lead};
          const std::size_t want = 1 + r.below(4);
          for (auto id : spots) {
            if (group.size() >= want) break;
            if (id != lead && !is_taken(id) && orgs[id - 1].office == lead_org.office) group.push_back(id);
          }
          const auto* h = hosts[r.below(hosts.size())];
          if (form_group(cw, type, formation_mode::affiliated, group, h->name + "非公经济组织" + std::string(unit), today,
                         sink, h->id)) {
            taken.insert(taken.end(), group.begin(), group.end());
          }
        } else if (x < 0.011 * scale && a == party) {
          // 行业组建: orgs of the lead's trade through a specialized market, a chamber of
          // commerce or an industry association.
          std::vector<std::uint64_t> group{lead};
          std::uint32_t formal = formal_of(lead);
          for (auto id : spots) {
            if (formal >= 3 && group.size() >= 2) break;
            if (id == lead || is_taken(id) || orgs[id - 1].trade != lead_org.trade) continue;
            group.push_back(id);
            formal += formal_of(id);
          }
          if (formal < 3 || group.size() < 2) continue;
          const std::string trade_name(trade_list[lead_org.trade].name);
          std::optional<organization_id> market;
          for (auto mid : cw.markets) {
            const auto* mrec = st.find_org(organization_id{mid});
            if (mrec && !mrec->removed && orgs[mid - 1].trade == lead_org.trade) market = organization_id{mid};
          }
          bool formed = false;
          if (market) {
            const std::string& market_name = orgs[market->value - 1].name;
            formed = form_group(cw, type, formation_mode::industry, group, market_name + "商户联合党支部", today, sink,
                                std::nullopt, industry_channel::specialized_market, market_name, market);
          } else if (r.chance(0.5)) {
            const std::string chamber = cw.name + trade_name + "商会";
            formed = form_group(cw, type, formation_mode::industry, group, chamber + "党支部", today, sink, std::nullopt,
                                industry_channel::chamber_of_commerce, chamber);
          } else {
            const std::string association = cw.city_name + trade_name + "行业协会";
            formed = form_group(cw, type, formation_mode::industry, group, association + cw.name + "党支部", today, sink,
                                std::nullopt, industry_channel::industry_association, association);
          }
          if (formed) taken.insert(taken.end(), group.begin(), group.end());
        } else if (x < 0.021 * scale && !lead_org.instructor[a]) {
          // 党建/团建指导员 for the lead and up to four neighbours of its office that have none.
          std::vector<std::uint64_t> group{lead};
          const std::size_t want = 1 + r.below(5);
          for (auto id : spots) {
            if (group.size() >= want) break;
            if (id != lead && !is_taken(id) && !orgs[id - 1].instructor[a] && orgs[id - 1].office == lead_org.office) {
              group.push_back(id);
            }
          }
          cmd::assign_instructor c;
          c.instructor = instructor_id{next_instructor++};
          c.instructor_name = person_name(r);
          c.affiliation = affiliation;
          const double y = r.unit();
          if (a == party) {
            c.source = y < 0.5   ? instructor_source::market_regulation_staff
                       : y < 0.7 ? instructor_source::other_government_department
                                 : instructor_source::retired_soe_party_worker;
          } else {
            c.source = y < 0.7 ? instructor_source::league_cadre : instructor_source::market_regulation_staff;
          }
          for (auto id : group) c.orgs.push_back(organization_id{id});
          c.assigned_on = today;
          if (send(std::move(c), operator_at(cw.code, a == league), sink)) {
            for (auto id : group) orgs[id - 1].instructor[a] = true;
          }
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Interviews (约谈) the workflow scheduled
  // ------------------------------------------------------------------------------------------

  void observe(const event& e) {
    domain::apply(st, e);
    if (const auto* s = std::get_if<events::interview_scheduled>(&e)) {
      interviews.push_back(interview_world{s->interview, s->jurisdiction.value, s->scheduled_at_ms,
                                           pace_of(s->jurisdiction.value),
                                           s->affiliation == member_affiliation::league});
    }
  }

  // The pace of any jurisdiction: a county's own, the mean of the counties below a city or
  // province, and an office's county's.
  double pace_of(const std::string& code) const {
    double sum = 0;
    std::size_t n = 0;
    for (const auto& cw : counties) {
      const bool below = code.size() > 6 ? cw.code == code.substr(0, 6)
                         : code.ends_with("0000")  ? cw.code.starts_with(code.substr(0, 2))
                         : code.ends_with("00")    ? cw.code.starts_with(code.substr(0, 4))
                                                   : cw.code == code;
      if (below) {
        sum += cw.pace;
        ++n;
      }
    }
    return n == 0 ? 1.0 : sum / static_cast<double>(n);
  }

  // The interviewer: the level above the interviewed jurisdiction, its League committee for a
  // League interview.
  actor_ref interviewer(const interview_world& iv) const {
    const auto parent = parent_of(jurisdiction_code{iv.jurisdiction});
    if (!parent || parent->value == "000000") return admin();
    return operator_at(parent->value, iv.league);
  }

  void interview_day(date today, const command_sink& sink) {
    rng& r = day_rng;
    for (auto& iv : interviews) {
      const auto* rec = st.find_interview(iv.id);
      if (!rec) continue;
      const auto by = interviewer(iv);
      switch (rec->status) {
        case interview_status::scheduled: {
          // Held the day after the scheduled time at the latest, so the instant is past.
          if (china_date_of(iv.scheduled_at_ms) >= today) break;
          cmd::hold_interview c;
          c.interview = iv.id;
          c.held_at_ms = iv.scheduled_at_ms + 90 * 60'000;
          static constexpr std::array<std::string_view, 3> answers{
              "摸底排查不细，组建工作推进迟缓，主要负责同志认识不到位",
              "对非公党建工作重视不够，指导员选派不足，组建进度落后",
              "部分组建对象出资人顾虑较多，工作方法单一，成效不明显"};
          static constexpr std::array<std::string_view, 3> league_answers{
              "团员底数摸排不细，团组织组建推进迟缓，团委主要负责同志认识不到位",
              "对非公团建工作重视不够，团建指导员选派不足，组建进度落后",
              "青年职工流动性大，团员组织关系接转不及时，成效不明显"};
          c.answer = std::string(r.pick(iv.league ? league_answers : answers));
          c.pledge = "立即召开专题会议，倒排工期、挂图作战，确保按期完成对账销号任务";
          if (!send(std::move(c), by, sink)) break;
          cmd::set_rectification_items items;
          items.interview = iv.id;
          items.items.push_back(rectification_item{"应建未建组织底数不清", "十日内完成辖区调查摸底和建库，逐户核实党员团员底数",
                                                   add_days(today, static_cast<int>(r.between(8, 12)))});
          items.items.push_back(rectification_item{"组建对象销号进度滞后", "对照台账逐一落实组建方式和责任人，按期销号",
                                                   add_days(today, static_cast<int>(r.between(15, 25)))});
          if (r.chance(0.5)) {
            items.items.push_back(
                iv.league
                    ? rectification_item{"团建指导员选派不足", "为未建团组织的组建对象选派团建指导员，实现工作覆盖",
                                         add_days(today, static_cast<int>(r.between(10, 20)))}
                    : rectification_item{"党建指导员选派不足", "为未建组织的组建对象选派党建指导员，实现工作覆盖",
                                         add_days(today, static_cast<int>(r.between(10, 20)))});
          }
          send(std::move(items), by, sink);
          break;
        }
        case interview_status::held:
          break;  // a list set the same day as the hearing; nothing waits here
        case interview_status::rectifying: {
          for (std::uint32_t k = 0; k < rec->items_done.size(); ++k) {
            if (!st.find_interview(iv.id)->items_done[k] && r.chance(0.07 * iv.pace)) {
              send(cmd::complete_rectification_item{iv.id, k, today}, by, sink);
            }
          }
          if (st.find_interview(iv.id)->all_items_done()) {
            send(cmd::close_interview{iv.id, "整改事项全部完成，予以销号", today}, by, sink);
          }
          break;
        }
        case interview_status::escalated:
          if (r.chance(0.15)) send(cmd::close_interview{iv.id, "已提级约谈，整改移交上级督办", today}, by, sink);
          break;
        case interview_status::closed:
          break;
      }
    }
  }

  // ------------------------------------------------------------------------------------------

  bool step(const command_sink& sink) {
    if (day_index >= opts.days) return false;
    set_day(day_index);
    const date today = day_date(static_cast<int>(day_index));
    if (day_index == 0) {
      spacing_ms = day0_spacing();
      set_up(sink);
    }
    settle_transfers(today, sink);
    interview_day(today, sink);
    for (auto& cw : counties) {
      for (auto id : cw.orgs) org_day(orgs[id - 1], today, cw.pace, sink);
      if (day_index >= 5) county_day(cw, today, sink);
    }
    ++day_index;
    return true;
  }
};

campaign_generator::campaign_generator(const geography& geo, const options& opts)
    : impl_(std::make_unique<impl>(geo, opts)) {}
campaign_generator::~campaign_generator() = default;

bool campaign_generator::step_day(const command_sink& sink) { return impl_->step(sink); }

void campaign_generator::observe(const domain::event& e) { impl_->observe(e); }

domain::date campaign_generator::today() const {
  return add_days(impl_->opts.start, static_cast<std::int32_t>(impl_->day_index) - 1);
}
std::int64_t campaign_generator::now_ms() const { return impl_->stamp(); }
std::uint32_t campaign_generator::days_done() const { return impl_->day_index; }
const domain::state& campaign_generator::state() const { return impl_->st; }
const std::vector<rejected_command>& campaign_generator::rejections() const { return impl_->rejected; }
std::uint64_t campaign_generator::commands() const { return impl_->command_count; }
std::uint64_t campaign_generator::events() const { return impl_->event_count; }
domain::campaign_id campaign_generator::campaign() const { return impl_->campaign; }

}  // namespace gongjian::server::demo
