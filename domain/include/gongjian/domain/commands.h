#pragma once
// The command catalogue: one struct per action of the campaign (shared/domain/README.md), each
// with a stable `name` that the server uses as the JSON `type` and the endpoint name. A command is
// a request; `decide` checks it against the rules and turns it into events or a rejection.
// Automatic consequences (a formation target struck off when an organization is formed, a member
// listed as pocket member when a letter expires, targets withdrawn when an org is removed) have no
// command of their own: `decide` emits their events alongside.
//
// Texts are UTF-8 (Chinese names are first-class); dates are calendar dates; instants are Unix
// milliseconds.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gongjian/domain/ids.h"
#include "gongjian/domain/values.h"

namespace gongjian::domain::commands {

// ----- Jurisdiction (national / province / city / county / office) ---------------------------

// The parent is derived from the code (GB/T 2260 is hierarchical) and must be registered first.
struct register_jurisdiction {
  static constexpr std::string_view name = "register_jurisdiction";
  jurisdiction_code code;
  std::string jurisdiction_name;
  bool operator==(const register_jurisdiction&) const = default;
};

// 领导包片联系: the responsible leader and the lead department (牵头部门).
struct assign_jurisdiction_leader {
  static constexpr std::string_view name = "assign_jurisdiction_leader";
  jurisdiction_code code;
  std::string leader_name;
  std::string lead_department;
  date assigned_on;
  bool operator==(const assign_jurisdiction_leader&) const = default;
};

// 行动计划: targets by organization type and mode, with deadlines, for one campaign. Setting it
// again replaces the previous plan.
struct set_action_plan {
  static constexpr std::string_view name = "set_action_plan";
  jurisdiction_code code;
  campaign_id campaign;
  std::vector<plan_target> targets;
  date set_on;
  bool operator==(const set_action_plan&) const = default;
};

// ----- Campaign ------------------------------------------------------------------------------

struct open_campaign {
  static constexpr std::string_view name = "open_campaign";
  campaign_id campaign;
  std::string campaign_name;
  date starts_on;
  date ends_on;
  std::uint32_t bulletin_cadence_days = 15;  // 每15天通报一轮
  indicator ranking_indicator = indicator::ledger_progress;
  indicator tie_break_indicator = indicator::standalone_formation_rate;
  interview_rules interviews;
  bool operator==(const open_campaign&) const = default;
};

struct close_campaign {
  static constexpr std::string_view name = "close_campaign";
  campaign_id campaign;
  date closed_on;
  bool operator==(const close_campaign&) const = default;
};

// A bulletin round (通报): the rankings frozen by the projections at `log_position`, published.
struct issue_bulletin {
  static constexpr std::string_view name = "issue_bulletin";
  campaign_id campaign;
  bulletin_round round;
  date as_of;
  std::uint64_t log_position = 0;
  std::vector<ranking> rankings;
  bool operator==(const issue_bulletin&) const = default;
};

// ----- Hosts of affiliated formation (挂靠单位) ------------------------------------------------

// A host outside the org registry (village or community, office, association) declares the
// organization types it already has; an enterprise host links to its registered org, whose own
// organizations then count instead.
struct register_host {
  static constexpr std::string_view name = "register_host";
  host_id host;
  host_kind kind = host_kind::village_or_community;
  std::string host_name;
  jurisdiction_code jurisdiction;
  std::optional<organization_id> org;
  std::vector<organization_type> existing_organizations;
  bool operator==(const register_host&) const = default;
};

// ----- Organizations in scope -----------------------------------------------------------------

// Registered from the survey form (附件1). Enterprises and markets carry a unified social credit
// code; an individual business carries either that code or its 15-digit registration number.
struct register_organization {
  static constexpr std::string_view name = "register_organization";
  organization_id org;
  org_kind kind = org_kind::small_micro_enterprise;
  std::string org_name;
  std::string social_credit_code;
  std::string registration_number;
  std::string trade;  // trade code or name (行业); orgs of one trade may form jointly
  jurisdiction_code office;  // the market-regulation office (or county) the org belongs to
  std::string address;
  std::uint32_t employees = 0;
  owner_identity owner = owner_identity::neither;
  std::string management_relationship;  // 管理关系
  operating_status status = operating_status::in_real_operation;
  focus_area focus = focus_area::none;
  bool has_activity_venue = false;  // 活动场地
  date registered_on;
  bool operator==(const register_organization&) const = default;
};

// 调查 -> 甄别 -> 登记 -> 建库, in order.
struct complete_survey_step {
  static constexpr std::string_view name = "complete_survey_step";
  organization_id org;
  survey_step step = survey_step::investigate;
  date completed_on;
  bool operator==(const complete_survey_step&) const = default;
};

// Only the fields present change.
struct correct_organization_details {
  static constexpr std::string_view name = "correct_organization_details";
  organization_id org;
  std::optional<std::string> org_name;
  std::optional<std::string> social_credit_code;
  std::optional<std::string> registration_number;
  std::optional<std::string> trade;
  std::optional<jurisdiction_code> office;
  std::optional<std::string> address;
  std::optional<std::uint32_t> employees;
  std::optional<owner_identity> owner;
  std::optional<std::string> management_relationship;
  std::optional<operating_status> status;
  std::optional<focus_area> focus;
  std::optional<bool> has_activity_venue;
  std::string note;
  date corrected_on;
  bool operator==(const correct_organization_details&) const = default;
};

// Shell and dormant firms leave the base (移出基数); nothing happens to the org afterwards.
struct remove_organization {
  static constexpr std::string_view name = "remove_organization";
  organization_id org;
  removal_reason reason = removal_reason::shell;
  std::string note;
  date removed_on;
  bool operator==(const remove_organization&) const = default;
};

// ----- Members --------------------------------------------------------------------------------

// A member found in an org by the survey. `admitted_on` is when the person joined the Party or
// League (the probationary year runs from it).
struct record_member {
  static constexpr std::string_view name = "record_member";
  member_id member;
  organization_id org;
  member_affiliation affiliation = member_affiliation::party;
  member_standing standing = member_standing::formal;
  member_status status = member_status::hidden;
  std::string member_name;
  std::string relationship_held_at;  // where the organizational relationship is held now
  date admitted_on;
  date recorded_on;
  bool operator==(const record_member&) const = default;
};

// 亮身份: a hidden, pocket or floating member comes forward.
struct disclose_member_identity {
  static constexpr std::string_view name = "disclose_member_identity";
  member_id member;
  date disclosed_on;
  bool operator==(const disclose_member_identity&) const = default;
};

// 发展党（团）员: a new member admitted in an org (Party: probationary first; League: formal).
struct develop_member {
  static constexpr std::string_view name = "develop_member";
  member_id member;
  organization_id org;
  member_affiliation affiliation = member_affiliation::party;
  std::string member_name;
  std::optional<branch_id> admitted_by;  // the organization that admitted them, when recorded here
  date admitted_on;
  bool operator==(const develop_member&) const = default;
};

// 预备党员转正, after the probationary year.
struct make_member_formal {
  static constexpr std::string_view name = "make_member_formal";
  member_id member;
  date made_formal_on;
  bool operator==(const make_member_formal&) const = default;
};

struct record_member_left {
  static constexpr std::string_view name = "record_member_left";
  member_id member;
  leaving_reason reason = leaving_reason::changed_job;
  date left_on;
  bool operator==(const record_member_left&) const = default;
};

// 就地就近: a member of an org without its own organization takes part in a nearby one.
struct attach_member_nearby {
  static constexpr std::string_view name = "attach_member_nearby";
  member_id member;
  branch_id branch;
  date attached_on;
  bool operator==(const attach_member_nearby&) const = default;
};

// Stops taking part in the nearby organization (to take part in another, or in none).
struct detach_member_nearby {
  static constexpr std::string_view name = "detach_member_nearby";
  member_id member;
  std::string reason;
  date detached_on;
  bool operator==(const detach_member_nearby&) const = default;
};

// ----- Transfers of membership (组织关系接转) ---------------------------------------------------

// 介绍信: from the outflow organization to an organization here, with the member's standing, dues
// paid up to, and a validity (at most the policy's limit, 90 days by default).
struct issue_transfer_letter {
  static constexpr std::string_view name = "issue_transfer_letter";
  transfer_id transfer;
  member_id member;
  std::string from_organization;
  branch_id to_branch;
  member_standing standing = member_standing::formal;
  date dues_paid_until;
  date issued_on;
  date valid_until;
  bool operator==(const issue_transfer_letter&) const = default;
};

// 回执: the receiving organization confirms; the transfer completes and the relationship moves.
struct receive_transfer_letter {
  static constexpr std::string_view name = "receive_transfer_letter";
  transfer_id transfer;
  date received_on;
  bool operator==(const receive_transfer_letter&) const = default;
};

struct reject_transfer_letter {
  static constexpr std::string_view name = "reject_transfer_letter";
  transfer_id transfer;
  std::string reason;
  date rejected_on;
  bool operator==(const reject_transfer_letter&) const = default;
};

struct revoke_transfer_letter {
  static constexpr std::string_view name = "revoke_transfer_letter";
  transfer_id transfer;
  std::string reason;
  date revoked_on;
  bool operator==(const revoke_transfer_letter&) const = default;
};

// Recorded once the letter's validity has passed unreceived (the date comes from the context).
struct expire_transfer_letter {
  static constexpr std::string_view name = "expire_transfer_letter";
  transfer_id transfer;
  bool operator==(const expire_transfer_letter&) const = default;
};

// A lost letter: the old one is voided and a new one issued under a new transfer id.
struct reissue_transfer_letter {
  static constexpr std::string_view name = "reissue_transfer_letter";
  transfer_id lost;
  transfer_id transfer;
  date issued_on;
  date valid_until;
  bool operator==(const reissue_transfer_letter&) const = default;
};

// The notice's exception path: where a transfer is truly difficult, an identity certificate from
// the outflow village or residents' committee's Party (League) organization completes it.
struct complete_transfer_by_certificate {
  static constexpr std::string_view name = "complete_transfer_by_certificate";
  transfer_id transfer;
  member_id member;
  branch_id to_branch;
  certificate_issuer issuer = certificate_issuer::village_committee;
  std::string issuer_name;
  std::string certificate_number;
  date completed_on;
  bool operator==(const complete_transfer_by_certificate&) const = default;
};

// ----- Instructors (党建/团建指导员) -------------------------------------------------------------

struct assign_instructor {
  static constexpr std::string_view name = "assign_instructor";
  instructor_id instructor;
  std::string instructor_name;
  member_affiliation affiliation = member_affiliation::party;  // Party or League building
  instructor_source source = instructor_source::market_regulation_staff;
  std::vector<organization_id> orgs;
  date assigned_on;
  bool operator==(const assign_instructor&) const = default;
};

struct release_instructor {
  static constexpr std::string_view name = "release_instructor";
  instructor_id instructor;
  std::string reason;
  date released_on;
  bool operator==(const release_instructor&) const = default;
};

// ----- Organizations formed (组建) -------------------------------------------------------------

// Standalone: one org. Joint: 2+ orgs of one trade or one county. Affiliated: with a host that has
// an organization of the type. Industry: through an association, chamber or specialized market
// (`channel_market` names the market org when the channel is a specialized market).
struct form_organization {
  static constexpr std::string_view name = "form_organization";
  branch_id branch;
  organization_type branch_type = organization_type::party;
  formation_mode mode = formation_mode::standalone;
  std::string branch_name;
  std::vector<organization_id> orgs;
  std::optional<host_id> host;
  std::optional<industry_channel> channel;
  std::string channel_name;
  std::optional<organization_id> channel_market;
  date formed_on;
  bool operator==(const form_organization&) const = default;
};

struct add_orgs_to_organization {
  static constexpr std::string_view name = "add_orgs_to_organization";
  branch_id branch;
  std::vector<organization_id> orgs;
  date added_on;
  bool operator==(const add_orgs_to_organization&) const = default;
};

struct remove_orgs_from_organization {
  static constexpr std::string_view name = "remove_orgs_from_organization";
  branch_id branch;
  std::vector<organization_id> orgs;
  std::string reason;
  date removed_on;
  bool operator==(const remove_orgs_from_organization&) const = default;
};

struct dissolve_organization {
  static constexpr std::string_view name = "dissolve_organization";
  branch_id branch;
  std::string reason;
  date dissolved_on;
  bool operator==(const dissolve_organization&) const = default;
};

// ----- Formation targets: the ledger (组建对象, 对账销号) ----------------------------------------

struct designate_formation_target {
  static constexpr std::string_view name = "designate_formation_target";
  target_id target;
  organization_id org;
  organization_type branch_type = organization_type::party;
  formation_mode planned_mode = formation_mode::standalone;
  date deadline;
  std::string person_responsible;
  date designated_on;
  bool operator==(const designate_formation_target&) const = default;
};

// Why the target's org cannot form yet (a missing condition).
struct record_target_reason {
  static constexpr std::string_view name = "record_target_reason";
  target_id target;
  no_organization_reason reason = no_organization_reason::fewer_than_three_formal_members;
  std::string note;
  date recorded_on;
  bool operator==(const record_target_reason&) const = default;
};

// ----- Accountability interviews (约谈) ---------------------------------------------------------

struct schedule_interview {
  static constexpr std::string_view name = "schedule_interview";
  interview_id interview;
  campaign_id campaign;
  jurisdiction_code jurisdiction;
  std::string responsible_person;
  std::vector<interview_reason> reasons;
  bulletin_round round;
  std::int64_t scheduled_at_ms = 0;
  std::string place;
  // Whose ranking calls the jurisdiction: Party when absent (clients from before League interviews).
  std::optional<member_affiliation> affiliation;
  bool operator==(const schedule_interview&) const = default;
};

// The interviewee answers (表态) and pledges.
struct hold_interview {
  static constexpr std::string_view name = "hold_interview";
  interview_id interview;
  std::int64_t held_at_ms = 0;
  std::string answer;
  std::string pledge;
  bool operator==(const hold_interview&) const = default;
};

struct set_rectification_items {
  static constexpr std::string_view name = "set_rectification_items";
  interview_id interview;
  std::vector<rectification_item> items;
  bool operator==(const set_rectification_items&) const = default;
};

// `item` is the index of the item in the list set.
struct complete_rectification_item {
  static constexpr std::string_view name = "complete_rectification_item";
  interview_id interview;
  std::uint32_t item = 0;
  date done_on;
  bool operator==(const complete_rectification_item&) const = default;
};

struct close_interview {
  static constexpr std::string_view name = "close_interview";
  interview_id interview;
  std::string conclusion;
  date closed_on;
  bool operator==(const close_interview&) const = default;
};

// Passed to the level above (the jurisdiction's parent).
struct escalate_interview {
  static constexpr std::string_view name = "escalate_interview";
  interview_id interview;
  std::string reason;
  date escalated_on;
  bool operator==(const escalate_interview&) const = default;
};

}  // namespace gongjian::domain::commands

