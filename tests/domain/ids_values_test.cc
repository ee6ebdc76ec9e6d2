// Codes and values: GB/T 2260 jurisdiction codes, GB 32100 credit codes (checked against real
// companies' codes), registration numbers, dates, UTF-8 and the stable enum names.

#include <gtest/gtest.h>

#include "gongjian/domain/rejection.h"
#include "gongjian/domain/values.h"

namespace gongjian::domain {
namespace {

TEST(jurisdiction_codes, levels) {
  EXPECT_EQ(level_of("000000"), jurisdiction_level::national);
  EXPECT_EQ(level_of("330000"), jurisdiction_level::province);
  EXPECT_EQ(level_of("330100"), jurisdiction_level::city);
  EXPECT_EQ(level_of("330102"), jurisdiction_level::county);
  EXPECT_EQ(level_of("429004"), jurisdiction_level::county);  // 仙桃市, a county-level city under the province
  EXPECT_EQ(level_of("330102001"), jurisdiction_level::office);
  EXPECT_FALSE(level_of("33010"));
  EXPECT_FALSE(level_of("3301020"));
  EXPECT_FALSE(level_of("33010a"));
  EXPECT_FALSE(level_of("000100"));     // no province part
  EXPECT_FALSE(level_of("330002"));     // a county without a city part
  EXPECT_FALSE(level_of("330102000"));  // office number 000
  EXPECT_FALSE(level_of("330100001"));  // offices lie under counties
  EXPECT_FALSE(level_of(""));
}

TEST(jurisdiction_codes, parents_and_counties) {
  EXPECT_EQ(parent_of(jurisdiction_code{"330102001"}), jurisdiction_code{"330102"});
  EXPECT_EQ(parent_of(jurisdiction_code{"330102"}), jurisdiction_code{"330100"});
  EXPECT_EQ(parent_of(jurisdiction_code{"330100"}), jurisdiction_code{"330000"});
  EXPECT_EQ(parent_of(jurisdiction_code{"330000"}), jurisdiction_code{"000000"});
  EXPECT_FALSE(parent_of(jurisdiction_code{"000000"}));
  EXPECT_FALSE(parent_of(jurisdiction_code{"xyz"}));
  EXPECT_EQ(county_of(jurisdiction_code{"330102001"}), jurisdiction_code{"330102"});
  EXPECT_EQ(county_of(jurisdiction_code{"330102"}), jurisdiction_code{"330102"});
  EXPECT_FALSE(county_of(jurisdiction_code{"330100"}));
  EXPECT_TRUE(is_within(jurisdiction_code{"330102001"}, jurisdiction_code{"330000"}));
  EXPECT_TRUE(is_within(jurisdiction_code{"330102001"}, jurisdiction_code{"000000"}));
  EXPECT_FALSE(is_within(jurisdiction_code{"330102001"}, jurisdiction_code{"330106"}));
}

TEST(social_credit_code, real_codes_pass_the_gb32100_check) {
  // Published codes of well-known enterprises.
  for (const char* code : {"91330100716105852F",    // 阿里巴巴（中国）有限公司
                           "914403001922038216",    // 华为技术有限公司
                           "91110108551385082Q",    // 小米科技有限责任公司
                           "91440300708461136T"}) {  // 深圳市腾讯计算机系统有限公司
    EXPECT_TRUE(is_valid_social_credit_code(code)) << code << ": " << social_credit_code_problem(code);
    EXPECT_EQ(social_credit_check_character(code), code[17]);
  }
}

TEST(social_credit_code, problems_are_named) {
  EXPECT_NE(social_credit_code_problem("91330100716105852").find("18 characters"), std::string::npos);
  EXPECT_NE(social_credit_code_problem("91330100716105852G").find("check character"), std::string::npos);
  EXPECT_NE(social_credit_code_problem("9133010071610585IF").find("character 17"), std::string::npos);
  EXPECT_NE(social_credit_code_problem("91A30100716105852F").find("division code"), std::string::npos);
  EXPECT_FALSE(is_valid_social_credit_code("91330100716105852f"));  // lower case is not in the alphabet
  EXPECT_EQ(social_credit_check_character("short"), '\0');
}

TEST(registration_number, iso7064_mod_11_10) {
  EXPECT_TRUE(is_valid_registration_number("110108000000016"));
  EXPECT_FALSE(is_valid_registration_number("110108000000017"));
  EXPECT_FALSE(is_valid_registration_number("11010800000001"));
  EXPECT_FALSE(is_valid_registration_number("11010800000001X"));
}

TEST(dates, civil_round_trip_and_validation) {
  EXPECT_EQ(date_from_ymd(1970, 1, 1).days_since_epoch, 0);
  EXPECT_EQ(to_string(date_from_ymd(2016, 6, 29)), "2016-06-29");
  EXPECT_EQ(parse_date("2016-07-18")->days_since_epoch, 17000);
  EXPECT_EQ(parse_date("2016-02-29"), date_from_ymd(2016, 2, 29));
  EXPECT_FALSE(parse_date("2015-02-29"));
  EXPECT_FALSE(parse_date("2016-13-01"));
  EXPECT_FALSE(parse_date("2016-7-1"));
  EXPECT_FALSE(parse_date("20160701xx"));
  for (int days = -25000; days < 375000; days += 37) {
    const date d{days};
    EXPECT_EQ(parse_date(to_string(d)).value_or(date{-1}), d) << days;
  }
  EXPECT_EQ(days_between(date_from_ymd(2016, 7, 1), date_from_ymd(2016, 10, 29)), 120);
}

TEST(dates, china_date_is_utc_plus_eight) {
  const std::int64_t midnight_utc = 17000LL * 86'400'000;  // 2016-07-18 00:00 UTC = 08:00 in Beijing
  EXPECT_EQ(china_date_of(midnight_utc), date{17000});
  EXPECT_EQ(china_date_of(midnight_utc - 8 * 3'600'000), date{17000});      // 00:00 Beijing
  EXPECT_EQ(china_date_of(midnight_utc - 8 * 3'600'000 - 1), date{16999});  // 23:59:59.999 the day before
  EXPECT_EQ(china_date_of(-8 * 3'600'000 - 1), date{-1});
}

TEST(utf8, chinese_is_valid_and_malformed_bytes_are_not) {
  EXPECT_TRUE(is_valid_utf8("上城区湖滨街道“百日攻坚”🍜"));
  EXPECT_EQ(utf8_length("百日攻坚"), 4u);
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_FALSE(is_valid_utf8("\xE6\xB5"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

template <named_enum E>
void expect_names_round_trip() {
  for (std::size_t i = 0; i < enum_count<E>(); ++i) {
    const auto value = static_cast<E>(i);
    const auto name = to_string(value);
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(from_string<E>(name), value) << name;
  }
  EXPECT_FALSE(from_string<E>("no_such_name").has_value());
  EXPECT_FALSE(is_known(static_cast<E>(enum_count<E>())));
}

TEST(enum_names, every_enum_round_trips_its_names) {
  expect_names_round_trip<jurisdiction_level>();
  expect_names_round_trip<org_kind>();
  expect_names_round_trip<focus_area>();
  expect_names_round_trip<owner_identity>();
  expect_names_round_trip<operating_status>();
  expect_names_round_trip<removal_reason>();
  expect_names_round_trip<survey_step>();
  expect_names_round_trip<organization_type>();
  expect_names_round_trip<formation_mode>();
  expect_names_round_trip<organization_scale>();
  expect_names_round_trip<host_kind>();
  expect_names_round_trip<industry_channel>();
  expect_names_round_trip<member_affiliation>();
  expect_names_round_trip<member_standing>();
  expect_names_round_trip<member_status>();
  expect_names_round_trip<leaving_reason>();
  expect_names_round_trip<transfer_status>();
  expect_names_round_trip<certificate_issuer>();
  expect_names_round_trip<instructor_source>();
  expect_names_round_trip<target_status>();
  expect_names_round_trip<no_organization_reason>();
  expect_names_round_trip<campaign_status>();
  expect_names_round_trip<indicator>();
  expect_names_round_trip<interview_reason>();
  expect_names_round_trip<interview_status>();
  expect_names_round_trip<rejection_kind>();
}

TEST(enum_names, names_are_stable) {
  EXPECT_EQ(to_string(survey_step::registration), "register");
  EXPECT_EQ(to_string(formation_mode::affiliated), "affiliated");
  EXPECT_EQ(to_string(member_status::pocket), "pocket");
  EXPECT_EQ(to_string(indicator::should_form_not_formed), "should_form_not_formed");
  EXPECT_EQ(to_string(static_cast<org_kind>(200)), "unknown");
}

}  // namespace
}  // namespace gongjian::domain
