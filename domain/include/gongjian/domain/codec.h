#pragma once
// Events on the wire and on disk. The payload is cereal's portable binary archive, little-endian
// whatever the host:
//
//   payload = [u8 1 = little-endian flag] [fields in declaration order]
//   where each versioned struct (every event, and nested plan_target, interview_rules,
//   indicator_value, ranking_line, ranking, rectification_item) is preceded, the first time its
//   type appears in the payload, by [u32 class version]; integers and enums are fixed-width
//   little-endian, bool is one byte, strings and vectors are [u64 size][elements], an optional
//   is [u8 engaged][value if engaged], a date is [i32 days since 1970-01-01].
//
// `type` and `schema_version` travel beside the payload (the event store keeps them in the
// record header), so a reader picks the struct by `type` and cereal reads the fields of the
// version that was written. Fields are only ever added (see events.h).

#include <cstdint>
#include <string>
#include <string_view>

#include "gongjian/domain/commands.h"
#include "gongjian/domain/events.h"
#include "gongjian/domain/rejection.h"
#include "gongjian/domain/result.h"

namespace gongjian::domain {

struct encoded_event {
  std::string_view type;  // points at the event's static `type` name
  std::uint16_t schema_version = 0;
  std::string payload;
};

encoded_event encode(const event& e);

// Rejections: unknown_event_type, unsupported_schema_version (newer than this build knows),
// malformed_payload (truncated, trailing bytes, or an enum value out of range).
result<event, rejection> decode(std::string_view type, std::uint16_t schema_version, std::string_view payload);

// The stream (aggregate) an event belongs to:
//   jurisdiction-<code>  campaign-<id> (bulletins too)  host-<id>  org-<id>  member-<id>
//   transfer-<id>  instructor-<id>  branch-<id>  target-<id>  interview-<id>
std::string stream_of(const event& e);

// The stream of the aggregate a command addresses: where its first event goes, and the stream
// whose version a caller checks for optimistic concurrency.
std::string stream_of(const command& c);

}  // namespace gongjian::domain
