#pragma once
// Builders that keep projection scenarios short: each call records one domain event with the
// next log position and folds it into a projection_state (no store needed), or appends it to a
// real event store (campaign generator, see campaign_generator.h).

#include <string>
#include <utility>
#include <vector>

#include "gongjian/domain/events.h"
#include "gongjian/projections/projection_state.h"
#include "gongjian/projections/rankings.h"

namespace gongjian::projections::testing {

namespace ev = domain::events;
using domain::jurisdiction_code;
using domain::member_affiliation;
using domain::member_standing;
using domain::member_status;
using domain::organization_id;

inline domain::date day(int y, unsigned m, unsigned d) { return domain::date_from_ymd(y, m, d); }

// Applies events in memory at consecutive positions, as the runner would.
class scenario {
 public:
  scenario() : keyed_(nullptr, "projections") {}

  void add(domain::event e) {
    eventstore::recorded_event rec;
    rec.pos = eventstore::position{++position_};
    rec.type = std::string(domain::type_of(e));
    rec.stream = rec.type;
    rec.metadata.timestamp_ms = 1467331200000 + static_cast<std::int64_t>(position_) * 1000;  // 2016-07-01
    rec.metadata.by = actor;
    state.apply(rec, e, keyed_);
  }

  void jurisdiction(const std::string& code, const std::string& parent, domain::jurisdiction_level lvl) {
    add(ev::jurisdiction_registered{jurisdiction_code{code}, "j" + code, lvl, jurisdiction_code{parent}});
  }
  void org(std::uint64_t id, const std::string& office, domain::org_kind kind = domain::org_kind::small_micro_enterprise) {
    ev::organization_registered e;
    e.org = organization_id{id};
    e.kind = kind;
    e.org_name = "org" + std::to_string(id);
    e.office = jurisdiction_code{office};
    e.registered_on = today;
    add(e);
  }
  void member(std::uint64_t id, std::uint64_t org, member_affiliation a = member_affiliation::party,
              member_standing s = member_standing::formal, member_status st = member_status::active) {
    ev::member_recorded e;
    e.member = domain::member_id{id};
    e.org = organization_id{org};
    e.affiliation = a;
    e.standing = s;
    e.status = st;
    e.admitted_on = e.recorded_on = today;
    add(e);
  }
  void form(std::uint64_t branch, domain::organization_type type, domain::formation_mode mode,
            std::vector<std::uint64_t> orgs) {
    ev::organization_formed e;
    e.branch = domain::branch_id{branch};
    e.branch_type = type;
    e.mode = mode;
    for (auto o : orgs) e.orgs.push_back(organization_id{o});
    e.formed_on = today;
    add(e);
  }
  void target(std::uint64_t id, std::uint64_t org, domain::organization_type type = domain::organization_type::party,
              domain::date deadline = day(2016, 9, 30)) {
    ev::formation_target_designated e;
    e.target = domain::target_id{id};
    e.org = organization_id{org};
    e.branch_type = type;
    e.deadline = deadline;
    e.person_responsible = "负责人";
    e.designated_on = today;
    add(e);
  }
  void strike(std::uint64_t target, std::uint64_t org, std::uint64_t branch,
              domain::organization_type type = domain::organization_type::party) {
    ev::formation_target_struck_off e;
    e.target = domain::target_id{target};
    e.org = organization_id{org};
    e.branch_type = type;
    e.branch = domain::branch_id{branch};
    e.struck_off_on = day(2016, 8, 1);
    add(e);
  }
  void survey(std::uint64_t org, int steps) {
    for (int s = 0; s < steps; ++s)
      add(ev::survey_step_completed{organization_id{org}, static_cast<domain::survey_step>(s), day(2016, 7, 2)});
  }
  void open_campaign(std::uint64_t id = 1, domain::date start = day(2016, 7, 1)) {
    ev::campaign_opened e;
    e.campaign = domain::campaign_id{id};
    e.campaign_name = "百日攻坚";
    e.starts_on = start;
    e.ends_on = domain::add_days(start, 100);
    add(e);
    today = start;
  }
  void bulletin(std::uint64_t campaign, std::uint32_t round) {
    ev::bulletin_issued e;
    e.campaign = domain::campaign_id{campaign};
    e.round = domain::bulletin_round{round};
    e.log_position = position_;
    add(e);
  }

  const read_model& model() const { return state.model(); }
  node_index node(const std::string& code) const { return *state.model().tree().find(code); }
  indicator_value value(const std::string& code, indicator i, twin t = twin::party) const {
    return state.model().value(node(code), i, t);
  }
  std::int64_t count(const std::string& code, indicator i, twin t = twin::party) const {
    return value(code, i, t).numerator;
  }
  keyed_state& keyed() { return keyed_; }
  // The position of the last event added.
  std::uint64_t head() const { return position_; }

  projection_state state;
  eventstore::actor actor{"staff-1", "operator", "110101001"};
  // The day the builders date their facts (registered, recorded, formed, designated): before the
  // campaign's start until it opens, its start after (a fact dated before it moves the baseline).
  domain::date today = day(2016, 6, 20);

 private:
  keyed_state keyed_;
  std::uint64_t position_ = 0;
};

inline indicator_value ratio(std::int64_t n, std::int64_t d) { return indicator_value{n, d}; }

}  // namespace gongjian::projections::testing
