#pragma once
// The audit trail: every event indexed by entity (its stream), actor, jurisdiction, event type
// and time, in the store's consumer state (the log can hold tens of millions of events). Each
// line is a log position, the event's timestamp and its hash in the chain, so an auditor can go
// to the event itself and check it against `verify`. Keys are written by projection_state
// (index_audit); this header reads them, one page at a time. By entity reads the event store's
// own stream index (read_stream), which holds exactly that.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gongjian/eventstore/types.h"
#include "gongjian/projections/keyed_state.h"

namespace gongjian::projections {

// The time index's layout (written by projection_state::index_audit, read here and by
// position_at_time): the lines of one checkpoint whose timestamps fall in one minute form one
// posting, <audit_time_prefix><u64 minute><u64 position of its last line> -> lines in log order.
inline constexpr std::string_view audit_time_prefix = "a/t/";
inline constexpr std::uint64_t audit_time_bucket_ms = 60000;
// Times order as their unsigned 64-bit images, as keys do.
inline std::uint64_t audit_time_bucket(std::int64_t timestamp_ms) {
  return static_cast<std::uint64_t>(timestamp_ms) / audit_time_bucket_ms;
}

enum class audit_axis : std::uint8_t { stream, actor, jurisdiction, event_type };

struct audit_query {
  audit_axis axis = audit_axis::stream;
  std::string value;              // the stream, user, jurisdiction code or event type
  eventstore::position after;     // cursor: lines after this position (0 = from the start)
  std::size_t limit = 100;
  std::optional<std::int64_t> from_ms;  // inclusive time range, optional
  std::optional<std::int64_t> to_ms;
};

struct audit_line {
  eventstore::position pos;
  std::int64_t timestamp_ms = 0;
  eventstore::sha256_digest hash{};
  bool operator==(const audit_line&) const = default;
};

struct audit_page {
  std::vector<audit_line> lines;
  eventstore::position next;  // cursor for the next page; 0 when this page was the last
};

audit_page read_audit(const keyed_state& state, const audit_query& q);
// Lines with from_ms <= timestamp <= to_ms, in time order (then position), after the line `after`
// (the last line of the previous page; nullopt for the first page).
audit_page read_audit_by_time(const keyed_state& state, std::int64_t from_ms, std::int64_t to_ms,
                              const std::optional<audit_line>& after, std::size_t limit);

}  // namespace gongjian::projections
