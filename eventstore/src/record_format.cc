#include "record_format.h"

#include <algorithm>

#include "crc32c.h"
#include "encoding.h"

namespace gongjian::eventstore {

// Record format, version 1. The value stored under key big-endian-u64(position) in the `log`
// column family. Integers are little-endian; every string is a LEB128 varint32 length followed by
// that many bytes (the same varint as protobuf and RocksDB).
//
//   offset 0        1                9                17               25       27
//         +--------+----------------+----------------+----------------+--------+
//         | format | position       | stream version | timestamp (ms  | schema |
//         | u8 = 1 | u64            | u64            | since epoch)i64| ver u16|
//         +--------+----------------+----------------+----------------+--------+
//   27    | stream | event type | actor user | actor role | actor jurisdiction |  varint len + bytes
//         +--------+------------+------------+------------+--------------------+
//         | command id | correlation id | causation id |                         varint len + bytes
//         +------------+----------------+--------------+
//         | payload (cereal binary, opaque to the store) |                        varint len + bytes
//         +----------------------------------------------+
//   n-36  | crc32c u32: CRC-32C of bytes [0, n-36)        |
//         +----------------------------------------------+  <- the "body" ends here
//   n-32  | hash, 32 bytes: SHA-256(previous record's hash || body)               |
//         +------------------------------------------------------------------------+  n
//
// The first record's "previous hash" is 32 zero bytes. The CRC catches a damaged record on every
// read; the hash chain makes an edit anywhere visible at that position and, if the edit also
// rewrote the hash, at the next one (verify). A new format version changes the first byte and
// adds a decoder branch; version 1 stays decodable (golden-bytes test in
// tests/eventstore/record_format_test.cc).

namespace {
constexpr std::size_t crc_size = 4;
}

std::string_view describe(record_problem problem) {
  switch (problem) {
    case record_problem::none: return "intact";
    case record_problem::truncated: return "record is truncated or malformed";
    case record_problem::unknown_format: return "record has an unknown format version";
    case record_problem::crc_mismatch: return "record CRC does not match its bytes";
  }
  return "unknown problem";
}

std::size_t append_record_body(std::string& out, position pos, std::string_view stream, stream_version version,
                               const event_data& event, const event_metadata& metadata,
                               std::string_view command_id) {
  const std::size_t start = out.size();
  out.push_back(static_cast<char>(record_format_v1));
  encoding::put_fixed64(out, pos.value);
  encoding::put_fixed64(out, version.value);
  encoding::put_fixed64(out, static_cast<std::uint64_t>(metadata.timestamp_ms));
  encoding::put_fixed16(out, event.schema_version);
  encoding::put_length_prefixed(out, stream);
  encoding::put_length_prefixed(out, event.type);
  encoding::put_length_prefixed(out, metadata.by.user);
  encoding::put_length_prefixed(out, metadata.by.role);
  encoding::put_length_prefixed(out, metadata.by.jurisdiction);
  encoding::put_length_prefixed(out, command_id);
  encoding::put_length_prefixed(out, metadata.correlation_id);
  encoding::put_length_prefixed(out, metadata.causation_id);
  encoding::put_length_prefixed(out, event.payload);
  encoding::put_fixed32(out, crc32c_extend(0, out.data() + start, out.size() - start));
  return start;
}

void append_record_hash(std::string& out, const sha256_digest& hash) {
  out.append(reinterpret_cast<const char*>(hash.data()), hash.size());
}

record_problem parse_record(std::string_view bytes, record_view& out) {
  if (bytes.empty()) return record_problem::truncated;
  if (static_cast<std::uint8_t>(bytes[0]) != record_format_v1) return record_problem::unknown_format;
  if (bytes.size() < 1 + 8 + 8 + 8 + 2 + crc_size + record_hash_size) return record_problem::truncated;

  const std::size_t body_size = bytes.size() - record_hash_size;
  out.body = bytes.substr(0, body_size);
  std::copy_n(reinterpret_cast<const std::uint8_t*>(bytes.data() + body_size), record_hash_size, out.hash.begin());

  // The CRC is checked before the fields are trusted: a flipped length byte must read as
  // corruption, not as a differently shaped record.
  encoding::reader crc_reader(bytes.substr(body_size - crc_size, crc_size));
  std::uint32_t stored_crc = 0;
  (void)crc_reader.get_fixed32(stored_crc);
  if (crc32c_extend(0, bytes.data(), body_size - crc_size) != stored_crc) return record_problem::crc_mismatch;

  encoding::reader r(bytes.substr(0, body_size - crc_size));
  std::uint64_t timestamp = 0;
  if (!r.get_u8(out.format) || !r.get_fixed64(out.pos.value) || !r.get_fixed64(out.version.value) ||
      !r.get_fixed64(timestamp) || !r.get_fixed16(out.schema_version) || !r.get_length_prefixed(out.stream) ||
      !r.get_length_prefixed(out.type) || !r.get_length_prefixed(out.actor_user) ||
      !r.get_length_prefixed(out.actor_role) || !r.get_length_prefixed(out.actor_jurisdiction) ||
      !r.get_length_prefixed(out.command_id) || !r.get_length_prefixed(out.correlation_id) ||
      !r.get_length_prefixed(out.causation_id) || !r.get_length_prefixed(out.payload) || r.remaining() != 0) {
    return record_problem::truncated;
  }
  out.timestamp_ms = static_cast<std::int64_t>(timestamp);
  return record_problem::none;
}

std::uint64_t stored_size(const recorded_event& e) {
  const auto& m = e.metadata;
  std::uint64_t n = 1 + 8 + 8 + 8 + 2 + crc_size + record_hash_size;
  for (std::string_view s : {std::string_view(e.stream), std::string_view(e.type), std::string_view(m.by.user),
                             std::string_view(m.by.role), std::string_view(m.by.jurisdiction),
                             std::string_view(e.command_id), std::string_view(m.correlation_id),
                             std::string_view(m.causation_id), std::string_view(e.payload)}) {
    n += encoding::varint32_size(static_cast<std::uint32_t>(s.size())) + s.size();
  }
  return n;
}

void to_recorded_event(const record_view& view, recorded_event& out) {
  out.pos = view.pos;
  out.stream.assign(view.stream);
  out.version = view.version;
  out.type.assign(view.type);
  out.schema_version = view.schema_version;
  out.metadata.timestamp_ms = view.timestamp_ms;
  out.metadata.by.user.assign(view.actor_user);
  out.metadata.by.role.assign(view.actor_role);
  out.metadata.by.jurisdiction.assign(view.actor_jurisdiction);
  out.metadata.correlation_id.assign(view.correlation_id);
  out.metadata.causation_id.assign(view.causation_id);
  out.command_id.assign(view.command_id);
  out.payload.assign(view.payload);
  out.hash = view.hash;
}

}  // namespace gongjian::eventstore
