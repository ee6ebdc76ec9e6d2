#include "gongjian/domain/apply.h"

#include <algorithm>
#include <type_traits>

namespace gongjian::domain {

// The only writer of a state's private members. It trusts events (they were decided against the
// rules before they were written), so every step here is total: a missing record is skipped, not
// an error, and a replay never stops half-way.
struct state_mutator {
  state& s;

  jurisdiction_index intern_jurisdiction(const jurisdiction_code& code) {
    auto it = s.jurisdiction_by_code_.find(code.value);
    return it == s.jurisdiction_by_code_.end() ? no_jurisdiction : it->second;
  }

  trade_index intern_trade(const std::string& trade) {
    if (trade.empty()) return 0;
    auto [it, inserted] = s.trade_by_name_.try_emplace(trade, static_cast<trade_index>(s.trades_.size() + 1));
    if (inserted) s.trades_.push_back(trade);
    return it->second;
  }

  static void adjust(std::uint64_t& counter, bool before, bool after) {
    if (after && !before) ++counter;
    if (before && !after) --counter;
  }

  // Every change to an org goes through here, so the should-form-not-formed (应建未建) counters
  // follow the org's formal members, coverage and removal.
  template <class F>
  void modify_org(organization_id id, F&& change) {
    if (org_record* org = s.orgs_.find(id)) modify_org(*org, change);
  }
  template <class F>
  void modify_org(org_record& org, F&& change) {
    const bool party_before = org.should_form_not_formed(member_affiliation::party);
    const bool league_before = org.should_form_not_formed(member_affiliation::league);
    change(org);
    adjust(s.should_form_not_formed_[0], party_before, org.should_form_not_formed(member_affiliation::party));
    adjust(s.should_form_not_formed_[1], league_before, org.should_form_not_formed(member_affiliation::league));
  }

  // Every change to a member goes through here, so the org's member counts follow it.
  template <class F>
  void modify_member(member_id id, F&& change) {
    const auto slot = s.member_ids_.find(id.value);
    if (slot == id_slots::none) return;
    member_record record = s.unpack(slot);
    change(record);
    store(slot, record);
  }

  void put_member(member_id id, const member_record& record) {
    auto slot = s.member_ids_.find(id.value);
    if (slot == id_slots::none) {
      slot = s.member_ids_.insert(id.value);
      s.members_.push_back(member_slot{});
    }
    store(slot, record);
  }

  static bool counts_as_formal(const member_slot& m) {
    return m.org != id_slots::none && m.standing == member_standing::formal &&
           (m.status == member_status::disclosed || m.status == member_status::active);
  }

  // Packs `record` into the member's slot (and the side maps), and moves the member's counts from
  // the org it was in to the org it is in now.
  void store(std::uint32_t slot, const member_record& record) {
    const member_slot before = s.members_.get(slot);
    member_slot packed;
    packed.admitted_on = record.admitted_on;
    const std::int32_t recorded_after = days_between(record.admitted_on, record.recorded_on);
    packed.recorded_after_days =
        static_cast<std::uint16_t>(recorded_after < 0 ? 0 : recorded_after > 0xFFFF ? 0xFFFF : recorded_after);
    packed.affiliation = record.affiliation;
    packed.standing = record.standing;
    packed.status = record.status;
    packed.flags = 0;
    packed.org = id_slots::none;
    if (record.org.value != 0) {
      packed.org = s.orgs_.slot_of(record.org);
      // Events are decided against the state, so a member's org is registered; should one not
      // be, the id is kept as it came rather than lost (and no org counts change).
      if (packed.org == id_slots::none) packed.flags |= member_slot::has_unregistered_org;
    }
    keep_aside(s.member_unregistered_orgs_, slot, record.org, (packed.flags & member_slot::has_unregistered_org) != 0);
    keep_aside(s.member_attachments_, slot, state::attachment{record.attached_to, record.attached_on},
               record.attached_to.value != 0);
    if (record.attached_to.value != 0) packed.flags |= member_slot::has_attachment;
    keep_aside(s.member_open_transfers_, slot, record.open_transfer, record.open_transfer.value != 0);
    if (record.open_transfer.value != 0) packed.flags |= member_slot::has_open_transfer;
    s.members_.set(slot, packed);

    if (before.org != id_slots::none) {
      modify_org(s.orgs_.at_slot(before.org), [&](org_record& org) {
        const auto a = index_of(before.affiliation);
        --org.members[a];
        if (counts_as_formal(before)) --org.formal_members[a];
      });
    }
    if (packed.org != id_slots::none) {
      modify_org(s.orgs_.at_slot(packed.org), [&](org_record& org) {
        const auto a = index_of(packed.affiliation);
        ++org.members[a];
        if (counts_as_formal(packed)) ++org.formal_members[a];
      });
    }
  }

