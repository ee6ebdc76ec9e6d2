#pragma once
// The write model: everything `decide` needs to enforce the rules, and nothing more. Names,
// addresses and other descriptive texts live only in events (and the projections); the state
// keeps small fixed-size records, jurisdictions and trades interned to 32-bit indices. Orgs and
// members, which come by the tens of millions, live in dense tables (dense_table.h): an org costs
// its 24-byte record plus 9 to 12 bytes of id and index, a member 11 bytes plus the same (members
// are packed: their org is a slot, the rare letter and nearby attachment sit aside): about 90
// bytes per org with three members (README: measured before members kept their recorded day,
// 2 bytes each, so about 96 now).
//
// Only `apply` changes a state; everything else reads it through the const accessors below.
// A state is a value: copyable, and comparable with == (replaying the same events into a fresh
// state gives an equal one).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gongjian/domain/dense_table.h"
#include "gongjian/domain/events.h"
#include "gongjian/domain/ids.h"
#include "gongjian/domain/values.h"

namespace gongjian::domain {

// The notice's threshold (§2(二)1): "凡是有3名以上正式党（团）员的…都要单独建立党（团）组织".
inline constexpr std::uint32_t min_formal_members_to_form = 3;

using jurisdiction_index = std::uint32_t;
inline constexpr jurisdiction_index no_jurisdiction = 0xFFFFFFFFu;
using trade_index = std::uint32_t;  // 0 = no trade recorded

constexpr std::size_t index_of(member_affiliation a) { return static_cast<std::size_t>(a); }
// The member affiliation whose formal members count for an organization type (Party members for
// a Party organization, League members for a League one); nullopt for unions and women's
// federations, which need no member count.
constexpr std::optional<member_affiliation> affiliation_of(organization_type t) {
  if (t == organization_type::party) return member_affiliation::party;
  if (t == organization_type::league) return member_affiliation::league;
  return std::nullopt;
}
constexpr organization_type organization_type_of(member_affiliation a) {
  return a == member_affiliation::party ? organization_type::party : organization_type::league;
}

struct jurisdiction_record {
  jurisdiction_code code;
  jurisdiction_level level = jurisdiction_level::national;
  jurisdiction_index parent = no_jurisdiction;
  bool leader_assigned = false;
  bool operator==(const jurisdiction_record&) const = default;
};

struct org_record {
  jurisdiction_index office = no_jurisdiction;
  trade_index trade = 0;
  // Formal members who count for forming (status disclosed or active), by affiliation.
  std::array<std::uint16_t, 2> formal_members{};
  // Members currently in the org (any standing or status), by affiliation.
  std::array<std::uint16_t, 2> members{};
  // Bit (type * 4 + mode) set while an organization of that type and mode covers the org.
  std::uint16_t coverage = 0;
  // The day the last survey step was completed, in two bytes (see day_of); the next step is not
  // dated before it. Meaningless while no step is completed.
  std::uint16_t last_survey_step_day = 0;
  // The day the org was registered (registered_on, the registry's day), in two bytes (see
  // day_of); nothing is done to or in the org before it.
  std::uint16_t registered_day = 0;
  // Bit per organization type set while the org has an open formation target of that type. The
  // type bits, kind and status share one byte and the survey count and removal another, so that
  // both days fit in the 24 bytes.
  std::uint8_t open_targets : 4 = 0;
  org_kind kind : 2 = org_kind::small_micro_enterprise;
  operating_status status : 2 = operating_status::in_real_operation;
  std::uint8_t survey_steps_completed : 3 = 0;  // 0..4, the steps are completed in order
  bool removed : 1 = false;
  bool operator==(const org_record&) const = default;

