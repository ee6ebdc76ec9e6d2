#pragma once
// The catalogue of rules `decide` enforces: a stable code, the kind of rejection, and the rule in
// one sentence with its Chinese term. A rejection carries the code and the sentence; the server
// can list the catalogue (e.g. for documentation) and tests pin the codes.

#include <array>
#include <string_view>

#include "gongjian/domain/rejection.h"

namespace gongjian::domain {

struct rule_info {
  std::string_view code;
  rejection_kind kind;
  std::string_view sentence;
};

namespace rules {
inline constexpr rule_info invalid_id{"invalid_id", rejection_kind::invalid_input,
    "Ids are positive integers below 2^62, assigned by the caller."};
inline constexpr rule_info invalid_jurisdiction_code{"invalid_jurisdiction_code", rejection_kind::invalid_input,
    "A jurisdiction code is 000000 (全国), a GB/T 2260 province/city/county code (行政区划代码), or a county code followed by a 3-digit office number (工商所)."};
inline constexpr rule_info text_required{"text_required", rejection_kind::invalid_input,
    "Names, persons responsible and reasons are required."};
inline constexpr rule_info invalid_utf8{"invalid_utf8", rejection_kind::invalid_input,
    "Texts are well-formed UTF-8; Chinese names are first-class."};
inline constexpr rule_info text_too_long{"text_too_long", rejection_kind::invalid_input,
    "A text stays within the policy's length limit."};
inline constexpr rule_info invalid_value{"invalid_value", rejection_kind::invalid_input,
    "An enumerated field holds one of its named values."};
inline constexpr rule_info date_out_of_range{"date_out_of_range", rejection_kind::invalid_input,
    "Dates lie between 1900-01-01 and 2999-12-31."};
inline constexpr rule_info date_in_future{"date_in_future", rejection_kind::invalid_input,
    "A fact is not dated after the day it is recorded (China Standard Time)."};
inline constexpr rule_info date_order{"date_order", rejection_kind::invalid_input,
    "Dates follow each other: an end after its start, a deadline on or after the day it is set."};
inline constexpr rule_info date_before_prior_step{"date_before_prior_step", rejection_kind::rule_violation,
    "A step is not dated before the step it follows whose date is recorded: nothing is done to or in an org (survey steps, corrections, removal, members recorded or developed, targets, instructors, organizations formed or joined) before its registration; survey steps in order; a letter received, rejected, revoked or reissued on or after its issue; a member disclosed, made formal, attached nearby, leaving, or given a letter or a certificate on or after being recorded; an instructor released after assignment; a member detached on or after being attached (so an organization is not dissolved before an attachment to it); orgs added or removed and an organization dissolved after its formation; a target's reason after its designation; an interview held on or after its scheduled day, its items due, done, closed or escalated on or after the day it was held."};
inline constexpr rule_info dues_paid_too_far_ahead{"dues_paid_too_far_ahead", rejection_kind::invalid_input,
    "A letter's dues paid up to (党费交至) lie at most the policy's days (366 by default) after its issue."};
inline constexpr rule_info invalid_count{"invalid_count", rejection_kind::invalid_input,
    "Counts lie within their range (employees, targets, cadence, ranks, item numbers)."};
inline constexpr rule_info list_required{"list_required", rejection_kind::invalid_input,
    "A list the action needs (orgs, targets, reasons, items) is not empty."};
inline constexpr rule_info duplicate_in_list{"duplicate_in_list", rejection_kind::invalid_input,
    "A list names each entry once."};
inline constexpr rule_info invalid_social_credit_code{"invalid_social_credit_code", rejection_kind::invalid_input,
    "A unified social credit code (统一社会信用代码) has 18 characters and the GB 32100 check character."};
inline constexpr rule_info invalid_registration_number{"invalid_registration_number", rejection_kind::invalid_input,
    "A registration number (注册号) has 15 digits and the ISO 7064 MOD 11,10 check digit."};
inline constexpr rule_info identification_required{"identification_required", rejection_kind::invalid_input,
    "An enterprise or specialized market carries its unified social credit code; an individual business (个体工商户) that code or its registration number."};
inline constexpr rule_info nothing_to_correct{"nothing_to_correct", rejection_kind::invalid_input,
    "A correction changes at least one field."};
inline constexpr rule_info field_not_for_mode{"field_not_for_mode", rejection_kind::invalid_input,
    "A host is named only for affiliated formation (挂靠组建), a channel only for industry formation (行业组建)."};
inline constexpr rule_info jurisdiction_exists{"jurisdiction_exists", rejection_kind::already_exists,
    "A jurisdiction is registered once."};
inline constexpr rule_info jurisdiction_not_found{"jurisdiction_not_found", rejection_kind::not_found,
    "A jurisdiction referred to is registered."};
inline constexpr rule_info parent_jurisdiction_not_registered{"parent_jurisdiction_not_registered", rejection_kind::rule_violation,
    "A jurisdiction is registered under its parent: 全国 → 省 → 地市 → 县区 → 工商所."};
inline constexpr rule_info office_level_required{"office_level_required", rejection_kind::rule_violation,
    "An org and a host belong to a county or a market-regulation office (工商所)."};
inline constexpr rule_info campaign_exists{"campaign_exists", rejection_kind::already_exists,
    "A campaign is opened once."};
inline constexpr rule_info campaign_not_found{"campaign_not_found", rejection_kind::not_found,
    "A campaign referred to is open or was opened."};
inline constexpr rule_info campaign_closed{"campaign_closed", rejection_kind::conflict,
    "A closed campaign takes no more plans, bulletins or interviews."};
inline constexpr rule_info bulletin_cadence_out_of_range{"bulletin_cadence_out_of_range", rejection_kind::invalid_input,
    "Bulletins come every 1 to 366 days (default 每15天通报一轮)."};
inline constexpr rule_info bulletin_round_out_of_order{"bulletin_round_out_of_order", rejection_kind::conflict,
    "Bulletin rounds are issued one at a time: 1, 2, 3 …"};
inline constexpr rule_info bulletin_not_due{"bulletin_not_due", rejection_kind::rule_violation,
    "Round N is issued on or after the campaign start plus N × the cadence."};
inline constexpr rule_info ranking_not_of_children{"ranking_not_of_children", rejection_kind::rule_violation,
    "A ranking compares the registered children of one parent jurisdiction."};
inline constexpr rule_info host_exists{"host_exists", rejection_kind::already_exists,
    "A host (挂靠单位) is registered once."};
inline constexpr rule_info host_not_found{"host_not_found", rejection_kind::not_found,
    "A host referred to is registered."};
inline constexpr rule_info host_org_requires_enterprise{"host_org_requires_enterprise", rejection_kind::invalid_input,
    "Only an enterprise host links to a registered org."};
inline constexpr rule_info org_exists{"org_exists", rejection_kind::already_exists,
    "An org is registered once."};
inline constexpr rule_info org_not_found{"org_not_found", rejection_kind::not_found,
    "An org referred to is registered."};
inline constexpr rule_info org_removed{"org_removed", rejection_kind::conflict,
    "Nothing happens to an org removed from the base (移出基数)."};
inline constexpr rule_info survey_step_out_of_order{"survey_step_out_of_order", rejection_kind::rule_violation,
    "The four survey steps (四个步骤) are completed in order: 调查 investigate, 甄别 screen, 登记 register, 建库 build the database."};
inline constexpr rule_info org_still_covered{"org_still_covered", rejection_kind::rule_violation,
    "An org inside an organization leaves it before it is removed from the base; a deregistered (注销) one leaves the shared organizations it is in with its removal, once an organization of its own is dissolved."};
inline constexpr rule_info member_not_found{"member_not_found", rejection_kind::not_found,
    "A member referred to is recorded."};
inline constexpr rule_info member_in_another_org{"member_in_another_org", rejection_kind::conflict,
    "A member cannot be in two places at once: recorded in one org at a time."};
inline constexpr rule_info member_not_in_org{"member_not_in_org", rejection_kind::conflict,
    "The member has left the org; record them again where they are now."};
inline constexpr rule_info league_has_no_probation{"league_has_no_probation", rejection_kind::invalid_input,
    "Only Party membership has a probationary period (预备期); League members are formal."};
inline constexpr rule_info identity_already_disclosed{"identity_already_disclosed", rejection_kind::conflict,
    "Disclosing identity (亮身份) applies to hidden (隐形), pocket (口袋) or floating (流动) members."};
inline constexpr rule_info member_already_formal{"member_already_formal", rejection_kind::conflict,
    "Only a probationary member is made formal (转正)."};
inline constexpr rule_info probation_not_over{"probation_not_over", rejection_kind::rule_violation,
    "A probationary Party member becomes formal after the probationary year (预备期满一年)."};
inline constexpr rule_info member_has_open_transfer{"member_has_open_transfer", rejection_kind::conflict,
    "A member cannot be in two places at once: one open transfer letter at a time, settled before leaving."};
inline constexpr rule_info member_already_attached{"member_already_attached", rejection_kind::conflict,
    "A member takes part in one nearby organization at a time (就地就近)."};
inline constexpr rule_info member_not_attached{"member_not_attached", rejection_kind::conflict,
    "Only a member who takes part in a nearby organization (就地就近) stops taking part in it."};
inline constexpr rule_info org_has_own_organization{"org_has_own_organization", rejection_kind::rule_violation,
    "Nearby attachment (就地就近) is for members whose org has no organization of their affiliation."};
inline constexpr rule_info organization_not_nearby{"organization_not_nearby", rejection_kind::rule_violation,
    "Nearby attachment (就地就近) is to an organization that covers an org in the county of the member's org."};
inline constexpr rule_info transfer_exists{"transfer_exists", rejection_kind::already_exists,
    "A transfer is recorded once."};
inline constexpr rule_info transfer_not_found{"transfer_not_found", rejection_kind::not_found,
    "A transfer referred to is recorded."};
inline constexpr rule_info letter_validity_exceeds_limit{"letter_validity_exceeds_limit", rejection_kind::rule_violation,
    "A transfer letter (介绍信) is valid for at most the policy's days (90 by default)."};
inline constexpr rule_info transfer_not_issued{"transfer_not_issued", rejection_kind::conflict,
    "A transfer completes only once and only from \"issued\"; a rejected, revoked, expired, voided or completed letter is settled."};
inline constexpr rule_info letter_expired{"letter_expired", rejection_kind::rule_violation,
    "A letter is received (回执) within its validity; an expired letter makes the member a pocket member."};
inline constexpr rule_info letter_not_expired{"letter_not_expired", rejection_kind::rule_violation,
    "A letter expires only after its last valid day."};
inline constexpr rule_info standing_mismatch{"standing_mismatch", rejection_kind::invalid_input,
    "A letter states the member's standing (正式/预备) as recorded."};
inline constexpr rule_info transfer_into_own_organization{"transfer_into_own_organization", rejection_kind::conflict,
    "A transfer (组织关系接转) moves a member's relationship to another organization, not into the one here that already holds it."};
inline constexpr rule_info branch_exists{"branch_exists", rejection_kind::already_exists,
    "An organization is formed once under its id."};
inline constexpr rule_info branch_not_found{"branch_not_found", rejection_kind::not_found,
    "An organization referred to is formed."};
inline constexpr rule_info organization_dissolved{"organization_dissolved", rejection_kind::conflict,
    "A dissolved organization takes no more orgs, members or letters."};
inline constexpr rule_info organization_type_mismatch{"organization_type_mismatch", rejection_kind::rule_violation,
    "Party members go to Party organizations, League members to League organizations."};
inline constexpr rule_info standalone_covers_one_org{"standalone_covers_one_org", rejection_kind::rule_violation,
    "A standalone organization (单独组建) covers exactly its own org; dissolve it rather than change it."};
inline constexpr rule_info standalone_requires_three_formal_members{"standalone_requires_three_formal_members", rejection_kind::rule_violation,
    "Standalone formation (单独组建) needs 3 or more formal (正式) Party (League) members in the org: 凡是有3名以上正式党（团）员的…都要单独建立党（团）组织."};
inline constexpr rule_info joint_requires_two_orgs{"joint_requires_two_orgs", rejection_kind::rule_violation,
    "Joint formation (联合组建) covers 2 or more orgs."};
inline constexpr rule_info joint_requires_three_formal_members{"joint_requires_three_formal_members", rejection_kind::rule_violation,
    "Joint formation (联合组建) of a Party (League) organization reaches 3 formal members across its orgs."};
inline constexpr rule_info joint_requires_shared_trade_or_county{"joint_requires_shared_trade_or_county", rejection_kind::rule_violation,
    "Jointly formed orgs share a trade or lie in one county (行业相近、产业相通、地域相邻、便于管理)."};
inline constexpr rule_info eligible_org_must_form_standalone{"eligible_org_must_form_standalone", rejection_kind::rule_violation,
    "An org with 3 or more formal members forms its own organization (应建尽建), not a joint, affiliated or industry one, and a formation target for it is planned standalone."};
inline constexpr rule_info affiliation_requires_host{"affiliation_requires_host", rejection_kind::invalid_input,
    "Affiliated formation (挂靠组建) names its host (挂靠单位)."};
inline constexpr rule_info host_has_no_organization{"host_has_no_organization", rejection_kind::rule_violation,
    "Affiliated formation (挂靠组建) needs a host that already has an organization of that type (已建立党（团）组织的企业、村（社区）、工商所、个私协会)."};
inline constexpr rule_info host_not_nearby{"host_not_nearby", rejection_kind::rule_violation,
    "A host lies in the same county as the orgs it takes in (地域相近)."};
inline constexpr rule_info industry_requires_channel{"industry_requires_channel", rejection_kind::invalid_input,
    "Industry formation (行业组建) names its channel: an industry association (行业协会), chamber of commerce (商会) or specialized market (专业市场)."};
inline constexpr rule_info channel_market_invalid{"channel_market_invalid", rejection_kind::rule_violation,
    "A specialized-market channel is a registered specialized market (专业市场) in the base."};
inline constexpr rule_info industry_requires_shared_trade{"industry_requires_shared_trade", rejection_kind::rule_violation,
    "Industry formation (行业组建) covers orgs of one clear trade (行业特征明显)."};
inline constexpr rule_info industry_requires_three_formal_members{"industry_requires_three_formal_members", rejection_kind::rule_violation,
    "Industry formation (行业组建) of a Party (League) organization reaches 3 formal members across its orgs."};
inline constexpr rule_info org_already_covered{"org_already_covered", rejection_kind::rule_violation,
    "An org is in one organization of a type per formation mode at a time."};
inline constexpr rule_info correction_breaks_organization{"correction_breaks_organization", rejection_kind::rule_violation,
    "A correction of an org's office or trade keeps each organization it is in within its formation rules: a joint one shares a trade or a county, an affiliated one has its host in the org's county, an industry one shares a trade; remove the org from it first."};
inline constexpr rule_info org_not_in_organization{"org_not_in_organization", rejection_kind::conflict,
    "Only orgs the organization covers are removed from it."};
inline constexpr rule_info organization_needs_an_org{"organization_needs_an_org", rejection_kind::rule_violation,
    "An organization keeps at least one org; dissolve it instead."};
inline constexpr rule_info instructor_already_assigned{"instructor_already_assigned", rejection_kind::conflict,
    "An instructor (指导员) is assigned once until released."};
inline constexpr rule_info instructor_not_found{"instructor_not_found", rejection_kind::not_found,
    "An instructor referred to is assigned."};
inline constexpr rule_info instructor_not_active{"instructor_not_active", rejection_kind::conflict,
    "Only an assigned instructor is released."};
inline constexpr rule_info instructor_source_mismatch{"instructor_source_mismatch", rejection_kind::rule_violation,
    "Retired Party workers of former state-owned enterprises instruct Party building (党建指导员), League cadres League building (团建指导员)."};
inline constexpr rule_info org_already_has_organization{"org_already_has_organization", rejection_kind::rule_violation,
    "Instructors go to orgs that cannot yet form an organization of their affiliation (尚不具备组建条件)."};
inline constexpr rule_info org_can_form_own_organization{"org_can_form_own_organization", rejection_kind::rule_violation,
    "Instructors go to orgs that cannot yet form (尚不具备组建条件): an org with 3 or more formal members of their affiliation forms its own organization instead (应建尽建)."};
inline constexpr rule_info target_exists{"target_exists", rejection_kind::already_exists,
    "A formation target is designated once."};
inline constexpr rule_info target_not_found{"target_not_found", rejection_kind::not_found,
    "A formation target referred to is designated."};
inline constexpr rule_info target_for_covered_org{"target_for_covered_org", rejection_kind::rule_violation,
    "A formation target (组建对象) is an org without an organization of that type."};
inline constexpr rule_info target_already_open{"target_already_open", rejection_kind::conflict,
    "An org has one open formation target per organization type."};
inline constexpr rule_info target_not_open{"target_not_open", rejection_kind::conflict,
    "Reasons are recorded for open formation targets only; a struck-off item is done (对账销号)."};
inline constexpr rule_info reason_contradicts_members{"reason_contradicts_members", rejection_kind::rule_violation,
    "A target's reason agrees with the facts: \"fewer than three formal members\" (正式党员（团员）不足三人) is recorded only for an org that has fewer than 3 formal members of the type."};
inline constexpr rule_info interview_exists{"interview_exists", rejection_kind::already_exists,
    "An interview is scheduled once."};
inline constexpr rule_info interview_not_found{"interview_not_found", rejection_kind::not_found,
    "An interview referred to is scheduled."};
inline constexpr rule_info interview_round_not_issued{"interview_round_not_issued", rejection_kind::rule_violation,
    "An interview follows a bulletin: its round has been issued."};
inline constexpr rule_info interview_already_scheduled{"interview_already_scheduled", rejection_kind::conflict,
    "A jurisdiction is called to one interview per bulletin round and twin (Party, League)."};
inline constexpr rule_info interview_not_scheduled{"interview_not_scheduled", rejection_kind::conflict,
    "Only a scheduled interview is held."};
inline constexpr rule_info interview_not_held{"interview_not_held", rejection_kind::rule_violation,
    "An interview (约谈) is held before rectification items are set; one not held is escalated only after its scheduled day has passed."};
inline constexpr rule_info rectification_items_already_set{"rectification_items_already_set", rejection_kind::conflict,
    "The rectification list (整改清单) is set once."};
inline constexpr rule_info rectification_item_done{"rectification_item_done", rejection_kind::conflict,
    "A rectification item is struck off once."};
inline constexpr rule_info interview_items_not_done{"interview_items_not_done", rejection_kind::rule_violation,
    "An interview is closed only when its rectification items are done, or after it is escalated."};
inline constexpr rule_info interview_settled{"interview_settled", rejection_kind::conflict,
    "A closed or escalated interview is not escalated again; a closed one takes nothing more."};
inline constexpr rule_info no_level_above{"no_level_above", rejection_kind::rule_violation,
    "An interview is escalated to the level above; the nation has none."};
}  // namespace rules

inline constexpr std::array<rule_info, 102> all_rules{
    rules::invalid_id,
    rules::invalid_jurisdiction_code,
    rules::text_required,
    rules::invalid_utf8,
    rules::text_too_long,
    rules::invalid_value,
    rules::date_out_of_range,
    rules::date_in_future,
    rules::date_order,
    rules::date_before_prior_step,
    rules::dues_paid_too_far_ahead,
    rules::invalid_count,
    rules::list_required,
    rules::duplicate_in_list,
    rules::invalid_social_credit_code,
    rules::invalid_registration_number,
    rules::identification_required,
    rules::nothing_to_correct,
    rules::field_not_for_mode,
    rules::jurisdiction_exists,
    rules::jurisdiction_not_found,
    rules::parent_jurisdiction_not_registered,
    rules::office_level_required,
    rules::campaign_exists,
    rules::campaign_not_found,
    rules::campaign_closed,
    rules::bulletin_cadence_out_of_range,
    rules::bulletin_round_out_of_order,
    rules::bulletin_not_due,
    rules::ranking_not_of_children,
    rules::host_exists,
    rules::host_not_found,
    rules::host_org_requires_enterprise,
    rules::org_exists,
    rules::org_not_found,
    rules::org_removed,
    rules::survey_step_out_of_order,
    rules::org_still_covered,
    rules::member_not_found,
    rules::member_in_another_org,
    rules::member_not_in_org,
    rules::league_has_no_probation,
    rules::identity_already_disclosed,
    rules::member_already_formal,
    rules::probation_not_over,
    rules::member_has_open_transfer,
    rules::member_already_attached,
    rules::member_not_attached,
    rules::org_has_own_organization,
    rules::organization_not_nearby,
    rules::transfer_exists,
    rules::transfer_not_found,
    rules::letter_validity_exceeds_limit,
    rules::transfer_not_issued,
    rules::letter_expired,
    rules::letter_not_expired,
    rules::standing_mismatch,
    rules::transfer_into_own_organization,
    rules::branch_exists,
    rules::branch_not_found,
    rules::organization_dissolved,
    rules::organization_type_mismatch,
    rules::standalone_covers_one_org,
    rules::standalone_requires_three_formal_members,
    rules::joint_requires_two_orgs,
    rules::joint_requires_three_formal_members,
    rules::joint_requires_shared_trade_or_county,
    rules::eligible_org_must_form_standalone,
    rules::affiliation_requires_host,
    rules::host_has_no_organization,
    rules::host_not_nearby,
    rules::industry_requires_channel,
    rules::channel_market_invalid,
    rules::industry_requires_shared_trade,
    rules::industry_requires_three_formal_members,
    rules::org_already_covered,
    rules::org_not_in_organization,
    rules::correction_breaks_organization,
    rules::organization_needs_an_org,
    rules::instructor_already_assigned,
    rules::instructor_not_found,
    rules::instructor_not_active,
    rules::instructor_source_mismatch,
    rules::org_already_has_organization,
    rules::org_can_form_own_organization,
    rules::target_exists,
    rules::target_not_found,
    rules::target_for_covered_org,
    rules::target_already_open,
    rules::target_not_open,
    rules::reason_contradicts_members,
    rules::interview_exists,
    rules::interview_not_found,
    rules::interview_round_not_issued,
    rules::interview_already_scheduled,
    rules::interview_not_scheduled,
    rules::interview_not_held,
    rules::rectification_items_already_set,
    rules::rectification_item_done,
    rules::interview_items_not_done,
    rules::interview_settled,
    rules::no_level_above,
};

}  // namespace gongjian::domain
