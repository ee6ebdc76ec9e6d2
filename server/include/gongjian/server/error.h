#pragma once
// The server's one list of error kinds (userver's handlers/exceptions.hpp habit). Kinds say what
// went wrong independently of HTTP; http_status() is the one table that maps them to status codes,
// and every error response has the same JSON shape:
//
//   {"error": {"code": "<kind>", "message": "...", "field": "...", "rule": "..."}}
//
// (field and rule are present when known). Errors are values here, never exceptions.

#include <string>
#include <string_view>

namespace gongjian::server {

enum class error_kind {
  invalid_input,       // 400 malformed JSON, wrong types, unknown fields, bad parameters
  unauthenticated,     // 401 no or unknown bearer token
  forbidden,           // 403 authenticated, but the role or scope does not allow it
  not_found,           // 404 no such route or resource
  method_not_allowed,  // 405 the route exists, not with this method
  conflict,            // 409 wrong expected version, or a command id reused for another command
  too_large,           // 413 body or header beyond the configured limits
  rule_violation,      // 422 the domain refused the command (a rule of the notice)
  rate_limited,        // 429 the token's request budget is spent
  internal,            // 500 a bug or an unexpected failure
  unavailable,         // 503 shutting down, too many connections, store unavailable
};

// The one table: error kind -> HTTP status.
int http_status(error_kind kind) noexcept;

// The kind's name as it appears in "code" ("invalid_input", ...).
std::string_view code_name(error_kind kind) noexcept;

struct api_error {
  error_kind kind = error_kind::internal;
  std::string message;  // for people
  std::string field;    // the offending input field or parameter, if any
  std::string rule;     // the broken rule's name, if any (domain rules, limits)
  // Overrides code_name(kind) in "code" when a finer code is known (e.g. a domain rejection code).
  std::string code;
};

// Serializes to the one JSON error shape.
std::string to_json(const api_error& error);

}  // namespace gongjian::server