  static constexpr std::uint16_t coverage_bit(organization_type t, formation_mode m) {
    return static_cast<std::uint16_t>(1u << (static_cast<unsigned>(t) * 4 + static_cast<unsigned>(m)));
  }
  bool covered_by(organization_type t, formation_mode m) const { return (coverage & coverage_bit(t, m)) != 0; }
  // Organization coverage (组织覆盖) by a type, in any mode.
  bool covered_by(organization_type t) const {
    return ((coverage >> (static_cast<unsigned>(t) * 4)) & 0xFu) != 0;
  }
  // A day as stored: days since 1900-01-01 (the earliest date decide accepts), held at 0xFFFF
  // from 2079-06-06 on. Held there it is earlier than the real day, so a check against it is
  // weaker but never refuses a right date.
  static std::uint16_t day_of(date d) {
    const std::int32_t days = d.days_since_epoch - day_epoch;
    return static_cast<std::uint16_t>(days < 0 ? 0 : days > 0xFFFF ? 0xFFFF : days);
  }
  static constexpr std::int32_t day_epoch = -25567;  // 1900-01-01 in days since 1970-01-01
  date last_survey_step_on() const { return date{day_epoch + last_survey_step_day}; }
  date registered_on() const { return date{day_epoch + registered_day}; }
  bool has_open_target(organization_type t) const { return (open_targets & (1u << static_cast<unsigned>(t))) != 0; }
  std::uint32_t formal(member_affiliation a) const { return formal_members[index_of(a)]; }
  // 具备单独组建条件: 3 or more formal members of the affiliation.
  bool eligible(member_affiliation a) const { return formal(a) >= min_formal_members_to_form; }
  // 应建未建: eligible but without its own (standalone) organization of the matching type.
  bool should_form_not_formed(member_affiliation a) const {
    return !removed && eligible(a) && !covered_by(organization_type_of(a), formation_mode::standalone);
  }
};

// The memory budget rests on these sizes (10 million orgs); a new field must earn its bytes.
static_assert(sizeof(org_record) <= 24, "org_record grew");
// The bit-fields above hold every value of their enums.
static_assert(enum_count<organization_type>() <= 4 && enum_count<org_kind>() <= 4 &&
              enum_count<operating_status>() <= 4 && enum_count<survey_step>() < 8);

// A member as decide reads it; the state stores it packed (member_slot) and hands out copies.
struct member_record {
  organization_id org;        // the org the member is in; 0 after leaving
  branch_id attached_to;      // nearby organization taken part in (就地就近); 0 when none
  transfer_id open_transfer;  // a letter in status issued; 0 when none
  date admitted_on;
  member_affiliation affiliation = member_affiliation::party;
  member_standing standing = member_standing::formal;
  member_status status = member_status::hidden;
  // When the member was recorded here (a developed member: admitted); disclosing, leaving, being
  // made formal and nearby attachment are not dated before it.
  date recorded_on;
  date attached_on;  // since when attached_to holds (a detachment is not dated before it)
  bool operator==(const member_record&) const = default;
  bool in_org() const { return org.value != 0; }
  // Counts towards the 3-formal-member rule.
  bool counts_as_formal() const {
    return in_org() && standing == member_standing::formal &&
           (status == member_status::disclosed || status == member_status::active);
  }
};

struct branch_record {
  organization_type type = organization_type::party;
  formation_mode mode = formation_mode::standalone;
  bool dissolved = false;
  host_id host;
  std::vector<organization_id> orgs;  // the orgs covered, in the order they joined
  date formed_on;
  bool operator==(const branch_record&) const = default;
};

struct transfer_record {
  member_id member;
  branch_id to_branch;
  date valid_until;
  transfer_status status = transfer_status::issued;
  member_standing standing = member_standing::formal;
  date issued_on;  // the day a certificate completed it, for a transfer by certificate
  bool operator==(const transfer_record&) const = default;
};

struct instructor_record {
  member_affiliation affiliation = member_affiliation::party;
  instructor_source source = instructor_source::market_regulation_staff;
  bool active = false;
  std::vector<organization_id> orgs;
  date assigned_on;
  bool operator==(const instructor_record&) const = default;
};

struct target_record {
  organization_id org;
  date deadline;
  organization_type type = organization_type::party;
  formation_mode planned_mode = formation_mode::standalone;
  target_status status = target_status::open;
  bool reason_recorded = false;
  date designated_on;
  bool operator==(const target_record&) const = default;
};

struct campaign_record {
  date starts_on;
  date ends_on;
  std::uint32_t bulletin_cadence_days = 15;
  std::uint32_t last_round = 0;  // 0 before the first bulletin
  campaign_status status = campaign_status::open;
  bool operator==(const campaign_record&) const = default;
  // The first day bulletin `round` may be issued: start + round * cadence.
  date due_on(std::uint32_t round) const {
    return add_days(starts_on, static_cast<std::int32_t>(round * bulletin_cadence_days));
  }
};

struct host_record {
  host_kind kind = host_kind::village_or_community;
  jurisdiction_index jurisdiction = no_jurisdiction;
  organization_id org;                     // an enterprise host's registered org; 0 otherwise
  std::uint8_t existing_organizations = 0;  // bit per organization type (hosts outside the registry)
  bool operator==(const host_record&) const = default;
};

struct interview_record {
  campaign_id campaign;
  jurisdiction_index jurisdiction = no_jurisdiction;
  bulletin_round round;
  interview_status status = interview_status::scheduled;
  std::vector<bool> items_done;  // one per rectification item
  date scheduled_on;              // the China day of the scheduled instant
  date held_on;                   // the China day it was held; meaningless while scheduled
  member_affiliation affiliation = member_affiliation::party;  // whose ranking called it
  bool operator==(const interview_record&) const = default;
  bool all_items_done() const {
    for (bool done : items_done) if (!done) return false;
    return true;
  }
};

// A member as the state stores it. The org is its slot in the org table (orgs are never erased,
// so the slot stays right); a letter in status issued and a nearby attachment are rare, so they
// live in side maps and a flag says when to look there.
struct member_slot {
  static constexpr std::uint8_t has_attachment = 1;
  static constexpr std::uint8_t has_open_transfer = 2;
  static constexpr std::uint8_t has_unregistered_org = 4;  // see state_mutator::store

