#include "command_outcome_json.h"

#include <boost/json.hpp>

#include <string_view>

#include "json_text.h"

namespace gongjian::server {

namespace json = boost::json;

// Written directly: the same bytes as json_text(outcome_to_json(o)) without building the
// JSON object first (tests/server/command_outcome_json_test.cc compares them).
std::string success_body(const command_outcome& o) {
  std::string out;
  out.reserve(160 + o.events.size() * 96);
  out += "{\"command_id\":";
  append_json_string(out, o.command_id);
  out += ",\"command\":";
  append_json_string(out, o.command);
  out += ",\"status\":200,\"duplicate\":";
  out += o.duplicate ? "true" : "false";
  out += ",\"first_position\":";
  out += std::to_string(o.first_position);
  out += ",\"last_position\":";
  out += std::to_string(o.last_position);
  out += ",\"events\":[";
  for (std::size_t i = 0; i < o.events.size(); ++i) {
    const auto& e = o.events[i];
    if (i != 0) out += ',';
    out += "{\"position\":";
    out += std::to_string(e.position);
    out += ",\"stream\":";
    append_json_string(out, e.stream);
    out += ",\"type\":";
    append_json_string(out, e.type);
    out += '}';
  }
  out += "]}";
  return out;
}

json::object outcome_to_json(const command_outcome& o) {
  json::object out{{"command_id", o.command_id}, {"command", o.command}};
  if (o.error) {
    out["status"] = http_status(o.error->kind);
    out["error"] = json::parse(to_json(*o.error)).at("error");
    return out;
  }
  out["status"] = 200;
  out["duplicate"] = o.duplicate;
  out["first_position"] = o.first_position;
  out["last_position"] = o.last_position;
  json::array events;
  for (const auto& e : o.events) events.push_back(json::object{{"position", e.position}, {"stream", e.stream}, {"type", e.type}});
  out["events"] = std::move(events);
  return out;
}

}  // namespace gongjian::server
