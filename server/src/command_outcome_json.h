#pragma once
// A command's outcome as JSON (docs/api.md): the element of a batch's `results`
// (outcome_to_json, built with Boost.JSON) and the body of a single command's successful answer
// (success_body, written directly on the hot path). success_body must write the same bytes as
// json_text(outcome_to_json(o)) for a successful outcome; tests/server compares the two.
//
// Pure functions, safe on any thread.

#include <boost/json/object.hpp>

#include <string>

#include "command_service.h"

namespace gongjian::server {

boost::json::object outcome_to_json(const command_outcome& o);

// The body of a successful single command (o.error empty), without building the JSON object.
std::string success_body(const command_outcome& o);

}  // namespace gongjian::server
