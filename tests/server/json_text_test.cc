// The API's JSON text (server/src/json_text.h): Boost.JSON's bytes, but numbers that are not
// integers in their shortest plain form.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "json_text.h"

namespace gongjian::server {
namespace {

namespace json = boost::json;

TEST(JsonText, RatesReadAsPeopleWriteThem) {
  EXPECT_EQ(json_text(json::value(0.88)), "0.88");
  EXPECT_EQ(json_text(json::value(-0.125)), "-0.125");
  EXPECT_EQ(json_text(json::value(2.0 / 3.0)), "0.6666666666666666");
  EXPECT_EQ(json_text(json::value(1.0)), "1");
  EXPECT_EQ(json_text(json::value(0.0)), "0");
  EXPECT_EQ(json_text(json::value(1e-7)), "1e-07");  // shorter than 0.0000001
  EXPECT_EQ(json_text(json::value(1e22)), "1e+22");
  // Each reads back as the same double.
  for (const double d : {0.1, 2.0 / 3.0, 1.0 / 7.0, 123456.789, 5e-324, 1.7976931348623157e308}) {
    EXPECT_EQ(json::parse(json_text(json::value(d))).as_double(), d) << json_text(json::value(d));
  }
  EXPECT_EQ(json_text(json::value(std::numeric_limits<double>::quiet_NaN())), "null");
  EXPECT_EQ(json_text(json::value(std::numeric_limits<double>::infinity())), "null");
}

TEST(JsonText, EverythingElseIsBoostJsonsBytes) {
  const auto parsed = json::parse(R"({"id":"组织-1","n":-42,"big":18446744073709551615,"ok":true,"no":false,
      "none":null,"list":[1,"two",[],{}],"escaped":"a\"b\\c\n\t\r\b\f\u0001\u001f é ✓","empty":{}})");
  EXPECT_EQ(json_text(parsed), json::serialize(parsed));
  EXPECT_EQ(json_text(parsed.as_object()), json::serialize(parsed));
  EXPECT_EQ(json_text(parsed.at("list").as_array()), json::serialize(parsed.at("list")));
  std::string out = "x";
  append_json_string(out, "say \"hi\"");
  EXPECT_EQ(out, R"(x"say \"hi\"")");
}

}  // namespace
}  // namespace gongjian::server
