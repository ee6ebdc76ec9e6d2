#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace gongjian::server {

// The text of a JSON value, as the API sends it: what boost::json::serialize writes, except that a
// non-integer number is written the shortest way that reads back as the same double, in plain
// decimal where that is as short ("0.88", "-0.125", "1e-07"), where Boost writes "8.8E-1". A rate
// is read by people in responses and logs, and by scripts that compare it with what they expect.
// Not finite numbers (which no answer holds) are written as null, since JSON has no word for them.
std::string json_text(const boost::json::value& value);
// The same for an object or an array, without copying it into a value first.
std::string json_text(const boost::json::object& object);
std::string json_text(const boost::json::array& array);

// Appends the text of `value` to `out`.
void append_json_text(std::string& out, const boost::json::value& value);
// Appends `s` as a JSON string (quoted, escaped).
void append_json_string(std::string& out, std::string_view s);

}  // namespace gongjian::server