  template <class Map, class Value>
  static void keep_aside(Map& map, std::uint32_t slot, const Value& value, bool present) {
    if (present) {
      map[slot] = value;
    } else if (!map.empty()) {
      map.erase(slot);
    }
  }

  void cover(const branch_record& branch, organization_id org_id, bool covered) {
    modify_org(org_id, [&](org_record& org) {
      const auto bit = org_record::coverage_bit(branch.type, branch.mode);
      org.coverage = static_cast<std::uint16_t>(covered ? (org.coverage | bit) : (org.coverage & ~bit));
    });
  }

  void close_target(target_id id, target_status status) {
    auto it = s.targets_.find(id);
    if (it == s.targets_.end()) return;
    target_record& target = it->second;
    target.status = status;
    s.open_targets_.erase(state::target_key(target.org, target.type));
    modify_org(target.org, [&](org_record& org) {
      org.open_targets = static_cast<std::uint8_t>(org.open_targets & ~(1u << static_cast<unsigned>(target.type)));
    });
  }

  template <class Map, class Key, class F>
  static void with(Map& map, const Key& key, F&& change) {
    auto it = map.find(key);
    if (it != map.end()) change(it->second);
  }

  // ----- one overload per event -------------------------------------------------------------

  void operator()(const events::jurisdiction_registered& e) {
    if (s.jurisdiction_by_code_.contains(e.code.value)) return;
    const auto index = static_cast<jurisdiction_index>(s.jurisdictions_.size());
    s.jurisdictions_.push_back(jurisdiction_record{e.code, e.level, intern_jurisdiction(e.parent), false});
    s.jurisdiction_by_code_.emplace(e.code.value, index);
  }
  void operator()(const events::jurisdiction_leader_assigned& e) {
    const auto index = intern_jurisdiction(e.code);
    if (index != no_jurisdiction) s.jurisdictions_[index].leader_assigned = true;
  }
  // Plans are read by the projections; no rule depends on them.
  void operator()(const events::action_plan_set&) {}

  void operator()(const events::campaign_opened& e) {
    s.campaigns_[e.campaign] = campaign_record{e.starts_on, e.ends_on, e.bulletin_cadence_days, 0, campaign_status::open};
  }
  void operator()(const events::campaign_closed& e) {
    with(s.campaigns_, e.campaign, [](campaign_record& c) { c.status = campaign_status::closed; });
  }
  void operator()(const events::bulletin_issued& e) {
    with(s.campaigns_, e.campaign, [&](campaign_record& c) { c.last_round = e.round.value; });
  }

  void operator()(const events::host_registered& e) {
    host_record host{e.kind, intern_jurisdiction(e.jurisdiction), e.org.value_or(organization_id{}), 0};
    for (auto type : e.existing_organizations) {
      host.existing_organizations = static_cast<std::uint8_t>(host.existing_organizations | (1u << static_cast<unsigned>(type)));
    }
    s.hosts_[e.host] = host;
  }

