#pragma once
// The event catalogue: one plain struct per fact, named in the past tense. Events are the only
// source of truth: `apply` folds them into the write model, the projections into everything a
// user reads. Each carries its stable `type` name, its `schema_version`, and a cereal `serialize`
// taking the class version, so a field can only ever be ADDED: a new field is read when
// `version >= N` and the schema_version goes up to N; old payloads keep decoding (golden-bytes
// tests in tests/domain/codec_golden_test.cc pin every released encoding). The class versions
// are registered with cereal in domain/src/codec.cc, the only place events are encoded.
//
// Events carry everything needed to replay them without recomputing: a bulletin carries the
// rankings it froze, an organization's formation the member count it was formed with.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gongjian/domain/ids.h"
#include "gongjian/domain/values.h"

namespace gongjian::domain::events {

// A jurisdiction joined the tree under its parent (empty for the nation).
struct jurisdiction_registered {
  static constexpr std::string_view type = "jurisdiction_registered";
  static constexpr std::uint16_t schema_version = 1;
  jurisdiction_code code;
  std::string jurisdiction_name;
  jurisdiction_level level = jurisdiction_level::national;
  jurisdiction_code parent;
  bool operator==(const jurisdiction_registered&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(code, jurisdiction_name, level, parent); }
};

// 领导包片联系 and 牵头部门.
struct jurisdiction_leader_assigned {
  static constexpr std::string_view type = "jurisdiction_leader_assigned";
  static constexpr std::uint16_t schema_version = 1;
  jurisdiction_code code;
  std::string leader_name;
  std::string lead_department;
  date assigned_on;
  bool operator==(const jurisdiction_leader_assigned&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(code, leader_name, lead_department, assigned_on); }
};

// 行动计划; replaces an earlier plan of the same jurisdiction and campaign.
struct action_plan_set {
  static constexpr std::string_view type = "action_plan_set";
  static constexpr std::uint16_t schema_version = 1;
  jurisdiction_code code;
  campaign_id campaign;
  std::vector<plan_target> targets;
  date set_on;
  bool operator==(const action_plan_set&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(code, campaign, targets, set_on); }
};

// The campaign clock starts: bulletins every `bulletin_cadence_days` from `starts_on`.
struct campaign_opened {
  static constexpr std::string_view type = "campaign_opened";
  static constexpr std::uint16_t schema_version = 1;
  campaign_id campaign;
  std::string campaign_name;
  date starts_on;
  date ends_on;
  std::uint32_t bulletin_cadence_days = 15;
  indicator ranking_indicator = indicator::ledger_progress;
  indicator tie_break_indicator = indicator::standalone_formation_rate;
  interview_rules interviews;
  bool operator==(const campaign_opened&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(campaign, campaign_name, starts_on, ends_on, bulletin_cadence_days, ranking_indicator,
       tie_break_indicator, interviews);
  }
};

struct campaign_closed {
  static constexpr std::string_view type = "campaign_closed";
  static constexpr std::uint16_t schema_version = 1;
  campaign_id campaign;
  date closed_on;
  bool operator==(const campaign_closed&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(campaign, closed_on); }
};

// 通报: the frozen rankings of this round, exactly as published (replays never recompute them).
struct bulletin_issued {
  static constexpr std::string_view type = "bulletin_issued";
  static constexpr std::uint16_t schema_version = 1;
  campaign_id campaign;
  bulletin_round round;
  date as_of;
  std::uint64_t log_position = 0;
  std::vector<ranking> rankings;
  bool operator==(const bulletin_issued&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(campaign, round, as_of, log_position, rankings); }
};

// 挂靠单位 with the organization types it already has.
struct host_registered {
  static constexpr std::string_view type = "host_registered";
  static constexpr std::uint16_t schema_version = 1;
  host_id host;
  host_kind kind = host_kind::village_or_community;
  std::string host_name;
  jurisdiction_code jurisdiction;
  std::optional<organization_id> org;
  std::vector<organization_type> existing_organizations;
  bool operator==(const host_registered&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(host, kind, host_name, jurisdiction, org, existing_organizations);
  }
};

// An org entered the base from the survey (附件1).
struct organization_registered {
  static constexpr std::string_view type = "organization_registered";
  static constexpr std::uint16_t schema_version = 1;
  organization_id org;
  org_kind kind = org_kind::small_micro_enterprise;
  std::string org_name;
  std::string social_credit_code;
  std::string registration_number;
  std::string trade;
  jurisdiction_code office;
  std::string address;
  std::uint32_t employees = 0;
  owner_identity owner = owner_identity::neither;
  std::string management_relationship;
  operating_status status = operating_status::in_real_operation;
  focus_area focus = focus_area::none;
  bool has_activity_venue = false;
  date registered_on;
  bool operator==(const organization_registered&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(org, kind, org_name, social_credit_code, registration_number, trade, office, address, employees, owner,
       management_relationship, status, focus, has_activity_venue, registered_on);
  }
};

// 调查 / 甄别 / 登记 / 建库.
struct survey_step_completed {
  static constexpr std::string_view type = "survey_step_completed";
  static constexpr std::uint16_t schema_version = 1;
  organization_id org;
  survey_step step = survey_step::investigate;
  date completed_on;
  bool operator==(const survey_step_completed&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(org, step, completed_on); }
};

// Only the fields present changed.
struct organization_details_corrected {
  static constexpr std::string_view type = "organization_details_corrected";
  static constexpr std::uint16_t schema_version = 1;
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
  bool operator==(const organization_details_corrected&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(org, org_name, social_credit_code, registration_number, trade, office, address, employees, owner,
       management_relationship, status, focus, has_activity_venue, note, corrected_on);
  }
};

// Left the base (shell/dormant...); no command touches it afterwards.
struct organization_removed {
  static constexpr std::string_view type = "organization_removed";
  static constexpr std::uint16_t schema_version = 1;
  organization_id org;
  removal_reason reason = removal_reason::shell;
  std::string note;
  date removed_on;
  bool operator==(const organization_removed&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(org, reason, note, removed_on); }
};

// A member found in an org (or re-recorded after leaving another).
struct member_recorded {
  static constexpr std::string_view type = "member_recorded";
  static constexpr std::uint16_t schema_version = 1;
  member_id member;
  organization_id org;
  member_affiliation affiliation = member_affiliation::party;
  member_standing standing = member_standing::formal;
  member_status status = member_status::hidden;
  std::string member_name;
  std::string relationship_held_at;
  date admitted_on;
  date recorded_on;
  bool operator==(const member_recorded&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(member, org, affiliation, standing, status, member_name, relationship_held_at, admitted_on, recorded_on);
  }
};

// 亮身份: `previous_status` was hidden, pocket or floating; the member is now disclosed.
struct member_identity_disclosed {
  static constexpr std::string_view type = "member_identity_disclosed";
  static constexpr std::uint16_t schema_version = 1;
  member_id member;
  organization_id org;
  member_status previous_status = member_status::hidden;
  date disclosed_on;
  bool operator==(const member_identity_disclosed&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(member, org, previous_status, disclosed_on); }
};

// 发展党（团）员: Party members start probationary, League members formal; status active.
struct member_developed {
  static constexpr std::string_view type = "member_developed";
  static constexpr std::uint16_t schema_version = 1;
  member_id member;
  organization_id org;
  member_affiliation affiliation = member_affiliation::party;
  member_standing standing = member_standing::probationary;
  std::string member_name;
  std::optional<branch_id> admitted_by;
  date admitted_on;
  bool operator==(const member_developed&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(member, org, affiliation, standing, member_name, admitted_by, admitted_on);
  }
};

// 预备党员转正.
struct member_made_formal {
  static constexpr std::string_view type = "member_made_formal";
  static constexpr std::uint16_t schema_version = 1;
  member_id member;
  organization_id org;
  date made_formal_on;
  bool operator==(const member_made_formal&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(member, org, made_formal_on); }
};

// The member left the org (and any nearby attachment ends).
struct member_left {
  static constexpr std::string_view type = "member_left";
  static constexpr std::uint16_t schema_version = 1;
  member_id member;
  organization_id org;
  leaving_reason reason = leaving_reason::changed_job;
  date left_on;
  bool operator==(const member_left&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(member, org, reason, left_on); }
};

// 就地就近: takes part in a nearby organization.
struct member_attached_nearby {
  static constexpr std::string_view type = "member_attached_nearby";
  static constexpr std::uint16_t schema_version = 1;
  member_id member;
  branch_id branch;
  date attached_on;
  bool operator==(const member_attached_nearby&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(member, branch, attached_on); }
};

// No longer takes part in the nearby organization: the member stops (to take part in another), or
// the organization is dissolved (decided with the dissolution: one for each member attached to it).
struct member_detached {
  static constexpr std::string_view type = "member_detached";
  static constexpr std::uint16_t schema_version = 1;
  member_id member;
  branch_id branch;
  std::string reason;
  date detached_on;
  bool operator==(const member_detached&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(member, branch, reason, detached_on); }
};

// 介绍信 issued towards an organization here.
struct transfer_letter_issued {
  static constexpr std::string_view type = "transfer_letter_issued";
  static constexpr std::uint16_t schema_version = 1;
  transfer_id transfer;
  member_id member;
  std::string from_organization;
  branch_id to_branch;
  member_standing standing = member_standing::formal;
  date dues_paid_until;
  date issued_on;
  date valid_until;
  bool operator==(const transfer_letter_issued&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(transfer, member, from_organization, to_branch, standing, dues_paid_until, issued_on, valid_until);
  }
};

// 回执: the transfer completed; the relationship is held here (member active).
struct transfer_letter_received {
  static constexpr std::string_view type = "transfer_letter_received";
  static constexpr std::uint16_t schema_version = 1;
  transfer_id transfer;
  member_id member;
  branch_id to_branch;
  date received_on;
  bool operator==(const transfer_letter_received&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(transfer, member, to_branch, received_on); }
};

struct transfer_letter_rejected {
  static constexpr std::string_view type = "transfer_letter_rejected";
  static constexpr std::uint16_t schema_version = 1;
  transfer_id transfer;
  member_id member;
  std::string reason;
  date rejected_on;
  bool operator==(const transfer_letter_rejected&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(transfer, member, reason, rejected_on); }
};

struct transfer_letter_revoked {
  static constexpr std::string_view type = "transfer_letter_revoked";
  static constexpr std::uint16_t schema_version = 1;
  transfer_id transfer;
  member_id member;
  std::string reason;
  date revoked_on;
  bool operator==(const transfer_letter_revoked&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(transfer, member, reason, revoked_on); }
};

// The validity passed unreceived; see member_listed_as_pocket.
struct transfer_letter_expired {
  static constexpr std::string_view type = "transfer_letter_expired";
  static constexpr std::uint16_t schema_version = 1;
  transfer_id transfer;
  member_id member;
  date expired_on;
  bool operator==(const transfer_letter_expired&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(transfer, member, expired_on); }
};

// 口袋党（团）员: automatic consequence of an expired letter.
struct member_listed_as_pocket {
  static constexpr std::string_view type = "member_listed_as_pocket";
  static constexpr std::uint16_t schema_version = 1;
  member_id member;
  transfer_id transfer;
  date listed_on;
  bool operator==(const member_listed_as_pocket&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(member, transfer, listed_on); }
};

// A lost letter voided (`lost`) and a new one issued (`transfer`) to the same organization;
// the outflow organization and dues are those of the lost letter.
struct transfer_letter_reissued {
  static constexpr std::string_view type = "transfer_letter_reissued";
  static constexpr std::uint16_t schema_version = 1;
  transfer_id lost;
  transfer_id transfer;
  member_id member;
  branch_id to_branch;
  member_standing standing = member_standing::formal;
  date issued_on;
  date valid_until;
  bool operator==(const transfer_letter_reissued&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(lost, transfer, member, to_branch, standing, issued_on, valid_until);
  }
};

// 身份证明 from the outflow village or residents' committee completed the transfer.
struct transfer_completed_by_certificate {
  static constexpr std::string_view type = "transfer_completed_by_certificate";
  static constexpr std::uint16_t schema_version = 1;
  transfer_id transfer;
  member_id member;
  branch_id to_branch;
  certificate_issuer issuer = certificate_issuer::village_committee;
  std::string issuer_name;
  std::string certificate_number;
  date completed_on;
  bool operator==(const transfer_completed_by_certificate&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(transfer, member, to_branch, issuer, issuer_name, certificate_number, completed_on);
  }
};

// 党建/团建指导员选派.
struct instructor_assigned {
  static constexpr std::string_view type = "instructor_assigned";
  static constexpr std::uint16_t schema_version = 1;
  instructor_id instructor;
  std::string instructor_name;
  member_affiliation affiliation = member_affiliation::party;
  instructor_source source = instructor_source::market_regulation_staff;
  std::vector<organization_id> orgs;
  date assigned_on;
  bool operator==(const instructor_assigned&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(instructor, instructor_name, affiliation, source, orgs, assigned_on);
  }
};

struct instructor_released {
  static constexpr std::string_view type = "instructor_released";
  static constexpr std::uint16_t schema_version = 1;
  instructor_id instructor;
  std::string reason;
  date released_on;
  bool operator==(const instructor_released&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(instructor, reason, released_on); }
};

// 组建: `formal_members` is the count of formal members of the type's affiliation across the
// covered orgs at formation (0 for unions and women's federations), which sets `scale`.
struct organization_formed {
  static constexpr std::string_view type = "organization_formed";
  static constexpr std::uint16_t schema_version = 1;
  branch_id branch;
  organization_type branch_type = organization_type::party;
  formation_mode mode = formation_mode::standalone;
  organization_scale scale = organization_scale::branch;
  std::string branch_name;
  std::vector<organization_id> orgs;
  std::optional<host_id> host;
  std::optional<industry_channel> channel;
  std::string channel_name;
  std::optional<organization_id> channel_market;
  std::uint32_t formal_members = 0;
  date formed_on;
  bool operator==(const organization_formed&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(branch, branch_type, mode, scale, branch_name, orgs, host, channel, channel_name, channel_market,
       formal_members, formed_on);
  }
};

struct organization_orgs_added {
  static constexpr std::string_view type = "organization_orgs_added";
  static constexpr std::uint16_t schema_version = 1;
  branch_id branch;
  std::vector<organization_id> orgs;
  date added_on;
  bool operator==(const organization_orgs_added&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(branch, orgs, added_on); }
};

struct organization_orgs_removed {
  static constexpr std::string_view type = "organization_orgs_removed";
  static constexpr std::uint16_t schema_version = 1;
  branch_id branch;
  std::vector<organization_id> orgs;
  std::string reason;
  date removed_on;
  bool operator==(const organization_orgs_removed&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(branch, orgs, reason, removed_on); }
};

// The organization no longer covers its orgs.
struct organization_dissolved {
  static constexpr std::string_view type = "organization_dissolved";
  static constexpr std::uint16_t schema_version = 1;
  branch_id branch;
  std::string reason;
  date dissolved_on;
  bool operator==(const organization_dissolved&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(branch, reason, dissolved_on); }
};

// 组建对象: a ledger item for an org without an organization of `type`.
struct formation_target_designated {
  static constexpr std::string_view type = "formation_target_designated";
  static constexpr std::uint16_t schema_version = 1;
  target_id target;
  organization_id org;
  organization_type branch_type = organization_type::party;
  formation_mode planned_mode = formation_mode::standalone;
  date deadline;
  std::string person_responsible;
  date designated_on;
  bool operator==(const formation_target_designated&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(target, org, branch_type, planned_mode, deadline, person_responsible, designated_on);
  }
};

// 销号: automatic when an organization of the type comes to cover the org.
struct formation_target_struck_off {
  static constexpr std::string_view type = "formation_target_struck_off";
  static constexpr std::uint16_t schema_version = 1;
  target_id target;
  organization_id org;
  organization_type branch_type = organization_type::party;
  branch_id branch;
  date struck_off_on;
  bool operator==(const formation_target_struck_off&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(target, org, branch_type, branch, struck_off_on); }
};

// The missing condition that keeps the org from forming.
struct formation_target_reason_recorded {
  static constexpr std::string_view type = "formation_target_reason_recorded";
  static constexpr std::uint16_t schema_version = 1;
  target_id target;
  no_organization_reason reason = no_organization_reason::fewer_than_three_formal_members;
  std::string note;
  date recorded_on;
  bool operator==(const formation_target_reason_recorded&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(target, reason, note, recorded_on); }
};

// Automatic when the org is removed from the base: the item leaves the ledger.
struct formation_target_withdrawn {
  static constexpr std::string_view type = "formation_target_withdrawn";
  static constexpr std::uint16_t schema_version = 1;
  target_id target;
  organization_id org;
  date withdrawn_on;
  bool operator==(const formation_target_withdrawn&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(target, org, withdrawn_on); }
};

// 约谈 announced with time, place and reasons.
//   version 2: `affiliation`, the twin whose ranking called the jurisdiction (a League laggard is
//              called by the League committee above it). Version 1 interviews were all Party.
struct interview_scheduled {
  static constexpr std::string_view type = "interview_scheduled";
  static constexpr std::uint16_t schema_version = 2;
  interview_id interview;
  campaign_id campaign;
  jurisdiction_code jurisdiction;
  std::string responsible_person;
  std::vector<interview_reason> reasons;
  bulletin_round round;
  std::int64_t scheduled_at_ms = 0;
  std::string place;
  member_affiliation affiliation = member_affiliation::party;
  bool operator==(const interview_scheduled&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t version) {
    ar(interview, campaign, jurisdiction, responsible_person, reasons, round, scheduled_at_ms, place);
    if (version >= 2) ar(affiliation);
  }
};

// The interviewee answered and pledged (表态).
struct interview_held {
  static constexpr std::string_view type = "interview_held";
  static constexpr std::uint16_t schema_version = 1;
  interview_id interview;
  std::int64_t held_at_ms = 0;
  std::string answer;
  std::string pledge;
  bool operator==(const interview_held&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(interview, held_at_ms, answer, pledge); }
};

// 整改清单.
struct rectification_items_set {
  static constexpr std::string_view type = "rectification_items_set";
  static constexpr std::uint16_t schema_version = 1;
  interview_id interview;
  std::vector<rectification_item> items;
  bool operator==(const rectification_items_set&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(interview, items); }
};

struct rectification_item_done {
  static constexpr std::string_view type = "rectification_item_done";
  static constexpr std::uint16_t schema_version = 1;
  interview_id interview;
  std::uint32_t item = 0;
  date done_on;
  bool operator==(const rectification_item_done&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(interview, item, done_on); }
};

struct interview_closed {
  static constexpr std::string_view type = "interview_closed";
  static constexpr std::uint16_t schema_version = 1;
  interview_id interview;
  std::string conclusion;
  date closed_on;
  bool operator==(const interview_closed&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(interview, conclusion, closed_on); }
};

// Passed to the level above (`to`, the jurisdiction's parent).
struct interview_escalated {
  static constexpr std::string_view type = "interview_escalated";
  static constexpr std::uint16_t schema_version = 1;
  interview_id interview;
  jurisdiction_code to;
  std::string reason;
  date escalated_on;
  bool operator==(const interview_escalated&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(interview, to, reason, escalated_on); }
};

}  // namespace gongjian::domain::events

