#pragma once
// The domain's value types: enums with their stable names, calendar dates, and the small structs
// that commands and events share (action-plan targets, ranking lines, rectification items).
// Chinese terms follow shared/domain/README.md and the notice 工商个字〔2016〕129号.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gongjian/domain/enum_names.h"
#include "gongjian/domain/ids.h"

namespace gongjian::domain {

// ---------------------------------------------------------------------------------------------
// Organizations in scope
// ---------------------------------------------------------------------------------------------

// 小微企业 / 个体工商户 / 专业市场
enum class org_kind : std::uint8_t { small_micro_enterprise, individual_business, specialized_market };
template <> struct enum_names<org_kind> {
  static constexpr std::array<std::string_view, 3> names{"small_micro_enterprise", "individual_business",
                                                         "specialized_market"};
};

// The notice's focus areas (重点): 集聚区 / 商业街区 / 创业园区; `none` outside them.
enum class focus_area : std::uint8_t { none, business_cluster, commercial_street, startup_park };
template <> struct enum_names<focus_area> {
  static constexpr std::array<std::string_view, 4> names{"none", "business_cluster", "commercial_street",
                                                         "startup_park"};
};

// 业主身份: the owner is a Party member, a League member, or neither.
enum class owner_identity : std::uint8_t { party_member, league_member, neither };
template <> struct enum_names<owner_identity> {
  static constexpr std::array<std::string_view, 3> names{"party_member", "league_member", "neither"};
};

// In real operation (正常经营) or a shell/dormant firm, which is removed from the base.
enum class operating_status : std::uint8_t { in_real_operation, shell, dormant };
template <> struct enum_names<operating_status> {
  static constexpr std::array<std::string_view, 3> names{"in_real_operation", "shell", "dormant"};
};

// Why an org leaves the base (移出基数).
enum class removal_reason : std::uint8_t { shell, dormant, deregistered, duplicate_record, out_of_scope };
template <> struct enum_names<removal_reason> {
  static constexpr std::array<std::string_view, 5> names{"shell", "dormant", "deregistered", "duplicate_record",
                                                         "out_of_scope"};
};

// The four survey steps (调查摸底"四个步骤"), completed in this order:
// 调查 investigate, 甄别 screen, 登记 register, 建库 build the database.
enum class survey_step : std::uint8_t { investigate, screen, registration, build_database };
template <> struct enum_names<survey_step> {
  static constexpr std::array<std::string_view, 4> names{"investigate", "screen", "register", "build_database"};
};

// ---------------------------------------------------------------------------------------------
// Organizations formed (党组织 / 团组织 / 工会 / 妇联) and how
// ---------------------------------------------------------------------------------------------

enum class organization_type : std::uint8_t { party, league, trade_union, womens_federation };
template <> struct enum_names<organization_type> {
  static constexpr std::array<std::string_view, 4> names{"party", "league", "trade_union", "womens_federation"};
};

// 单独组建 / 联合组建 / 挂靠组建 / 行业组建
enum class formation_mode : std::uint8_t { standalone, joint, affiliated, industry };
template <> struct enum_names<formation_mode> {
  static constexpr std::array<std::string_view, 4> names{"standalone", "joint", "affiliated", "industry"};
};

// Size class of a Party or League organization by formal members (practice defaults):
// 支部 branch, 总支 general branch, 党委/团委 committee; unions and women's federations are mass
// organizations (群团组织) without that scale.
enum class organization_scale : std::uint8_t { branch, general_branch, committee, mass_organization };
template <> struct enum_names<organization_scale> {
  static constexpr std::array<std::string_view, 4> names{"branch", "general_branch", "committee",
                                                         "mass_organization"};
};

// Hosts of affiliated formation (挂靠): 企业 / 村（社区） / 工商所 / 个私协会.
enum class host_kind : std::uint8_t { enterprise, village_or_community, market_regulation_office,
                                      private_business_association };
template <> struct enum_names<host_kind> {
  static constexpr std::array<std::string_view, 4> names{"enterprise", "village_or_community",
                                                         "market_regulation_office",
                                                         "private_business_association"};
};

// Channels of industry formation (行业组建): 行业协会 / 商会 / 专业市场.
enum class industry_channel : std::uint8_t { industry_association, chamber_of_commerce, specialized_market };
template <> struct enum_names<industry_channel> {
  static constexpr std::array<std::string_view, 3> names{"industry_association", "chamber_of_commerce",
                                                         "specialized_market"};
};

// ---------------------------------------------------------------------------------------------
// Members
// ---------------------------------------------------------------------------------------------

// 党员 / 团员
enum class member_affiliation : std::uint8_t { party, league };
template <> struct enum_names<member_affiliation> {
  static constexpr std::array<std::string_view, 2> names{"party", "league"};
};

// 正式 / 预备. Only Party membership has a probationary period; League members are formal.
enum class member_standing : std::uint8_t { formal, probationary };
template <> struct enum_names<member_standing> {
  static constexpr std::array<std::string_view, 2> names{"formal", "probationary"};
};

// Where a member stands with the organizations here:
//   hidden    隐形党（团）员: works in the org, has not come forward;
//   pocket    口袋党（团）员: keeps the relationship letter in the pocket;
//   floating  流动党（团）员: flowed in, relationship still at the outflow place;
//   disclosed 亮身份: came forward, relationship not yet transferred here;
//   active    relationship held by an organization here (transferred, developed or recorded so).
// Disclosed and active members count towards the 3-formal-member rule; the others do not.
enum class member_status : std::uint8_t { hidden, pocket, floating, disclosed, active };
template <> struct enum_names<member_status> {
  static constexpr std::array<std::string_view, 5> names{"hidden", "pocket", "floating", "disclosed", "active"};
};

// Why a member left the org.
enum class leaving_reason : std::uint8_t { changed_job, moved_away, transferred_out, deceased, other };
template <> struct enum_names<leaving_reason> {
  static constexpr std::array<std::string_view, 5> names{"changed_job", "moved_away", "transferred_out",
                                                         "deceased", "other"};
};

// ---------------------------------------------------------------------------------------------
// Transfers of membership (组织关系接转)
// ---------------------------------------------------------------------------------------------

// issued (开具介绍信) -> received (回执, completes) | rejected | revoked | expired | voided (lost,
// re-issued under a new transfer); completed_by_certificate is the notice's exception path
// (凭流出地村（居）委会党（团）组织出具的身份证明).
enum class transfer_status : std::uint8_t { issued, received, rejected, revoked, expired, voided,
                                            completed_by_certificate };
template <> struct enum_names<transfer_status> {
  static constexpr std::array<std::string_view, 7> names{"issued", "received", "rejected", "revoked", "expired",
                                                         "voided", "completed_by_certificate"};
};

// Who issued an identity certificate: 村委会 / 居委会.
enum class certificate_issuer : std::uint8_t { village_committee, residents_committee };
template <> struct enum_names<certificate_issuer> {
  static constexpr std::array<std::string_view, 2> names{"village_committee", "residents_committee"};
};

// ---------------------------------------------------------------------------------------------
// Instructors (党建/团建指导员)
// ---------------------------------------------------------------------------------------------

// 工商（市场监管）部门党（团）员骨干（一岗双责） / 其他政府部门 / 原国有企业退休党务工作者 /
// 优秀团干部. Retired Party workers instruct Party building only, League cadres League building.
enum class instructor_source : std::uint8_t { market_regulation_staff, other_government_department,
                                              retired_soe_party_worker, league_cadre };
template <> struct enum_names<instructor_source> {
  static constexpr std::array<std::string_view, 4> names{"market_regulation_staff", "other_government_department",
                                                         "retired_soe_party_worker", "league_cadre"};
};

// ---------------------------------------------------------------------------------------------
// Formation targets: the ledger (组建对象, 对账销号)
// ---------------------------------------------------------------------------------------------

enum class target_status : std::uint8_t { open, struck_off, withdrawn };
template <> struct enum_names<target_status> {
  static constexpr std::array<std::string_view, 3> names{"open", "struck_off", "withdrawn"};
};

// Why an org has no organization yet: 正式党员不足三人 / 出资人不支持 / 上级未及时指导 / 其他.
enum class no_organization_reason : std::uint8_t { fewer_than_three_formal_members, owner_does_not_support,
                                                   no_guidance_from_above, other };
template <> struct enum_names<no_organization_reason> {
  static constexpr std::array<std::string_view, 4> names{"fewer_than_three_formal_members",
                                                         "owner_does_not_support", "no_guidance_from_above",
                                                         "other"};
};

// ---------------------------------------------------------------------------------------------
// Campaign, bulletins and interviews
// ---------------------------------------------------------------------------------------------

enum class campaign_status : std::uint8_t { open, closed };
template <> struct enum_names<campaign_status> {
  static constexpr std::array<std::string_view, 2> names{"open", "closed"};
};

// The indicators of shared/domain/README.md, each computed for Party or League (see the
// `affiliation` next to it where it is used). Counts have denominator 1.
enum class indicator : std::uint8_t {
  orgs_in_scope,
  eligible,                    // 具备单独组建条件: orgs with >= 3 formal members
  standalone_formation_rate,   // eligible with own organization / eligible
  should_form_not_formed,      // 应建未建
  organization_coverage_rate,  // 组织覆盖
  work_coverage_rate,          // 工作覆盖
  ledger_progress,             // 对账销号: struck off / targets
  members_disclosed,           // 亮身份
  transfers_completed,         // 组织关系接转
  members_developed,           // 发展党（团）员
  instructors_assigned,        // 指导员
  union_coverage_rate,         // 工会
  womens_federation_coverage_rate,  // 妇联
};
template <> struct enum_names<indicator> {
  static constexpr std::array<std::string_view, 13> names{
      "orgs_in_scope",          "eligible",           "standalone_formation_rate", "should_form_not_formed",
      "organization_coverage_rate", "work_coverage_rate", "ledger_progress",       "members_disclosed",
      "transfers_completed",    "members_developed",  "instructors_assigned",      "union_coverage_rate",
      "womens_federation_coverage_rate"};
};

// 约谈 reasons: 行动迟缓 / 工作进展慢 / 成效不明显 / 排在末位, plus the configurable thresholds
// of DESIGN.md (no progress since the last bulletin, below a target rate).
enum class interview_reason : std::uint8_t { slow_action, slow_progress, little_result, ranked_last,
                                             no_progress_since_last_bulletin, below_target_rate };
template <> struct enum_names<interview_reason> {
  static constexpr std::array<std::string_view, 6> names{"slow_action", "slow_progress", "little_result",
                                                         "ranked_last", "no_progress_since_last_bulletin",
                                                         "below_target_rate"};
};

// scheduled -> held -> rectifying (items set) -> closed; held/rectifying -> escalated -> closed.
enum class interview_status : std::uint8_t { scheduled, held, rectifying, escalated, closed };
template <> struct enum_names<interview_status> {
  static constexpr std::array<std::string_view, 5> names{"scheduled", "held", "rectifying", "escalated", "closed"};
};

// ---------------------------------------------------------------------------------------------
// Calendar dates
// ---------------------------------------------------------------------------------------------

// A calendar date as days since 1970-01-01 (proleptic Gregorian). Dates arrive as data
// ("YYYY-MM-DD" in JSON); the domain never reads a clock.
struct date {
  std::int32_t days_since_epoch = 0;
  auto operator<=>(const date&) const = default;
  template <class Archive>
  void serialize(Archive& ar) { ar(days_since_epoch); }
};

date date_from_ymd(int year, unsigned month, unsigned day);
// Strict "YYYY-MM-DD" with a real day of the month, years 1900..2999; nullopt otherwise.
std::optional<date> parse_date(std::string_view text);
std::string to_string(date d);
// The calendar day in China Standard Time (UTC+8, the campaign's time zone) of a Unix time in ms.
date china_date_of(std::int64_t unix_ms);
inline date add_days(date d, std::int32_t days) { return date{d.days_since_epoch + days}; }
inline std::int32_t days_between(date from, date to) { return to.days_since_epoch - from.days_since_epoch; }

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
// Chinese names are first-class: every text a command carries is checked with this.
bool is_valid_utf8(std::string_view text);
// The number of Unicode code points in well-formed UTF-8 text.
std::size_t utf8_length(std::string_view text);

// ---------------------------------------------------------------------------------------------
// Shared parts of commands and events
// ---------------------------------------------------------------------------------------------

// One line of an action plan (行动计划): how many organizations of a type and mode to form by a
// deadline.
struct plan_target {
  organization_type type = organization_type::party;
  formation_mode mode = formation_mode::standalone;
  std::uint32_t count = 0;
  date deadline;
  bool operator==(const plan_target&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(type, mode, count, deadline); }
};

// The thresholds that schedule interviews at each bulletin (all configurable per campaign).
struct interview_rules {
  std::uint32_t bottom_n = 5;                 // the bottom N children of each parent, at most half ("black list")
  std::uint32_t bottom_percent = 0;           // or the bottom X% (0 = off)
  bool no_progress_since_last_bulletin = true;
  std::uint32_t below_target_rate_permille = 0;  // below this rate of the ranking indicator (0 = off)
  bool operator==(const interview_rules&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(bottom_n, bottom_percent, no_progress_since_last_bulletin, below_target_rate_permille);
  }
};

// An indicator value as an exact fraction (a count has denominator 1), so a frozen ranking
// replays bit for bit.
struct indicator_value {
  indicator which = indicator::ledger_progress;
  member_affiliation affiliation = member_affiliation::party;
  std::int64_t numerator = 0;
  std::int64_t denominator = 1;
  bool operator==(const indicator_value&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(which, affiliation, numerator, denominator); }
};

// One child jurisdiction in a frozen ranking: its values, its rank (1 = best) and its rank at the
// previous bulletin (0 when it was not ranked then).
struct ranking_line {
  jurisdiction_code jurisdiction;
  std::vector<indicator_value> values;
  std::uint32_t rank = 0;
  std::uint32_t previous_rank = 0;
  bool operator==(const ranking_line&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(jurisdiction, values, rank, previous_rank); }
};

// The ranking of the children of one parent jurisdiction, by one indicator (ties broken by the
// campaign's second indicator), as published in a bulletin.
struct ranking {
  jurisdiction_code parent;
  indicator by = indicator::ledger_progress;
  member_affiliation affiliation = member_affiliation::party;
  std::vector<ranking_line> lines;
  bool operator==(const ranking&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(parent, by, affiliation, lines); }
};

// One item of a rectification list (整改清单): problem, requirement, deadline.
struct rectification_item {
  std::string problem;
  std::string requirement;
  date deadline;
  bool operator==(const rectification_item&) const = default;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) { ar(problem, requirement, deadline); }
};

}  // namespace gongjian::domain
