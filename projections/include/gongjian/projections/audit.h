#pragma once
// The audit trail: every event indexed by entity (its stream), actor, jurisdiction, event type
// and time, in the store's consumer state (the log can hold tens of millions of events). Each
// line is a log position and the event's timestamp; the event itself, and its hash in the chain,
// an auditor reads from the log at that position (and checks with `verify`): a line kept no
// copy of the hash, which made it three times the size and a rebuild ~20% slower, every event
// being indexed four times. Keys are written by projection_state
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
// A line: <position, 8 bytes big-endian><timestamp ms, 8 bytes big-endian>. Stores written before
// lines had this size hold no audit_line_marker and are rebuilt at open (projection_runner::open).
inline constexpr std::size_t audit_line_size = 16;
inline constexpr std::string_view audit_line_marker = "a/line";
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
