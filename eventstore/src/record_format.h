#pragma once
// The on-disk format of one event in the global log (the `log` column family). Drawn once, in
// record_format.cc where it is written; eventstore/README.md points there.
//
// Encoding is by hand rather than cereal: the header is fixed little-endian integers and
// length-prefixed strings, so the writer encodes straight into a reused buffer (no allocation per
// event) and a reader decodes into string_views without copying.

#include <cstdint>
#include <string>
#include <string_view>

#include "gongjian/eventstore/types.h"

namespace gongjian::eventstore {

// The first byte of every record. Readers keep decoding every version ever written.
inline constexpr std::uint8_t record_format_v1 = 1;
inline constexpr std::size_t record_hash_size = 32;

// A decoded record whose strings point into the bytes it was parsed from.
struct record_view {
  std::uint8_t format = 0;
  position pos;
  stream_version version;
  std::int64_t timestamp_ms = 0;
  std::uint16_t schema_version = 0;
  std::string_view stream;
  std::string_view type;
  std::string_view actor_user;
  std::string_view actor_role;
  std::string_view actor_jurisdiction;
  std::string_view command_id;
  std::string_view correlation_id;
  std::string_view causation_id;
  std::string_view payload;
  std::string_view body;  // every byte the CRC and the hash cover, the CRC included
  sha256_digest hash{};   // as stored
};

enum class record_problem : std::uint8_t { none, truncated, unknown_format, crc_mismatch };

std::string_view describe(record_problem problem);

// Appends the record body (header, payload, CRC) of one event to `out` and returns the body's
// offset in `out`; the caller hashes the body and appends the hash with append_record_hash.
std::size_t append_record_body(std::string& out, position pos, std::string_view stream, stream_version version,
                               const event_data& event, const event_metadata& metadata,
                               std::string_view command_id);
void append_record_hash(std::string& out, const sha256_digest& hash);

// Parses a whole stored record (body + hash) and checks its CRC.
record_problem parse_record(std::string_view bytes, record_view& out);

// Copies a parsed record into the public type.
void to_recorded_event(const record_view& view, recorded_event& out);

}  // namespace gongjian::eventstore
