#pragma once
// Identifier types of the campaign's aggregates, and the validation of the two public code
// systems the field records carry: GB/T 2260 administrative division codes (行政区划代码) for
// jurisdictions and GB 32100 unified social credit codes (统一社会信用代码) for organizations.
//
// Aggregate ids are 64-bit integers assigned by the caller (the server or the importer): they
// keep the write model compact (10 million organizations) and make stream names short.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gongjian/domain/enum_names.h"
#include "gongjian/domain/strong_id.h"

namespace gongjian::domain {

struct organization_id_tag {};
struct member_id_tag {};
struct branch_id_tag {};
struct instructor_id_tag {};
struct target_id_tag {};
struct transfer_id_tag {};
struct interview_id_tag {};
struct campaign_id_tag {};
struct host_id_tag {};
struct bulletin_round_tag {};
struct jurisdiction_code_tag {};

// A non-public economic organization in scope (非公有制经济组织): enterprise, individual business
// or specialized market.
using organization_id = strong_int<organization_id_tag>;
// A Party or League member (党员/团员) as a person.
using member_id = strong_int<member_id_tag>;
// A formed organization (党/团组织, 工会, 妇联): the "branch" aggregate, whatever its size.
using branch_id = strong_int<branch_id_tag>;
// A Party or League building instructor assignment (党建/团建指导员).
using instructor_id = strong_int<instructor_id_tag>;
// A formation target, one item of the ledger (组建对象, 对账销号).
using target_id = strong_int<target_id_tag>;
// One transfer of a member's organizational relationship (组织关系接转).
using transfer_id = strong_int<transfer_id_tag>;
// An accountability interview (约谈).
using interview_id = strong_int<interview_id_tag>;
// A campaign such as the Hundred-Day Campaign (百日攻坚).
using campaign_id = strong_int<campaign_id_tag>;
// A host with an existing organization that small orgs attach to (挂靠单位): an enterprise,
// village or community, market-regulation office or individual and private business association.
using host_id = strong_int<host_id_tag>;
// The number of a bulletin round (每15天通报一轮), 1 for the first bulletin of a campaign.
using bulletin_round = strong_int<bulletin_round_tag, std::uint32_t>;

// A jurisdiction's code: "000000" for the nation (全国), GB/T 2260 codes for province (xx0000),
// prefecture city (xxxx00) and county/district (xxxxxx), and the county code followed by three
// digits for a market-regulation office (工商所/市场监管所).
using jurisdiction_code = strong_string<jurisdiction_code_tag>;

// The five levels, top down; the numeric order is the tree's depth.
enum class jurisdiction_level : std::uint8_t { national = 0, province = 1, city = 2, county = 3, office = 4 };
template <>
struct enum_names<jurisdiction_level> {
  static constexpr std::array<std::string_view, 5> names{"national", "province", "city", "county", "office"};
};

// The level a well-formed code denotes, or nullopt when the code is malformed (wrong length,
// not all digits, a province part of "00" with a non-zero rest, ...).
std::optional<jurisdiction_level> level_of(std::string_view code);
inline std::optional<jurisdiction_level> level_of(const jurisdiction_code& code) { return level_of(code.value); }

// The code of the level above, derived from the code itself (GB/T 2260 is hierarchical):
// office 110101001 -> county 110101 -> city 110100 -> province 110000 -> national 000000.
// nullopt for the national code and for malformed codes.
std::optional<jurisdiction_code> parent_of(const jurisdiction_code& code);

// The county a county or office code lies in; nullopt above county level or when malformed.
// Used for "neighbouring location" (地域相邻): two orgs are neighbours when their offices lie in
// the same county.
std::optional<jurisdiction_code> county_of(const jurisdiction_code& code);

// True when `ancestor` is `code` itself or lies above it in the tree.
bool is_within(const jurisdiction_code& code, const jurisdiction_code& ancestor);

// GB 32100-2015 unified social credit code: 18 characters from "0123456789ABCDEFGHJKLMNPQRTUWXY"
// (no I, O, Z, S, V): registration authority, organization category, the 6-digit division code
// of the registering authority, a 9-character organization code (with its own GB 11714 check
// character), then the check character over the first 17 (weights 3^i mod 31).
char social_credit_check_character(std::string_view first_17);  // '\0' when not computable
bool is_valid_social_credit_code(std::string_view code);
// Why a code is invalid, for a rejection's message; empty when valid.
std::string social_credit_code_problem(std::string_view code);

// The 15-digit business registration number (注册号) of an individual business registered
// before the unified code; its last digit is an ISO 7064 MOD 11,10 check digit.
bool is_valid_registration_number(std::string_view number);

}  // namespace gongjian::domain
