#include "gongjian/server/error.h"

#include <boost/json.hpp>

#include "json_text.h"

namespace gongjian::server {

int http_status(error_kind kind) noexcept {
  switch (kind) {
    case error_kind::invalid_input: return 400;
    case error_kind::unauthenticated: return 401;
    case error_kind::forbidden: return 403;
    case error_kind::not_found: return 404;
    case error_kind::method_not_allowed: return 405;
    case error_kind::conflict: return 409;
    case error_kind::too_large: return 413;
    case error_kind::rule_violation: return 422;
    case error_kind::rate_limited: return 429;
    case error_kind::internal: return 500;
    case error_kind::unavailable: return 503;
  }
  return 500;
}

std::string_view code_name(error_kind kind) noexcept {
  switch (kind) {
    case error_kind::invalid_input: return "invalid_input";
    case error_kind::unauthenticated: return "unauthenticated";
    case error_kind::forbidden: return "forbidden";
    case error_kind::not_found: return "not_found";
    case error_kind::method_not_allowed: return "method_not_allowed";
    case error_kind::conflict: return "conflict";
    case error_kind::too_large: return "too_large";
    case error_kind::rule_violation: return "rule_violation";
    case error_kind::rate_limited: return "rate_limited";
    case error_kind::internal: return "internal";
    case error_kind::unavailable: return "unavailable";
  }
  return "internal";
}

std::string to_json(const api_error& error) {
  boost::json::object inner;
  inner["code"] = error.code.empty() ? code_name(error.kind) : std::string_view(error.code);
  inner["kind"] = code_name(error.kind);
  inner["message"] = error.message;
  if (!error.field.empty()) inner["field"] = error.field;
  if (!error.rule.empty()) inner["rule"] = error.rule;
  boost::json::object outer;
  outer["error"] = std::move(inner);
  return json_text(outer);
}

}  // namespace gongjian::server
