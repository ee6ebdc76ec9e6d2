#pragma once
// A deterministic generator of plausible campaign histories (seeded): a 31-node jurisdiction tree,
// organizations with Party and League members, disclosures, transfers, developments, instructors,
// formations in all four modes with their automatic strike-offs, removals with withdrawals,
// corrections that move an org, survey steps. Used by rebuild-equals-live and the virtual
// campaign test; events are appended to a real event store the way the server would.

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gongjian/domain/codec.h"
#include "gongjian/domain/events.h"
#include "gongjian/eventstore/event_store.h"

namespace gongjian::projections::testing {

struct timed_event {
  int day = 0;  // campaign day (0 = start)
  domain::event event;
};

class campaign_generator {
 public:
  explicit campaign_generator(std::uint64_t seed) : rng_(seed) {}

  static std::vector<std::string> offices() {
    std::vector<std::string> out;
    for (const char* p : {"11", "12"})
      for (const char* c : {"01", "02"})
        for (const char* k : {"01", "02"})
          for (const char* o : {"001", "002"}) out.push_back(std::string(p) + c + k + o);
    return out;
  }

  // The tree and leaders (day 0), then `orgs` organizations with their members.
  std::vector<timed_event> setup(std::size_t orgs) {
    std::vector<timed_event> out;
    auto reg = [&](const std::string& code, const std::string& parent, domain::jurisdiction_level lvl) {
      out.push_back({0, domain::events::jurisdiction_registered{domain::jurisdiction_code{code}, "辖区" + code, lvl,
                                                                domain::jurisdiction_code{parent}}});
      out.push_back({0, domain::events::jurisdiction_leader_assigned{domain::jurisdiction_code{code}, "领导" + code,
                                                                     "牵头部门", day0_}});
    };
    out.push_back({0, domain::events::jurisdiction_registered{domain::jurisdiction_code{"000000"}, "全国",
                                                              domain::jurisdiction_level::national, {}}});
    for (const char* p : {"11", "12"}) {
      std::string province = std::string(p) + "0000";
      reg(province, "000000", domain::jurisdiction_level::province);
      for (const char* c : {"01", "02"}) {
        std::string city = std::string(p) + c + "00";
        reg(city, province, domain::jurisdiction_level::city);
        for (const char* k : {"01", "02"}) {
          std::string county = std::string(p) + c + k;
          reg(county, city, domain::jurisdiction_level::county);
          for (const char* o : {"001", "002"}) reg(county + o, county, domain::jurisdiction_level::office);
        }
      }
    }
    const auto office_codes = offices();
    for (std::size_t i = 0; i < orgs; ++i) {
      org_state o;
      o.id = next_id_++;
      o.office = office_codes[pick(office_codes.size())];
      domain::events::organization_registered e;
      e.org = domain::organization_id{o.id};
      e.kind = static_cast<domain::org_kind>(pick(3));
      e.org_name = "企业" + std::to_string(o.id);
      e.office = domain::jurisdiction_code{o.office};
      e.employees = static_cast<std::uint32_t>(5 + pick(40));
      out.push_back({0, e});
      orgs_.push_back(o);
      const std::size_t party = pick(6), league = pick(5);
      for (std::size_t m = 0; m < party + league; ++m) {
        member_state ms;
        ms.id = next_id_++;
        ms.org = orgs_.size() - 1;
        ms.league = m >= party;
        ms.formal = ms.league || pick(4) != 0;
        ms.status = static_cast<domain::member_status>(pick(5));
        domain::events::member_recorded r;
        r.member = domain::member_id{ms.id};
        r.org = e.org;
        r.affiliation = ms.league ? domain::member_affiliation::league : domain::member_affiliation::party;
        r.standing = ms.formal ? domain::member_standing::formal : domain::member_standing::probationary;
        r.status = ms.status;
        r.member_name = "成员" + std::to_string(ms.id);
        out.push_back({0, r});
        members_.push_back(ms);
      }
    }
    return out;
  }

