#pragma once
// The event store's own error codes. rocksdb::Status never leaves the module: it is converted to
// one of these at the boundary (STYLE.md habit 5).

#include <system_error>

namespace gongjian::eventstore {

enum class errc {
  success = 0,
  wrong_expected_version = 1,  // the stream is not at the version the writer expected
  invalid_argument = 2,        // empty stream name or command id, no events, oversized request
  io_error = 3,                // the disk or RocksDB failed; the append was not acknowledged
  corruption = 4,              // a stored record failed its CRC or could not be decoded
  closed = 5,                  // the store is shutting down or closed
  not_found = 6,               // no such stream or key; open: no store in a read-only directory
  read_only = 7,               // the store was opened with options::read_only
  in_use = 8,                  // open: another process (or store object) has the directory open
};

const std::error_category& eventstore_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), eventstore_category()}; }

}  // namespace gongjian::eventstore

template <>
struct std::is_error_code_enum<gongjian::eventstore::errc> : std::true_type {};
