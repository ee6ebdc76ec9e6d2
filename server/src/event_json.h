#pragma once
// JSON form of a recorded event, shared by GET /api/v1/log, /streams and the WebSocket feed:
//
//   {"position":12,"stream":"org-7","version":3,"type":"org_surveyed","schema_version":1,
//    "timestamp_ms":1700000000000,"actor":{"user":"..","role":"..","jurisdiction":".."},
//    "command_id":"..","correlation_id":"..","causation_id":"..",
//    "payload_base64":"..","hash":"<64 hex digits>"}
//
// The payload is the domain's cereal binary, opaque to the server, hence base64.

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

#include "gongjian/eventstore/types.h"

namespace gongjian::server {

boost::json::object event_to_json(const eventstore::recorded_event& event);

std::string base64_encode(std::string_view bytes);
std::string hex_encode(const unsigned char* data, std::size_t size);

}  // namespace gongjian::server