  void operator()(const events::organization_registered& e) {
    org_record org;
    org.office = intern_jurisdiction(e.office);
    org.trade = intern_trade(e.trade);
    org.kind = e.kind;
    org.status = e.status;
    org.registered_day = org_record::day_of(e.registered_on);
    if (s.orgs_.try_emplace(e.org, org).second) ++s.orgs_in_scope_;
  }
  void operator()(const events::survey_step_completed& e) {
    modify_org(e.org, [&](org_record& org) {
      org.survey_steps_completed = static_cast<std::uint8_t>(static_cast<unsigned>(e.step) + 1);
      org.last_survey_step_day = org_record::day_of(e.completed_on);
    });
  }
  void operator()(const events::organization_details_corrected& e) {
    modify_org(e.org, [&](org_record& org) {
      if (e.office) org.office = intern_jurisdiction(*e.office);
      if (e.trade) org.trade = intern_trade(*e.trade);
      if (e.status) org.status = *e.status;
    });
  }
  void operator()(const events::organization_removed& e) {
    modify_org(e.org, [&](org_record& org) {
      if (!org.removed) --s.orgs_in_scope_;
      org.removed = true;
    });
  }

  void operator()(const events::member_recorded& e) {
    put_member(e.member,
               member_record{e.org, {}, {}, e.admitted_on, e.affiliation, e.standing, e.status, e.recorded_on});
    s.member_branches_.erase(e.member);
  }
  void operator()(const events::member_identity_disclosed& e) {
    modify_member(e.member, [](member_record& m) { m.status = member_status::disclosed; });
  }
  void operator()(const events::member_developed& e) {
    put_member(e.member, member_record{e.org, {}, {}, e.admitted_on, e.affiliation, e.standing, member_status::active,
                                       e.admitted_on});
    if (e.admitted_by) {
      s.member_branches_[e.member] = *e.admitted_by;
    } else {
      s.member_branches_.erase(e.member);
    }
  }
  void operator()(const events::member_made_formal& e) {
    modify_member(e.member, [](member_record& m) { m.standing = member_standing::formal; });
  }
  void operator()(const events::member_left& e) {
    modify_member(e.member, [](member_record& m) {
      m.org = organization_id{};
      m.attached_to = branch_id{};
    });
    s.member_branches_.erase(e.member);
  }
  void operator()(const events::member_attached_nearby& e) {
    modify_member(e.member, [&](member_record& m) {
      m.attached_to = e.branch;
      m.attached_on = e.attached_on;
    });
  }
  void operator()(const events::member_detached& e) {
    modify_member(e.member, [](member_record& m) {
      m.attached_to = branch_id{};
      m.attached_on = date{};
    });
  }

  void operator()(const events::transfer_letter_issued& e) {
    s.transfers_[e.transfer] =
        transfer_record{e.member, e.to_branch, e.valid_until, transfer_status::issued, e.standing, e.issued_on};
    modify_member(e.member, [&](member_record& m) { m.open_transfer = e.transfer; });
  }
  void settle(transfer_id id, transfer_status status) {
    with(s.transfers_, id, [&](transfer_record& t) {
      t.status = status;
      modify_member(t.member, [&](member_record& m) {
        if (m.open_transfer == id) m.open_transfer = transfer_id{};
        // The relationship is now held by an organization here.
        if (status == transfer_status::received) m.status = member_status::active;
      });
    });
  }
  void operator()(const events::transfer_letter_received& e) {
    settle(e.transfer, transfer_status::received);
    s.member_branches_[e.member] = e.to_branch;
  }
  void operator()(const events::transfer_letter_rejected& e) { settle(e.transfer, transfer_status::rejected); }
  void operator()(const events::transfer_letter_revoked& e) { settle(e.transfer, transfer_status::revoked); }
  void operator()(const events::transfer_letter_expired& e) { settle(e.transfer, transfer_status::expired); }
  void operator()(const events::member_listed_as_pocket& e) {
    modify_member(e.member, [](member_record& m) { m.status = member_status::pocket; });
  }
  void operator()(const events::transfer_letter_reissued& e) {
    settle(e.lost, transfer_status::voided);
    (*this)(events::transfer_letter_issued{e.transfer, e.member, {}, e.to_branch, e.standing, {}, e.issued_on,
                                           e.valid_until});
  }
  void operator()(const events::transfer_completed_by_certificate& e) {
    s.transfers_[e.transfer] =
        transfer_record{e.member, e.to_branch, e.completed_on, transfer_status::completed_by_certificate, {}, e.completed_on};
    if (const auto m = s.find_member(e.member)) s.transfers_[e.transfer].standing = m->standing;
    modify_member(e.member, [](member_record& m) { m.status = member_status::active; });
    s.member_branches_[e.member] = e.to_branch;
  }

