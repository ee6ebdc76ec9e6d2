// Unit tests of the query JSON helpers (server/src/query_json.h): ISO-8601 times in and out, and
// indicator values as exact fractions.
#include <gtest/gtest.h>

#include "query_json.h"

namespace gongjian::server {
namespace {

TEST(QueryJson, ParsesIsoTimesWithZonesAndFractions) {
  // 2016-08-01T00:00:00Z = 1470009600 s.
  EXPECT_EQ(parse_iso_time("2016-08-01"), 1470009600000);
  EXPECT_EQ(parse_iso_time("2016-08-01T00:00:00Z"), 1470009600000);
  EXPECT_EQ(parse_iso_time("2016-08-01T08:00:00+08:00"), 1470009600000);
  EXPECT_EQ(parse_iso_time("2016-07-31T20:30:00-03:30"), 1470009600000);
  EXPECT_EQ(parse_iso_time("2016-08-01T00:00"), 1470009600000);
  EXPECT_EQ(parse_iso_time("2016-08-01T00:00:01.5Z"), 1470009601500);
  EXPECT_EQ(parse_iso_time("2016-08-01T00:00:01.123456Z"), 1470009601123);
  for (const char* bad : {"", "2016-8-1", "2016-02-30", "2016-08-01T24:00:00Z", "2016-08-01T00:00:00+8", "yesterday",
                          "2016-08-01T00:00:00.Z", "2016-08-01X00:00"})
    EXPECT_FALSE(parse_iso_time(bad)) << bad;
}

TEST(QueryJson, FormatsUtcTimesToTheMillisecond) {
  EXPECT_EQ(iso_time(1470009601500), "2016-08-01T00:00:01.500Z");
  EXPECT_EQ(iso_time(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(parse_iso_time(iso_time(1795809040676)), 1795809040676);
}

TEST(QueryJson, ValuesAreExactFractionsAndUndefinedWithoutDenominator) {
  auto half = value_json(projections::indicator_value{1, 2});
  EXPECT_EQ(half.at("numerator").to_number<std::int64_t>(), 1);
  EXPECT_EQ(half.at("denominator").to_number<std::int64_t>(), 2);
  EXPECT_DOUBLE_EQ(half.at("value").as_double(), 0.5);
  EXPECT_TRUE(value_json(projections::indicator_value{0, 0}).at("value").is_null());
}

}  // namespace
}  // namespace gongjian::server