  std::uint32_t org = id_slots::none;  // none when in no org
  date admitted_on;
  // Days from admission to being recorded here (recorded_on is never before admitted_on), held at
  // 0xFFFF (179 years): two bytes where a date takes four.
  std::uint16_t recorded_after_days = 0;
  member_affiliation affiliation = member_affiliation::party;
  member_standing standing = member_standing::formal;
  member_status status = member_status::hidden;
  std::uint8_t flags = 0;
};

// The members' slots in four columns: 11 bytes a member where the struct takes 16 with its
// padding (30 million members: 330 MB). Affiliation (1 bit), standing (1), status (3) and the
// flags (3) share one byte; the enums are checked to fit.
class member_columns {
 public:
  std::size_t size() const { return orgs_.size(); }
  void push_back(const member_slot& m) {
    orgs_.push_back(m.org);
    admitted_on_.push_back(m.admitted_on);
    recorded_after_days_.push_back(m.recorded_after_days);
    bits_.push_back(pack(m));
  }
  member_slot get(std::size_t i) const {
    member_slot m;
    m.org = orgs_[i];
    m.admitted_on = admitted_on_[i];
    m.recorded_after_days = recorded_after_days_[i];
    const std::uint8_t b = bits_[i];
    m.affiliation = static_cast<member_affiliation>(b & 1u);
    m.standing = static_cast<member_standing>((b >> 1) & 1u);
    m.status = static_cast<member_status>((b >> 2) & 7u);
    m.flags = static_cast<std::uint8_t>(b >> 5);
    return m;
  }
  void set(std::size_t i, const member_slot& m) {
    orgs_[i] = m.org;
    admitted_on_[i] = m.admitted_on;
    recorded_after_days_[i] = m.recorded_after_days;
    bits_[i] = pack(m);
  }

 private:
  static_assert(static_cast<unsigned>(member_affiliation::league) <= 1 &&
                static_cast<unsigned>(member_standing::probationary) <= 1 &&
                static_cast<unsigned>(member_status::active) <= 7 && member_slot::has_unregistered_org <= 4);
  static std::uint8_t pack(const member_slot& m) {
    return static_cast<std::uint8_t>((static_cast<unsigned>(m.affiliation) & 1u) |
                                     ((static_cast<unsigned>(m.standing) & 1u) << 1) |
                                     ((static_cast<unsigned>(m.status) & 7u) << 2) | ((m.flags & 7u) << 5));
  }
  chunked_array<std::uint32_t> orgs_;
  chunked_array<date> admitted_on_;
  chunked_array<std::uint16_t> recorded_after_days_;
  chunked_array<std::uint8_t> bits_;
};

class state;

// The members of a state, iterated in the order they were recorded as (id, member_record) pairs.
class member_table_view {
 public:
  using key_type = member_id;
  using mapped_type = member_record;

  class iterator {
   public:
    using value_type = std::pair<member_id, member_record>;
    iterator(const state* s, std::uint32_t slot) : s_(s), slot_(slot) {}
    value_type operator*() const;
    iterator& operator++() {
      ++slot_;
      return *this;
    }
    bool operator==(const iterator& other) const { return slot_ == other.slot_; }

   private:
    const state* s_;
    std::uint32_t slot_;
  };

  explicit member_table_view(const state& s) : s_(&s) {}
  iterator begin() const { return {s_, 0}; }
  iterator end() const { return {s_, static_cast<std::uint32_t>(size())}; }
  std::size_t size() const;
  bool empty() const { return size() == 0; }

 private:
  const state* s_;
};

class state {
 public:
  template <class K, class V>
  using id_map = std::unordered_map<K, V>;

  // --- jurisdictions
  const jurisdiction_record* find_jurisdiction(const jurisdiction_code& code) const;
  std::optional<jurisdiction_index> index_of_jurisdiction(const jurisdiction_code& code) const;
  const jurisdiction_record& jurisdiction(jurisdiction_index index) const { return jurisdictions_[index]; }
  const std::vector<jurisdiction_record>& jurisdictions() const { return jurisdictions_; }
  // The county the jurisdiction lies in (itself for a county), or no_jurisdiction above counties.
  jurisdiction_index county_of(jurisdiction_index index) const;

  // --- trades (interned)
  std::string_view trade_name(trade_index index) const { return index == 0 ? std::string_view{} : trades_[index - 1]; }
  std::optional<trade_index> find_trade(std::string_view name) const;