  void operator()(const events::instructor_assigned& e) {
    s.instructors_[e.instructor] = instructor_record{e.affiliation, e.source, true, e.orgs, e.assigned_on};
  }
  void operator()(const events::instructor_released& e) {
    with(s.instructors_, e.instructor, [](instructor_record& i) {
      i.active = false;
      i.orgs.clear();  // only active assignments matter to the rules
      i.orgs.shrink_to_fit();
    });
  }

  void operator()(const events::organization_formed& e) {
    branch_record branch{e.branch_type, e.mode, false, e.host.value_or(host_id{}), e.orgs, e.formed_on};
    for (auto org : e.orgs) cover(branch, org, true);
    s.branches_[e.branch] = std::move(branch);
  }
  void operator()(const events::organization_orgs_added& e) {
    with(s.branches_, e.branch, [&](branch_record& b) {
      for (auto org : e.orgs) {
        b.orgs.push_back(org);
        cover(b, org, true);
      }
    });
  }
  void operator()(const events::organization_orgs_removed& e) {
    with(s.branches_, e.branch, [&](branch_record& b) {
      for (auto org : e.orgs) {
        auto at = std::find(b.orgs.begin(), b.orgs.end(), org);
        if (at == b.orgs.end()) continue;
        b.orgs.erase(at);
        cover(b, org, false);
      }
    });
  }
  void operator()(const events::organization_dissolved& e) {
    with(s.branches_, e.branch, [&](branch_record& b) {
      for (auto org : b.orgs) cover(b, org, false);
      b.dissolved = true;
      b.orgs.clear();
      b.orgs.shrink_to_fit();
    });
  }

  void operator()(const events::formation_target_designated& e) {
    s.targets_[e.target] =
        target_record{e.org, e.deadline, e.branch_type, e.planned_mode, target_status::open, false, e.designated_on};
    s.open_targets_[state::target_key(e.org, e.branch_type)] = e.target;
    modify_org(e.org, [&](org_record& org) {
      org.open_targets = static_cast<std::uint8_t>(org.open_targets | (1u << static_cast<unsigned>(e.branch_type)));
    });
  }
  void operator()(const events::formation_target_struck_off& e) { close_target(e.target, target_status::struck_off); }
  void operator()(const events::formation_target_reason_recorded& e) {
    with(s.targets_, e.target, [](target_record& t) { t.reason_recorded = true; });
  }
  void operator()(const events::formation_target_withdrawn& e) { close_target(e.target, target_status::withdrawn); }

