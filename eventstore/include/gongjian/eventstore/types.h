#pragma once
// The vocabulary of the event log: positions, versions, records, append requests.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "gongjian/domain/strong_id.h"

namespace gongjian::eventstore {

// Position in the global log. Gapless: the first event is at 1, then 2, 3 ... Assigned at commit
// by the single writer. Position 0 means "before the first event".
struct position_tag {};
using position = strong_int<position_tag>;

// Version of an event within its stream. A stream's first event has version 1; version 0 means
// the stream does not exist yet.
struct stream_version_tag {};
using stream_version = strong_int<stream_version_tag>;

// What the writer expects the stream's current version to be.
class expected_version {
 public:
  enum class kind : std::uint8_t { any, no_stream, exact };
  static expected_version any() { return expected_version(kind::any, stream_version{}); }
  static expected_version no_stream() { return expected_version(kind::no_stream, stream_version{}); }
  static expected_version exact(stream_version v) { return expected_version(kind::exact, v); }
  kind which() const { return kind_; }
  stream_version version() const { return version_; }
  // True when a stream currently at `current` satisfies this expectation.
  bool admits(stream_version current) const {
    switch (kind_) {
      case kind::any: return true;
      case kind::no_stream: return current.value == 0;
      case kind::exact: return current == version_;
    }
    return false;
  }

 private:
  expected_version(kind k, stream_version v) : kind_(k), version_(v) {}
  kind kind_;
  stream_version version_;
};

// Who did it: the authenticated user, the role they acted in, and the jurisdiction they act for.
struct actor {
  std::string user;
  std::string role;
  std::string jurisdiction;
  bool operator==(const actor&) const = default;
};

struct event_metadata {
  std::int64_t timestamp_ms = 0;  // milliseconds since the Unix epoch, UTC; supplied by the caller
  actor by;
  std::string correlation_id;
  std::string causation_id;
  bool operator==(const event_metadata&) const = default;
};

// One event to be appended: its type name, the schema version of its payload, and the payload as
// already encoded by the domain (cereal binary). The store never interprets payloads.
struct event_data {
  std::string type;
  std::uint16_t schema_version = 1;
  std::string payload;
  bool operator==(const event_data&) const = default;
};

// Events for one stream within an append.
struct stream_write {
  std::string stream;
  expected_version expected = expected_version::any();
  std::vector<event_data> events;
};

// One command's worth of writes: atomic across all its streams (all or nothing), idempotent by
// command id (a repeated id returns the first result and writes nothing).
struct append_request {
  std::string command_id;
  event_metadata metadata;
  std::vector<stream_write> writes;
};

struct stream_outcome {
  std::string stream;
  stream_version last_version;  // the stream's version after this append
  bool operator==(const stream_outcome&) const = default;
};

struct append_result {
  position first;  // position of the first event written
  position last;   // position of the last event written
  std::vector<stream_outcome> streams;
  bool duplicate = false;  // true when the command id had been seen: nothing was written now
  bool operator==(const append_result&) const = default;
};

// Why an append failed, with what a person needs to act on it (append_detailed). For
// wrong_expected_version, `stream` is the first stream that did not match and `current` its
// version now; the message names both, e.g. "stream 'org-7' is at version 3, expected version 2".
struct append_error {
  std::error_code code;
  std::string message;
  std::string stream;
  stream_version current;
};

using sha256_digest = std::array<std::uint8_t, 32>;

// An event as stored: everything it was appended with, plus where and how it was recorded.
struct recorded_event;
// The bytes `e` takes in the log: its whole record (header, strings, payload, CRC and hash).
std::uint64_t stored_size(const recorded_event& e);

struct recorded_event {
  position pos;
  std::string stream;
  stream_version version;
  std::string type;
  std::uint16_t schema_version = 1;
  event_metadata metadata;
  std::string command_id;
  std::string payload;
  sha256_digest hash{};  // SHA-256(previous event's hash || this record's bytes)
  bool operator==(const recorded_event&) const = default;
};

enum class read_direction : std::uint8_t { forward, backward };

// Result of recomputing CRCs and the hash chain over a range of the log.
struct verify_report {
  std::uint64_t checked = 0;          // events whose CRC and hash were recomputed
  position last_checked;              // highest position checked and found intact
  std::optional<position> first_bad;  // first altered or missing position, if any
  std::string problem;                // what was wrong there, for people
  sha256_digest head_hash{};          // hash of the last intact event (the chain's head)
  bool intact() const { return !first_bad.has_value(); }
};

}  // namespace gongjian::eventstore