  // --- aggregates
  // Pointers stay valid while the state grows.
  const org_record* find_org(organization_id id) const { return orgs_.find(id); }
  // A copy: members are stored packed.
  std::optional<member_record> find_member(member_id id) const;
  const branch_record* find_branch(branch_id id) const { return find_in(branches_, id); }
  const transfer_record* find_transfer(transfer_id id) const { return find_in(transfers_, id); }
  const instructor_record* find_instructor(instructor_id id) const { return find_in(instructors_, id); }
  const target_record* find_target(target_id id) const { return find_in(targets_, id); }
  const campaign_record* find_campaign(campaign_id id) const { return find_in(campaigns_, id); }
  const host_record* find_host(host_id id) const { return find_in(hosts_, id); }
  const interview_record* find_interview(interview_id id) const { return find_in(interviews_, id); }

  const dense_table<organization_id, org_record>& orgs() const { return orgs_; }
  member_table_view members() const { return member_table_view(*this); }
  const id_map<branch_id, branch_record>& branches() const { return branches_; }
  const id_map<transfer_id, transfer_record>& transfers() const { return transfers_; }
  const id_map<instructor_id, instructor_record>& instructors() const { return instructors_; }
  const id_map<target_id, target_record>& targets() const { return targets_; }
  const id_map<campaign_id, campaign_record>& campaigns() const { return campaigns_; }
  const id_map<host_id, host_record>& hosts() const { return hosts_; }
  const id_map<interview_id, interview_record>& interviews() const { return interviews_; }

  // The organization here that holds the member's relationship (组织关系): the one a letter was
  // received by or a certificate completed the transfer to, or that admitted a developed member;
  // none after the member leaves. A transfer into it is refused (it would count twice).
  std::optional<branch_id> branch_holding(member_id id) const {
    auto it = member_branches_.find(id);
    return it == member_branches_.end() ? std::nullopt : std::optional{it->second};
  }

  // The members taking part in `branch` by nearby attachment (就地就近), by id.
  std::vector<member_id> members_attached_to(branch_id branch) const;

  // The open formation target of a type for an org (the ledger item to strike off).
  std::optional<target_id> open_target(organization_id org, organization_type type) const;

  // Orgs in scope (not removed) and those flagged 应建未建 for an affiliation; kept as counters so
  // a leader's first question costs nothing.
  std::uint64_t orgs_in_scope() const { return orgs_in_scope_; }
  std::uint64_t should_form_not_formed(member_affiliation a) const { return should_form_not_formed_[index_of(a)]; }

  // Changes the state by one event; see apply.h.
  friend void apply(state& s, const event& e);
  // Equal records under equal ids (whatever order the orgs and members were inserted in).
  bool operator==(const state&) const;

 private:
  friend struct state_mutator;
  friend class member_table_view;

  member_record unpack(std::uint32_t slot) const;

  template <class Map, class Key>
  static const typename Map::mapped_type* find_in(const Map& map, const Key& key) {
    auto it = map.find(key);
    return it == map.end() ? nullptr : &it->second;
  }
  static std::uint64_t target_key(organization_id org, organization_type type) {
    return (org.value << 2) | static_cast<std::uint64_t>(type);
  }

  std::vector<jurisdiction_record> jurisdictions_;
  std::unordered_map<std::string, jurisdiction_index> jurisdiction_by_code_;
  std::vector<std::string> trades_;
  std::unordered_map<std::string, trade_index> trade_by_name_;

  dense_table<organization_id, org_record> orgs_;
  id_slots member_ids_;
  member_columns members_;
  // By member slot, for the few members that need them (see member_slot::flags).
  struct attachment {
    branch_id branch;
    date on;
    bool operator==(const attachment&) const = default;
  };
  std::unordered_map<std::uint32_t, attachment> member_attachments_;
  std::unordered_map<std::uint32_t, transfer_id> member_open_transfers_;
  std::unordered_map<std::uint32_t, organization_id> member_unregistered_orgs_;
  // Only members whose relationship an organization here holds (transferred in or admitted here).
  id_map<member_id, branch_id> member_branches_;
  id_map<branch_id, branch_record> branches_;
  id_map<transfer_id, transfer_record> transfers_;
  id_map<instructor_id, instructor_record> instructors_;
  id_map<target_id, target_record> targets_;
  id_map<campaign_id, campaign_record> campaigns_;
  id_map<host_id, host_record> hosts_;
  id_map<interview_id, interview_record> interviews_;
  // (org id << 2 | type) -> open target. Org ids stay below 2^62 (checked by decide).
  std::unordered_map<std::uint64_t, target_id> open_targets_;

  std::uint64_t orgs_in_scope_ = 0;
  std::array<std::uint64_t, 2> should_form_not_formed_{};
};

}  // namespace gongjian::domain