  void operator()(const events::interview_scheduled& e) {
    s.interviews_[e.interview] =
        interview_record{e.campaign, intern_jurisdiction(e.jurisdiction), e.round, interview_status::scheduled, {},
                         china_date_of(e.scheduled_at_ms), {}, e.affiliation};
  }
  void operator()(const events::interview_held& e) {
    with(s.interviews_, e.interview, [&](interview_record& i) {
      i.status = interview_status::held;
      i.held_on = china_date_of(e.held_at_ms);
    });
  }
  void operator()(const events::rectification_items_set& e) {
    with(s.interviews_, e.interview, [&](interview_record& i) {
      i.items_done.assign(e.items.size(), false);
      i.status = interview_status::rectifying;
    });
  }
  void operator()(const events::rectification_item_done& e) {
    with(s.interviews_, e.interview, [&](interview_record& i) {
      if (e.item < i.items_done.size()) i.items_done[e.item] = true;
    });
  }
  void operator()(const events::interview_closed& e) {
    with(s.interviews_, e.interview, [](interview_record& i) { i.status = interview_status::closed; });
  }
  void operator()(const events::interview_escalated& e) {
    with(s.interviews_, e.interview, [](interview_record& i) { i.status = interview_status::escalated; });
  }
};

void apply(state& s, const event& e) { std::visit(state_mutator{s}, e); }

member_record state::unpack(std::uint32_t slot) const {
  const member_slot packed = members_.get(slot);
  member_record record;
  if (packed.org != id_slots::none) record.org = orgs_.id_at(packed.org);
  if (packed.flags & member_slot::has_unregistered_org) record.org = member_unregistered_orgs_.at(slot);
  if (packed.flags & member_slot::has_attachment) {
    const attachment& a = member_attachments_.at(slot);
    record.attached_to = a.branch;
    record.attached_on = a.on;
  }
  if (packed.flags & member_slot::has_open_transfer) record.open_transfer = member_open_transfers_.at(slot);
  record.admitted_on = packed.admitted_on;
  record.recorded_on = add_days(packed.admitted_on, packed.recorded_after_days);
  record.affiliation = packed.affiliation;
  record.standing = packed.standing;
  record.status = packed.status;
  return record;
}

std::optional<member_record> state::find_member(member_id id) const {
  const auto slot = member_ids_.find(id.value);
  if (slot == id_slots::none) return std::nullopt;
  return unpack(slot);
}

std::vector<member_id> state::members_attached_to(branch_id branch) const {
  // Attachments are kept aside for the few members who have one: a dissolution looks at those only.
  std::vector<member_id> out;
  for (const auto& [slot, attached] : member_attachments_)
    if (attached.branch == branch) out.push_back(member_id{member_ids_.id_at(slot)});
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t member_table_view::size() const { return s_->members_.size(); }

member_table_view::iterator::value_type member_table_view::iterator::operator*() const {
  return {member_id{s_->member_ids_.id_at(slot_)}, s_->unpack(slot_)};
}

bool state::operator==(const state& other) const {
  if (members_.size() != other.members_.size()) return false;
  for (std::uint32_t slot = 0; slot < members_.size(); ++slot) {
    const auto theirs = other.find_member(member_id{member_ids_.id_at(slot)});
    if (!theirs || !(*theirs == unpack(slot))) return false;
  }
  return jurisdictions_ == other.jurisdictions_ && jurisdiction_by_code_ == other.jurisdiction_by_code_ &&
         trades_ == other.trades_ && trade_by_name_ == other.trade_by_name_ && orgs_ == other.orgs_ &&
         branches_ == other.branches_ && transfers_ == other.transfers_ && instructors_ == other.instructors_ &&
         targets_ == other.targets_ && campaigns_ == other.campaigns_ && hosts_ == other.hosts_ &&
         interviews_ == other.interviews_ && open_targets_ == other.open_targets_ &&
         member_branches_ == other.member_branches_ &&
         orgs_in_scope_ == other.orgs_in_scope_ && should_form_not_formed_ == other.should_form_not_formed_;
}

const jurisdiction_record* state::find_jurisdiction(const jurisdiction_code& code) const {
  auto it = jurisdiction_by_code_.find(code.value);
  return it == jurisdiction_by_code_.end() ? nullptr : &jurisdictions_[it->second];
}

std::optional<jurisdiction_index> state::index_of_jurisdiction(const jurisdiction_code& code) const {
  auto it = jurisdiction_by_code_.find(code.value);
  if (it == jurisdiction_by_code_.end()) return std::nullopt;
  return it->second;
}

jurisdiction_index state::county_of(jurisdiction_index index) const {
  while (index != no_jurisdiction) {
    const auto& j = jurisdictions_[index];
    if (j.level == jurisdiction_level::county) return index;
    if (j.level != jurisdiction_level::office) return no_jurisdiction;
    index = j.parent;
  }
  return no_jurisdiction;
}

std::optional<trade_index> state::find_trade(std::string_view name) const {
  auto it = trade_by_name_.find(std::string(name));
  if (it == trade_by_name_.end()) return std::nullopt;
  return it->second;
}

std::optional<target_id> state::open_target(organization_id org, organization_type type) const {
  auto it = open_targets_.find(target_key(org, type));
  if (it == open_targets_.end()) return std::nullopt;
  return it->second;
}

}  // namespace gongjian::domain
