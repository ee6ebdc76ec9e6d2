#pragma once
// Column families of the store's RocksDB and the layout of their keys and values. Big-endian
// integers in keys make RocksDB's bytewise order the numeric order. Stream and consumer names
// never contain a NUL byte (checked on the way in), so `name + 0x00` is an unambiguous prefix.
//
//   log           big-endian u64 position            -> record (record_format.cc)
//   streams       stream 0x00 big-endian u64 version -> big-endian u64 position
//   stream_heads  stream                             -> big-endian u64 current version
//   commands      command id                         -> encoded append_result (idempotency)
//   consumers     consumer 0x00 0x00                 -> big-endian u64 checkpoint
//                 consumer 0x00 0x01 key             -> value (the consumer's own state)
//   meta          "head"                             -> big-endian u64 position, 32-byte hash
//                 (written in every append batch: a log whose tail was deleted is still caught)
//                 "derived"                          -> big-endian u64 position: streams,
//                 stream_heads and commands hold everything of the log up to it (written in the
//                 same batch as that derived data; the log tail past it is re-derived at open)

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "encoding.h"
#include "gongjian/eventstore/types.h"

namespace gongjian::eventstore::keys {

inline constexpr const char* log_cf = "log";
inline constexpr const char* streams_cf = "streams";
inline constexpr const char* stream_heads_cf = "stream_heads";
inline constexpr const char* commands_cf = "commands";
inline constexpr const char* consumers_cf = "consumers";
inline constexpr const char* meta_cf = "meta";

inline constexpr std::string_view meta_head = "head";
inline constexpr std::string_view meta_derived = "derived";

inline std::string log_key(position p) { return encoding::big_endian64(p.value); }

inline void stream_index_key(std::string& out, std::string_view stream, stream_version v) {
  out.assign(stream);
  out.push_back('\0');
  encoding::put_big_endian64(out, v.value);
}

inline std::string stream_prefix(std::string_view stream) {
  std::string s(stream);
  s.push_back('\0');
  return s;
}

inline std::string consumer_checkpoint_key(std::string_view consumer) {
  std::string s(consumer);
  s.push_back('\0');
  s.push_back('\0');
  return s;
}

inline std::string consumer_state_prefix(std::string_view consumer) {
  std::string s(consumer);
  s.push_back('\0');
  s.push_back('\1');
  return s;
}

// Every key of a consumer lies in [consumer 0x00, consumer 0x01).
inline std::string consumer_begin(std::string_view consumer) { return std::string(consumer) + '\0'; }
inline std::string consumer_end(std::string_view consumer) { return std::string(consumer) + '\1'; }
// Upper bound of the consumer's state keys: consumer 0x00 0x02.
inline std::string consumer_state_end(std::string_view consumer) {
  std::string s(consumer);
  s.push_back('\0');
  s.push_back('\2');
  return s;
}

// The stored value of a command id: the append_result its first append returned.
//   u8 version = 1 | u64 first | u64 last | varint count | count x (varint len, stream, u64 version)
std::string encode_command_result(const append_result& r);
// The same, appended to `out` (the syncer reuses one buffer for every command id it writes).
void encode_command_result(std::string& out, const append_result& r);
std::optional<append_result> decode_command_result(std::string_view bytes);

}  // namespace gongjian::eventstore::keys
