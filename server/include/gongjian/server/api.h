#pragma once
// The server's HTTP vocabulary without Beast: a parsed request, a response, and the handler
// signature. Handlers are written against these so they can be unit-tested without sockets, and
// Beast stays inside the session classes (STYLE.md habit 2).

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gongjian/server/auth.h"
#include "gongjian/server/error.h"

namespace gongjian::server {

struct api_request {
  std::string method;                            // "GET", "POST" ...
  std::string path;  // as sent, without the query (route parameters are decoded)
  std::map<std::string, std::string> query;      // decoded query parameters (last one wins)
  std::map<std::string, std::string> path_params;  // from {name} segments of the route
  std::string body;
  std::string request_id;           // X-Request-Id from the client, or generated
  std::optional<principal> caller;  // set for authenticated routes
};

struct api_response {
  int status = 200;
  // Always a string literal (static storage): not a std::string, whose 15-byte inline buffer is one
  // short of "application/json", so every response allocated for it.
  std::string_view content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

api_response json_response(std::string body, int status = 200);
api_response error_response(const api_error& error);

// Called exactly once with the response, from any thread: the session posts it back to its own
// strand.
using responder = std::function<void(api_response)>;
using handler = std::function<void(api_request, responder)>;

}  // namespace gongjian::server
