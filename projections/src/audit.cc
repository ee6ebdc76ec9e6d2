#include "gongjian/projections/audit.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "gongjian/eventstore/event_store.h"
#include "gongjian/projections/binary.h"

namespace gongjian::projections {

namespace {

std::string_view axis_letter(audit_axis a) {
  switch (a) {
    case audit_axis::stream: return "s";
    case audit_axis::actor: return "u";
    case audit_axis::jurisdiction: return "j";
    case audit_axis::event_type: return "y";
  }
  return "s";
}

constexpr std::size_t line_size = audit_line_size;

std::optional<audit_line> parse_line(std::string_view value) {
  if (value.size() != line_size) return std::nullopt;
  audit_line line;
  line.pos = eventstore::position{binary::parse_key_u64(value.substr(0, 8))};
  line.timestamp_ms = static_cast<std::int64_t>(binary::parse_key_u64(value.substr(8, 8)));
  return line;
}

}  // namespace

// By entity: the store's own stream index, read forward, keeping lines after the cursor.
audit_page read_stream_audit(const eventstore::event_store& store, const audit_query& q) {
  audit_page page;
  eventstore::stream_version from{1};
  bool more = false;
  while (!more) {
    auto events = store.read_stream(q.value, from, eventstore::read_direction::forward, 1024);
    if (!events || events->empty()) break;
    for (const auto& rec : *events) {
      if (rec.pos <= q.after) continue;
      if (q.from_ms && rec.metadata.timestamp_ms < *q.from_ms) continue;
      if (q.to_ms && rec.metadata.timestamp_ms > *q.to_ms) continue;
      if (page.lines.size() == q.limit) {
        more = true;
        break;
      }
      page.lines.push_back(audit_line{rec.pos, rec.metadata.timestamp_ms});
    }
    from = events->back().version.next();
  }
  if (more) page.next = page.lines.back().pos;
  return page;
}

audit_page read_audit(const keyed_state& state, const audit_query& q) {
  if (q.axis == audit_axis::stream) {
    if (state.store() == nullptr) return {};
    return read_stream_audit(*state.store(), q);
  }
  audit_page page;
  std::string prefix = "a/";
  prefix.append(axis_letter(q.axis));
  prefix.push_back('/');
  prefix.append(q.value);
  prefix.push_back('\0');
  // Postings are keyed by their last line's position: the first one that can hold a line after
  // the cursor is the first whose key is at or after <prefix><after + 1>.
  std::string start = prefix;
  binary::key_u64(start, q.after.value + 1);
  bool more = false;
  state.scan(prefix, start, [&](std::string_view key, std::string_view value) {
    if (key.size() != prefix.size() + 8 || value.size() % line_size != 0) return true;  // not a posting
    for (std::size_t at = 0; at < value.size(); at += line_size) {
      auto line = parse_line(value.substr(at, line_size));
      if (!line || line->pos <= q.after) continue;
      if (q.from_ms && line->timestamp_ms < *q.from_ms) continue;
      if (q.to_ms && line->timestamp_ms > *q.to_ms) continue;
      if (page.lines.size() == q.limit) {
        more = true;
        return false;
      }
      page.lines.push_back(*line);
    }
    return true;
  });
  if (more) page.next = page.lines.back().pos;
  return page;
}

// Lines come out in (time, position) order, as the old one-key-per-event index gave them: the
// scan starts at the minute of the first line wanted, gathers each minute's postings (one per
// checkpoint that had lines in it), orders their lines and hands them on until the page is full
// or a line is past `to_ms`. Times order as their unsigned 64-bit images, as keys do.
audit_page read_audit_by_time(const keyed_state& state, std::int64_t from_ms, std::int64_t to_ms,
                              const std::optional<audit_line>& after, std::size_t limit) {
  audit_page page;
  using order = std::pair<std::uint64_t, std::uint64_t>;  // (time, position)
  auto order_of = [](const audit_line& l) { return order{static_cast<std::uint64_t>(l.timestamp_ms), l.pos.value}; };
  const order first = after ? order{static_cast<std::uint64_t>(after->timestamp_ms), after->pos.value + 1}
                            : order{static_cast<std::uint64_t>(from_ms), 0};
  const std::string prefix(audit_time_prefix);
  std::string start = prefix;
  binary::key_u64(start, first.first / audit_time_bucket_ms);
  std::vector<audit_line> minute;
  std::optional<std::uint64_t> minute_key;
  bool more = false, done = false;
  auto hand_on = [&] {
    std::sort(minute.begin(), minute.end(), [&](const audit_line& a, const audit_line& b) { return order_of(a) < order_of(b); });
    for (const auto& line : minute) {
      if (line.timestamp_ms > to_ms) {
        done = true;
        break;
      }
      if (page.lines.size() == limit) {
        more = done = true;
        break;
      }
      page.lines.push_back(line);
    }
    minute.clear();
  };
  state.scan(prefix, start, [&](std::string_view key, std::string_view value) {
    if (key.size() != prefix.size() + 16 || value.size() % line_size != 0) return true;  // not a posting
    const std::uint64_t bucket = binary::parse_key_u64(key.substr(prefix.size(), 8));
    if (minute_key && *minute_key != bucket) {
      hand_on();
      if (done) return false;
    }
    minute_key = bucket;
    for (std::size_t at = 0; at < value.size(); at += line_size) {
      auto line = parse_line(value.substr(at, line_size));
      if (line && order_of(*line) >= first) minute.push_back(*line);
    }
    return true;
  });
  if (!done) hand_on();
  if (more) page.next = page.lines.back().pos;
  return page;
}

}  // namespace gongjian::projections
