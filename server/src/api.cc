#include "gongjian/server/api.h"

namespace gongjian::server {

api_response json_response(std::string body, int status) {
  api_response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

api_response error_response(const api_error& error) {
  api_response response = json_response(to_json(error), http_status(error.kind));
  return response;
}

}  // namespace gongjian::server
