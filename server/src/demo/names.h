#pragma once
// Plausible Chinese names, trades, addresses and registration codes for the demo's organizations
// and people. All draws come from the caller's rng, so they follow the seed.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "demo/random.h"
#include "gongjian/domain/values.h"

namespace gongjian::server::demo {

// A trade (行业) as the survey form records it, with what shapes orgs in it.
struct trade_profile {
  std::string_view name;                       // the trade as recorded, e.g. 餐饮
  double individual_weight;                    // share among individual businesses
  double enterprise_weight;                    // share among small and micro enterprises
  std::span<const std::string_view> shop_words;  // an individual business's name ends with one
  std::string_view enterprise_word;            // the business word of an enterprise's name
  double enterprise_median_employees;
  double party_rate;   // Party members per employee, on average
  double league_rate;  // League members per employee (young workforces have more)
  domain::focus_area usual_focus;
};

std::span<const trade_profile> trades();

// A specialized market (专业市场): its name's ending and the trade of the orgs trading in it.
struct market_profile {
  std::string_view name_word;  // e.g. 服装批发市场
  std::size_t trade;           // index into trades()
};
std::span<const market_profile> markets();

std::string person_name(rng& r);
// A shop or firm name's distinctive part (字号), two characters.
std::string brand(rng& r);
// "东华门街道" -> "东华门": the stem offices and communities are named with.
std::string town_stem(std::string_view town_name);
std::string road_address(rng& r, std::string_view city_name, std::string_view county_name);
// A residents' or villagers' community (社区/村) name for hosts.
std::string community_name(rng& r, std::string_view county_name, bool village);

// GB 32100 unified social credit code: registration authority 9 (市场监管/工商), category
// ('1' enterprise, '2' individual business), the registering county's code, a GB 11714
// organization code (new style "MA" codes for registrations from 2015 on), and the check
// character computed by the domain.
std::string social_credit_code(rng& r, char category, std::string_view county_code, bool new_style);
// A 15-digit registration number (注册号) with its ISO 7064 MOD 11,10 check digit.
std::string registration_number(rng& r, std::string_view county_code);

}  // namespace gongjian::server::demo
