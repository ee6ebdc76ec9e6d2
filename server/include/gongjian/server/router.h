#pragma once
// Maps (method, path) to a handler. Routes are patterns of '/'-separated segments where "{name}"
// matches any one non-empty segment and binds it as a path parameter. Built once at start-up, then
// read-only: match() is safe from any thread.

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gongjian/server/api.h"

namespace gongjian::server {

enum class access {
  open,           // no token needed (health, metrics)
  authenticated,  // a valid bearer token; the handler checks role and scope
};

struct route {
  std::string method;
  std::string pattern;
  std::string name;  // label in metrics and logs, e.g. "streams.read"
  access needs = access::authenticated;
  handler handle;
};

struct route_match {
  const route* matched = nullptr;
  std::map<std::string, std::string> path_params;
};

class router {
 public:
  void add(route r);
  // A match, or an api_error: not_found (no pattern matches the path) or method_not_allowed (a
  // pattern matches, with other methods; message lists them).
  std::variant<route_match, api_error> match(std::string_view method, std::string_view path) const;

 private:
  struct compiled {
    route r;
    std::vector<std::string> segments;
  };
  std::vector<compiled> routes_;
};

// Splits a request target into its decoded path and query parameters. Returns an invalid_input
// error for bad percent-encoding or a path not starting with '/'.
struct parsed_target {
  std::string path;
  std::map<std::string, std::string> query;
};
result<parsed_target, api_error> parse_target(std::string_view target);

// Percent-decoding ('+' becomes a space only when plus_is_space); nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

}  // namespace gongjian::server
