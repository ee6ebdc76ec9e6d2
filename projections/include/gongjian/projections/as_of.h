#pragma once
// History: any indicator, ranking, ledger or entity state at a past log position or time.
//
// Scheme: every K events the runner stores a snapshot of the whole in-memory projection state
// under s/<position, 8 bytes big-endian> (projection_state::canonical, in the same commit as a
// checkpoint). State as of position p = the nearest snapshot at or before p, then the events
// (snapshot, p] read with read_all and folded in memory (ledger and audit writes of that replay
// are buffered and thrown away). An auditor steps forward event by event with history_cursor.
// A time maps to a position through the audit index's time keys (the last event at or before it).
// The ledger as of p needs no replay: each entry carries the positions at which it was
// designated, struck off and withdrawn.

#include <optional>
#include <vector>
#include <string>
#include <string_view>

#include "gongjian/domain/events.h"
#include "gongjian/domain/result.h"
#include "gongjian/eventstore/event_store.h"
#include "gongjian/projections/ledger.h"
#include "gongjian/projections/projection_state.h"

namespace gongjian::projections {

std::string snapshot_key(eventstore::position p);

// Steps through history from a position; owns its own copy of the state. Not thread-safe; any
// thread may use its own cursor while the runner runs.
class history_cursor {
 public:
  // Positions the cursor at `p` (0 = before the first event): nearest snapshot, then replay.
  static result<history_cursor> open(const eventstore::event_store& store, std::string consumer, eventstore::position p);

  const projection_state& state() const { return state_; }
  eventstore::position position() const { return state_.last_applied(); }
  // Applies the next event of the log; nullopt at the head.
  result<std::optional<eventstore::recorded_event>> step();
  // Applies events up to and including `p`.
  result<void> advance_to(eventstore::position p);

 private:
  history_cursor(const eventstore::event_store& store, std::string consumer);
  const eventstore::event_store* store_;
  keyed_state keyed_;  // reads the store; buffers the replay's writes and never commits them
  projection_state state_;
};

// The position of the last event with timestamp <= unix_ms (position 0 if none).
result<eventstore::position> position_at_time(const eventstore::event_store& store, std::string_view consumer,
                                              std::int64_t unix_ms);

// An entity as it stood at position `p`: the events of its stream (org-<id>, member-<id>, ...) up
// to and including p, in order, each with its position and hash; fold them with domain::apply
// for the write-model view or show them as the entity's history.
result<std::vector<eventstore::recorded_event>> entity_history(const eventstore::event_store& store,
                                                               std::string_view stream, eventstore::position p);

// The ledger as it stood at position `p`.
ledger_page read_ledger_as_of(const keyed_state& state, const ledger_query& q, eventstore::position p);

}  // namespace gongjian::projections