namespace gongjian::domain {

// The order of alternatives is not part of any format (events are stored by `type`), so new
// events may be inserted anywhere; keep them grouped by aggregate.
using event = std::variant<
    events::jurisdiction_registered, events::jurisdiction_leader_assigned, events::action_plan_set,
    events::campaign_opened, events::campaign_closed, events::bulletin_issued, events::host_registered,
    events::organization_registered, events::survey_step_completed, events::organization_details_corrected,
    events::organization_removed, events::member_recorded, events::member_identity_disclosed,
    events::member_developed, events::member_made_formal, events::member_left, events::member_attached_nearby,
    events::member_detached, events::transfer_letter_issued, events::transfer_letter_received, events::transfer_letter_rejected,
    events::transfer_letter_revoked, events::transfer_letter_expired, events::member_listed_as_pocket,
    events::transfer_letter_reissued, events::transfer_completed_by_certificate, events::instructor_assigned,
    events::instructor_released, events::organization_formed, events::organization_orgs_added,
    events::organization_orgs_removed, events::organization_dissolved, events::formation_target_designated,
    events::formation_target_struck_off, events::formation_target_reason_recorded,
    events::formation_target_withdrawn, events::interview_scheduled, events::interview_held,
    events::rectification_items_set, events::rectification_item_done, events::interview_closed,
    events::interview_escalated>;

inline std::string_view type_of(const event& e) {
  return std::visit([](const auto& x) { return std::decay_t<decltype(x)>::type; }, e);
}
inline std::uint16_t schema_version_of(const event& e) {
  return std::visit([](const auto& x) { return std::decay_t<decltype(x)>::schema_version; }, e);
}

}  // namespace gongjian::domain
