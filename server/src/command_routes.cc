#include "command_routes.h"

#include <boost/json.hpp>

#include "command_json.h"
#include "command_outcome_json.h"
#include "json_text.h"

namespace gongjian::server {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxCommandIdBytes = 200;

// The parsed body lives in `storage`, a monotonic resource on the handler's stack: a command's
// JSON is read into its domain command and dropped before the handler returns, so its values need
// not be allocated and freed one by one.
result<json::object, api_error> parse_object(const std::string& body, json::storage_ptr storage) {
  if (body.empty()) return failure(api_error{error_kind::invalid_input, "the request body must be a JSON object", "body", "json"});
  json::error_code ec;
  json::value v = json::parse(body, ec, std::move(storage));
  if (ec) return failure(api_error{error_kind::invalid_input, "malformed JSON: " + ec.message(), "body", "json"});
  if (!v.is_object()) return failure(api_error{error_kind::invalid_input, "the request body must be a JSON object", "body", "json"});
  return std::move(v.as_object());
}

result<std::string, api_error> command_id_of(const json::object& o, const std::string& where) {
  const json::value* id = o.if_contains("command_id");
  const std::string field = where.empty() ? "command_id" : where + ".command_id";
  if (id == nullptr) return failure(api_error{error_kind::invalid_input, "'" + field + "' is required (a client-chosen id that makes retries safe)", field, "required"});
  if (!id->is_string() || id->get_string().empty() || id->get_string().size() > kMaxCommandIdBytes)
    return failure(api_error{error_kind::invalid_input, "'" + field + "' must be a non-empty string of at most 200 bytes", field, "type"});
  return std::string(id->get_string());
}

}  // namespace

void add_command_routes(shared_state& state, const std::shared_ptr<command_service>& commands) {
  state.routes.add({"POST", "/api/v1/commands/{name}", "commands.one", access::authenticated,
                    [commands](api_request request, responder respond) {
                      unsigned char scratch[4096];
                      json::monotonic_resource storage(scratch, sizeof scratch);
                      auto body = parse_object(request.body, &storage);
                      if (!body) return respond(error_response(body.error()));
                      auto id = command_id_of(*body, "");
                      if (!id) return respond(error_response(id.error()));
                      auto command = command_from_json(request.path_params.at("name"), *body, {"command_id"});
                      if (!command) return respond(error_response(command.error()));
                      std::vector<command_submission> items;
                      const auto fingerprint = command_fingerprint(*command);
                      items.push_back({std::move(id.value()), std::move(command.value()), fingerprint});
                      commands->submit(std::move(*request.caller), std::move(request.request_id), std::move(items),
                                       [respond = std::move(respond)](std::vector<command_outcome> outcomes) {
                                         const auto& o = outcomes.front();
                                         if (o.error) return respond(error_response(*o.error));
                                         respond(json_response(success_body(o)));
                                       });
                    }});

  state.routes.add({"POST", "/api/v1/commands:batch", "commands.batch", access::authenticated,
                    [&state, commands](api_request request, responder respond) {
                      unsigned char scratch[16384];
                      json::monotonic_resource storage(scratch, sizeof scratch);
                      auto body = parse_object(request.body, &storage);
                      if (!body) return respond(error_response(body.error()));
                      for (const auto& [key, value] : *body) {
                        if (key != "commands")
                          return respond(error_response(api_error{error_kind::invalid_input, "unknown field '" + std::string(key) + "'", std::string(key), "unknown_field"}));
                      }
                      const json::value* list = body->if_contains("commands");
                      if (list == nullptr || !list->is_array())
                        return respond(error_response(api_error{error_kind::invalid_input, "'commands' must be a list of commands", "commands", "type"}));
                      const auto& array = list->get_array();
                      if (array.empty() || array.size() > state.config.limits.max_batch_commands)
                        return respond(error_response(api_error{error_kind::invalid_input,
                                                                "'commands' must hold 1 to " + std::to_string(state.config.limits.max_batch_commands) + " commands",
                                                                "commands", "max_batch_commands"}));
                      // The whole batch is checked before anything is decided, so a malformed
                      // import file changes nothing.
                      std::vector<command_submission> items;
                      items.reserve(array.size());
                      for (std::size_t i = 0; i < array.size(); ++i) {
                        const std::string where = "commands[" + std::to_string(i) + "]";
                        if (!array[i].is_object())
                          return respond(error_response(api_error{error_kind::invalid_input, "'" + where + "' must be an object", where, "type"}));
                        const auto& o = array[i].get_object();
                        const json::value* type = o.if_contains("type");
                        if (type == nullptr || !type->is_string())
                          return respond(error_response(api_error{error_kind::invalid_input, "'" + where + ".type' must name the command", where + ".type", "required"}));
                        auto id = command_id_of(o, where);
                        if (!id) return respond(error_response(id.error()));
                        auto command = command_from_json(type->get_string(), o, {"command_id", "type"});
                        if (!command) {
                          api_error e = command.error();
                          e.field = e.field.empty() ? where : where + "." + e.field;
                          e.message = where + ": " + e.message;
                          return respond(error_response(e));
                        }
                        const auto fingerprint = command_fingerprint(*command);
                        items.push_back({std::move(id.value()), std::move(command.value()), fingerprint});
                      }
                      commands->submit(std::move(*request.caller), std::move(request.request_id), std::move(items),
                                       [respond = std::move(respond)](std::vector<command_outcome> outcomes) {
                                         json::array results;
                                         std::size_t failed = 0;
                                         for (const auto& o : outcomes) {
                                           if (o.error) ++failed;
                                           results.push_back(outcome_to_json(o));
                                         }
                                         json::object out{{"succeeded", outcomes.size() - failed},
                                                          {"failed", failed},
                                                          {"results", std::move(results)}};
                                         respond(json_response(json_text(out)));
                                       });
                    }});
}

}  // namespace gongjian::server
