#include "event_json.h"

namespace gongjian::server {

std::string base64_encode(std::string_view bytes) {
  static const char* const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string hex_encode(const unsigned char* data, std::size_t size) {
  static const char* const hex = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += hex[data[i] >> 4];
    out += hex[data[i] & 0xf];
  }
  return out;
}

boost::json::object event_to_json(const eventstore::recorded_event& event) {
  boost::json::object o;
  o["position"] = event.pos.value;
  o["stream"] = event.stream;
  o["version"] = event.version.value;
  o["type"] = event.type;
  o["schema_version"] = event.schema_version;
  o["timestamp_ms"] = event.metadata.timestamp_ms;
  o["actor"] = boost::json::object{{"user", event.metadata.by.user},
                                   {"role", event.metadata.by.role},
                                   {"jurisdiction", event.metadata.by.jurisdiction}};
  o["command_id"] = event.command_id;
  o["correlation_id"] = event.metadata.correlation_id;
  o["causation_id"] = event.metadata.causation_id;
  o["payload_base64"] = base64_encode(event.payload);
  o["hash"] = hex_encode(event.hash.data(), event.hash.size());
  return o;
}

}  // namespace gongjian::server