  domain::events::campaign_opened campaign(std::uint64_t id, domain::date start, const domain::interview_rules& rules) {
    domain::events::campaign_opened e;
    e.campaign = domain::campaign_id{id};
    e.campaign_name = "百日攻坚";
    e.starts_on = start;
    e.ends_on = domain::add_days(start, 100);
    e.bulletin_cadence_days = 15;
    e.interviews = rules;
    day0_ = start;
    return e;
  }

  // `count` random field actions on campaign day `day`.
  std::vector<timed_event> actions(int day, std::size_t count) {
    std::vector<timed_event> out;
    const domain::date today = domain::add_days(day0_, day);
    for (std::size_t k = 0; k < count; ++k) action(day, today, out);
    return out;
  }

 private:
  struct org_state {
    std::uint64_t id = 0;
    std::string office;
    bool removed = false;
    bool party_org = false, league_org = false, union_org = false;
    std::uint64_t party_target = 0, league_target = 0;
    std::uint8_t survey = 0;
  };
  struct member_state {
    std::uint64_t id = 0;
    std::size_t org = 0;
    bool league = false, formal = true, present = true, attached = false;
    domain::member_status status = domain::member_status::active;
  };
  struct branch_state {
    std::uint64_t id = 0;
    domain::organization_type type{};
    std::vector<std::size_t> orgs;
    bool dissolved = false;
  };

  std::size_t pick(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }
  std::size_t live_org() {
    for (int tries = 0; tries < 20; ++tries) {
      std::size_t i = pick(orgs_.size());
      if (!orgs_[i].removed) return i;
    }
    return orgs_.size();
  }
  std::size_t formal_counted(std::size_t org, bool league) const {
    std::size_t n = 0;
    for (const auto& m : members_)
      if (m.org == org && m.present && m.league == league && m.formal &&
          (m.status == domain::member_status::disclosed || m.status == domain::member_status::active))
        ++n;
    return n;
  }

  void strike_targets(int day, domain::date today, std::size_t org, domain::organization_type type, std::uint64_t branch,
                      std::vector<timed_event>& out) {
    auto& o = orgs_[org];
    std::uint64_t& target = type == domain::organization_type::party ? o.party_target : o.league_target;
    if (type != domain::organization_type::party && type != domain::organization_type::league) return;
    if (target == 0) return;
    out.push_back({day, domain::events::formation_target_struck_off{domain::target_id{target}, domain::organization_id{o.id},
                                                                    type, domain::branch_id{branch}, today}});
    target = 0;
  }

  void form(int day, domain::date today, domain::organization_type type, domain::formation_mode mode,
            std::vector<std::size_t> orgs, std::vector<timed_event>& out) {
    branch_state b;
    b.id = next_id_++;
    b.type = type;
    b.orgs = orgs;
    domain::events::organization_formed e;
    e.branch = domain::branch_id{b.id};
    e.branch_type = type;
    e.mode = mode;
    e.branch_name = "组织" + std::to_string(b.id);
    for (auto i : orgs) e.orgs.push_back(domain::organization_id{orgs_[i].id});
    e.formed_on = today;
    out.push_back({day, e});
    for (auto i : orgs) {
      if (type == domain::organization_type::party) orgs_[i].party_org = true;
      if (type == domain::organization_type::league) orgs_[i].league_org = true;
      if (type == domain::organization_type::trade_union) orgs_[i].union_org = true;
      strike_targets(day, today, i, type, b.id, out);
    }
    branches_.push_back(std::move(b));
  }