namespace gongjian::domain {

using command = std::variant<
    commands::register_jurisdiction, commands::assign_jurisdiction_leader, commands::set_action_plan,
    commands::open_campaign, commands::close_campaign, commands::issue_bulletin, commands::register_host,
    commands::register_organization, commands::complete_survey_step, commands::correct_organization_details,
    commands::remove_organization, commands::record_member, commands::disclose_member_identity,
    commands::develop_member, commands::make_member_formal, commands::record_member_left,
    commands::attach_member_nearby, commands::detach_member_nearby, commands::issue_transfer_letter, commands::receive_transfer_letter,
    commands::reject_transfer_letter, commands::revoke_transfer_letter, commands::expire_transfer_letter,
    commands::reissue_transfer_letter, commands::complete_transfer_by_certificate, commands::assign_instructor,
    commands::release_instructor, commands::form_organization, commands::add_orgs_to_organization,
    commands::remove_orgs_from_organization, commands::dissolve_organization,
    commands::designate_formation_target, commands::record_target_reason, commands::schedule_interview,
    commands::hold_interview, commands::set_rectification_items, commands::complete_rectification_item,
    commands::close_interview, commands::escalate_interview>;

inline std::string_view name_of(const command& c) {
  return std::visit([](const auto& x) { return std::decay_t<decltype(x)>::name; }, c);
}

}  // namespace gongjian::domain
