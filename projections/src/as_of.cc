#include "gongjian/projections/as_of.h"

#include "gongjian/domain/codec.h"
#include "gongjian/projections/audit.h"
#include "gongjian/projections/binary.h"
#include "gongjian/projections/errc.h"

namespace gongjian::projections {

std::string snapshot_key(eventstore::position p) {
  std::string k = "s/";
  binary::key_u64(k, p.value);
  return k;
}

history_cursor::history_cursor(const eventstore::event_store& store, std::string consumer)
    : store_(&store), keyed_(&store, std::move(consumer)) {
  state_.set_audit_indexing(false);
}

result<history_cursor> history_cursor::open(const eventstore::event_store& store, std::string consumer,
                                            eventstore::position p) {
  if (p > store.head()) return failure(make_error_code(errc::position_not_in_log));
  history_cursor cursor(store, consumer);
  std::optional<std::string> snapshot;
  auto scanned = store.consumer_scan(consumer, snapshot_key(p), eventstore::read_direction::backward,
                                     [&](std::string_view key, std::string_view value) {
                                       if (key.starts_with("s/") && key.size() == 10) snapshot = std::string(value);
                                       return false;
                                     });
  if (!scanned) return failure(scanned.error());
  if (snapshot && !cursor.state_.restore_canonical(*snapshot)) return failure(make_error_code(errc::corrupt_state));
  if (auto done = cursor.advance_to(p); !done) return failure(done.error());
  return cursor;
}

result<std::optional<eventstore::recorded_event>> history_cursor::step() {
  auto page = store_->read_all(state_.last_applied().next(), 1);
  if (!page) return failure(page.error());
  if (page->empty()) return std::optional<eventstore::recorded_event>{};
  const auto& rec = page->front();
  auto decoded = domain::decode(rec.type, rec.schema_version, rec.payload);
  if (decoded) {
    state_.apply(rec, *decoded, keyed_);
  } else {
    state_.skip(rec);
  }
  return std::optional<eventstore::recorded_event>{rec};
}

result<void> history_cursor::advance_to(eventstore::position p) {
  while (state_.last_applied() < p) {
    auto page = store_->read_all(state_.last_applied().next(), 4096);
    if (!page) return failure(page.error());
    if (page->empty()) break;
    for (const auto& rec : *page) {
      if (rec.pos > p) break;
      auto decoded = domain::decode(rec.type, rec.schema_version, rec.payload);
      if (decoded) {
        state_.apply(rec, *decoded, keyed_);
      } else {
        state_.skip(rec);
      }
    }
  }
  return {};
}

// The last line at or before unix_ms in (time, position) order, from the time index: going back
// from the minute of unix_ms, the first minute that holds such a line holds the answer (a minute's
// lines sit in one posting per checkpoint, so all of that minute's postings are looked at).
result<eventstore::position> position_at_time(const eventstore::event_store& store, std::string_view consumer,
                                              std::int64_t unix_ms) {
  const std::string_view prefix = audit_time_prefix;
  const auto until = static_cast<std::uint64_t>(unix_ms);
  std::string start(prefix);
  binary::key_u64(start, until / audit_time_bucket_ms);
  binary::key_u64(start, UINT64_MAX);
  std::optional<std::pair<std::uint64_t, std::uint64_t>> best;  // (time, position)
  std::optional<std::uint64_t> best_minute;
  auto scanned = store.consumer_scan(consumer, start, eventstore::read_direction::backward,
                                     [&](std::string_view key, std::string_view value) {
                                       if (!key.starts_with(prefix)) return false;
                                       if (key.size() != prefix.size() + 16) return true;
                                       const std::uint64_t minute = binary::parse_key_u64(key.substr(prefix.size(), 8));
                                       if (best_minute && *best_minute != minute) return false;
                                       for (std::size_t at = 0; at + audit_line_size <= value.size();
                                            at += audit_line_size) {
                                         const std::pair<std::uint64_t, std::uint64_t> line{
                                             binary::parse_key_u64(value.substr(at + 8, 8)),
                                             binary::parse_key_u64(value.substr(at, 8))};
                                         if (line.first > until || (best && line <= *best)) continue;
                                         best = line;
                                         best_minute = minute;
                                       }
                                       return true;
                                     });
  if (!scanned) return failure(scanned.error());
  return eventstore::position{best ? best->second : 0};
}

result<std::vector<eventstore::recorded_event>> entity_history(const eventstore::event_store& store,
                                                               std::string_view stream, eventstore::position p) {
  std::vector<eventstore::recorded_event> out;
  eventstore::stream_version from{1};
  for (;;) {
    auto page = store.read_stream(stream, from, eventstore::read_direction::forward, 1024);
    if (!page) return failure(page.error());
    if (page->empty()) break;
    for (auto& rec : *page) {
      if (rec.pos > p) return out;
      out.push_back(std::move(rec));
    }
    from = out.back().version.next();
  }
  return out;
}

ledger_page read_ledger_as_of(const keyed_state& state, const ledger_query& q, eventstore::position p) {
  ledger_page page;
  const std::string prefix = "l/" + q.jurisdiction_path;
  std::string start = q.after.empty() ? prefix : q.after;
  state.scan(prefix, start, [&](std::string_view key, std::string_view) {
    if (key == q.after) return true;
    if (page.lines.size() == q.limit) return false;
    auto target = binary::parse_key_u64(key.substr(key.size() - 8));
    auto bytes = state.get(ledger_target_key(domain::target_id{target}));
    if (!bytes) return true;
    auto entry = decode_ledger_entry(*bytes);
    if (!entry || entry->designated_at > p.value) return true;
    // Undo what happened after p.
    const bool withdrawn = entry->withdrawn_at != 0 && entry->withdrawn_at <= p.value;
    const bool struck = entry->struck_off_at != 0 && entry->struck_off_at <= p.value;
    if (!withdrawn) {
      entry->withdrawn_at = 0;
      entry->withdrawn_on = {};
    }
    if (!struck) {
      entry->struck_off_at = 0;
      entry->struck_off_on = {};
      entry->struck_off_branch = 0;
      entry->struck_off_by = {};
    }
    entry->status = withdrawn ? domain::target_status::withdrawn
                              : (struck ? domain::target_status::struck_off : domain::target_status::open);
    add_to_ledger_page(page, std::move(*entry), q, key);
    return true;
  });
  if (page.lines.size() < q.limit) page.next.clear();
  return page;
}

}  // namespace gongjian::projections