  void action(int day, domain::date today, std::vector<timed_event>& out) {
    namespace ev = domain::events;
    const std::size_t o = live_org();
    if (o == orgs_.size()) return;
    auto& org = orgs_[o];
    const domain::organization_id oid{org.id};
    switch (pick(16)) {
      case 0:
      case 1: {  // a member comes forward
        for (auto& m : members_) {
          if (m.org == o && m.present &&
              (m.status == domain::member_status::hidden || m.status == domain::member_status::pocket ||
               m.status == domain::member_status::floating)) {
            out.push_back({day, ev::member_identity_disclosed{domain::member_id{m.id}, oid, m.status, today}});
            m.status = domain::member_status::disclosed;
            return;
          }
        }
        return;
      }
      case 2: {  // a new member developed
        member_state m;
        m.id = next_id_++;
        m.org = o;
        m.league = pick(2) == 0;
        m.formal = m.league;
        ev::member_developed e;
        e.member = domain::member_id{m.id};
        e.org = oid;
        e.affiliation = m.league ? domain::member_affiliation::league : domain::member_affiliation::party;
        e.standing = m.formal ? domain::member_standing::formal : domain::member_standing::probationary;
        e.member_name = "新成员" + std::to_string(m.id);
        e.admitted_on = today;
        out.push_back({day, e});
        members_.push_back(m);
        return;
      }
      case 3: {  // probationary made formal, or a transfer completed
        for (auto& m : members_) {
          if (m.org == o && m.present && !m.formal) {
            out.push_back({day, ev::member_made_formal{domain::member_id{m.id}, oid, today}});
            m.formal = true;
            return;
          }
          if (m.org == o && m.present && m.status == domain::member_status::disclosed) {
            auto t = domain::transfer_id{next_id_++};
            // Every other letter is issued first (to one of three branches); the others are known
            // by their receipt alone, as an import of settled letters has them.
            const domain::branch_id to{1 + m.id % 3};
            if (m.id % 2 == 0)
              out.push_back({day, ev::transfer_letter_issued{t, domain::member_id{m.id}, "外省某村党支部", to,
                                                             domain::member_standing::formal, today, today,
                                                             domain::add_days(today, 90)}});
            out.push_back({day, ev::transfer_letter_received{t, domain::member_id{m.id}, to, today}});
            m.status = domain::member_status::active;
            return;
          }
        }
        return;
      }
      case 4: {  // a member leaves, or one becomes a pocket member after an expired letter
        for (auto& m : members_) {
          if (m.org == o && m.present) {
            if (pick(2) == 0) {
              out.push_back({day, ev::member_left{domain::member_id{m.id}, oid, domain::leaving_reason::changed_job, today}});
              m.present = false;
            } else {
              out.push_back({day, ev::member_listed_as_pocket{domain::member_id{m.id}, domain::transfer_id{next_id_++}, today}});
              m.status = domain::member_status::pocket;
            }
            return;
          }
        }
        return;
      }
      case 5: {  // instructor assigned (or one released)
        if (!instructors_.empty() && pick(3) == 0) {
          auto id = instructors_.back();
          instructors_.pop_back();
          out.push_back({day, ev::instructor_released{domain::instructor_id{id}, "任务完成", today}});
          return;
        }
        ev::instructor_assigned e;
        e.instructor = domain::instructor_id{next_id_++};
        e.instructor_name = "指导员";
        e.affiliation = pick(2) == 0 ? domain::member_affiliation::party : domain::member_affiliation::league;
        e.orgs = {oid};
        e.assigned_on = today;
        out.push_back({day, e});
        instructors_.push_back(e.instructor.value);
        return;
      }
      case 6:
      case 7: {  // standalone formation where eligible
        for (bool league : {false, true}) {
          const auto type = league ? domain::organization_type::league : domain::organization_type::party;
          if ((league ? org.league_org : org.party_org) || formal_counted(o, league) < 3) continue;
          form(day, today, type, domain::formation_mode::standalone, {o}, out);
          return;
        }
        return;
      }
      case 8: {  // joint formation with another org of the same office
        if (org.party_org) return;
        for (std::size_t j = 0; j < orgs_.size(); ++j) {
          if (j != o && !orgs_[j].removed && !orgs_[j].party_org && orgs_[j].office == org.office) {
            form(day, today, domain::organization_type::party,
                 pick(2) == 0 ? domain::formation_mode::joint : domain::formation_mode::affiliated, {o, j}, out);
            return;
          }
        }
        return;
      }
      case 9: {  // union or women's federation
        if (!org.union_org) form(day, today, domain::organization_type::trade_union, domain::formation_mode::standalone, {o}, out);
        else form(day, today, domain::organization_type::womens_federation, domain::formation_mode::standalone, {o}, out);
        return;
      }
      case 10:
      case 11: {  // formation target designated
        for (bool league : {false, true}) {
          std::uint64_t& target = league ? org.league_target : org.party_target;
          if (target != 0 || (league ? org.league_org : org.party_org)) continue;
          target = next_id_++;
          ev::formation_target_designated e;
          e.target = domain::target_id{target};
          e.org = oid;
          e.branch_type = league ? domain::organization_type::league : domain::organization_type::party;
          e.deadline = domain::add_days(today, static_cast<std::int32_t>(10 + pick(40)));
          e.person_responsible = "责任人";
          e.designated_on = today;
          out.push_back({day, e});
          return;
        }
        return;
      }
      case 12: {  // survey step
        if (org.survey >= 4) return;
        out.push_back({day, ev::survey_step_completed{oid, static_cast<domain::survey_step>(org.survey), today}});
        ++org.survey;
        return;
      }
      case 13: {  // removed from the base (rare), its open targets withdrawn
        if (pick(4) != 0) return;
        out.push_back({day, ev::organization_removed{oid, domain::removal_reason::dormant, "歇业", today}});
        org.removed = true;
        for (std::uint64_t* t : {&org.party_target, &org.league_target}) {
          if (*t != 0) out.push_back({day, ev::formation_target_withdrawn{domain::target_id{*t}, oid, today}});
          *t = 0;
        }
        return;
      }
      case 14: {  // correction moving the org to another office
        if (pick(3) != 0) return;
        const auto codes = offices();
        ev::organization_details_corrected e;
        e.org = oid;
        org.office = codes[pick(codes.size())];
        e.office = domain::jurisdiction_code{org.office};
        e.note = "更正";
        e.corrected_on = today;
        out.push_back({day, e});
        return;
      }
      default: {  // attach a member nearby, or dissolve an organization (rare)
        if (pick(5) == 0 && !branches_.empty()) {
          auto& b = branches_[pick(branches_.size())];
          if (b.dissolved) return;
          out.push_back({day, ev::organization_dissolved{domain::branch_id{b.id}, "撤销", today}});
          b.dissolved = true;
          for (auto i : b.orgs) {
            if (b.type == domain::organization_type::party) orgs_[i].party_org = false;
            if (b.type == domain::organization_type::league) orgs_[i].league_org = false;
          }
          return;
        }
        for (auto& m : members_) {
          if (m.org == o && m.present && !m.attached) {
            out.push_back({day, ev::member_attached_nearby{domain::member_id{m.id}, domain::branch_id{1}, today}});
            m.attached = true;
            return;
          }
        }
        return;
      }
    }
  }

  std::mt19937_64 rng_;
  std::uint64_t next_id_ = 1;
  domain::date day0_ = domain::date_from_ymd(2016, 7, 1);
  std::vector<org_state> orgs_;
  std::vector<member_state> members_;
  std::vector<branch_state> branches_;
  std::vector<std::uint64_t> instructors_;
};

// Appends one event as its own command (stream from the domain codec), stamped at `ms`.
inline void append_event(eventstore::event_store& store, const domain::event& e, std::int64_t ms, const std::string& command_id,
                         const eventstore::actor& by = {"staff", "operator", "000000"}) {
  auto encoded = domain::encode(e);
  eventstore::append_request r;
  r.command_id = command_id;
  r.metadata.timestamp_ms = ms;
  r.metadata.by = by;
  r.writes.push_back(eventstore::stream_write{domain::stream_of(e), eventstore::expected_version::any(),
                                              {eventstore::event_data{std::string(encoded.type), encoded.schema_version,
                                                                      std::move(encoded.payload)}}});
  auto done = store.append(std::move(r));
  if (!done) throw std::runtime_error("append failed: " + done.error().message());
}

}  // namespace gongjian::projections::testing
