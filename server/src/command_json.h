#pragma once
// JSON <-> domain commands. A command's JSON object has its fields under their C++ member names
// (see docs/api.md): ids are non-negative integers, jurisdiction codes strings, dates
// "YYYY-MM-DD", enums their stable snake_case names (domain/enum_names.h), instants Unix ms.
// Numbers, ids, dates, enums and booleans are required; strings and lists default to empty,
// nested objects to their defaults, optional fields to absent (null is accepted for absent).
// Unknown fields are refused, so a typo never silently drops a value.
//
// Pure functions, safe on any thread.

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gongjian/domain/commands.h"
#include "gongjian/domain/result.h"
#include "gongjian/server/error.h"

namespace gongjian::server {

// Builds the command named `name` from `body`, ignoring the keys in `reserved` (e.g.
// "command_id", "type"). Errors are invalid_input (or not_found for an unknown command name) with
// `field` naming the offending field ("targets[2].deadline") and `rule` the broken expectation
// (required, type, enum, date, range, unknown_field).
result<domain::command, api_error> command_from_json(std::string_view name, const boost::json::object& body,
                                                     const std::vector<std::string_view>& reserved);

// What a retry must repeat: the command and the values of its fields, however the JSON spelled
// them (in any order, a field left out or given its default, null for absent). Two commands with
// the same fingerprint are the same command; the value lives only in this process's memory.
std::uint64_t command_fingerprint(const domain::command& command);

// Every command name, in catalogue order (for docs and errors).
const std::vector<std::string_view>& command_names();

}  // namespace gongjian::server
