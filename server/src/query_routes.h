#pragma once
// GET /api/v1/... queries of the read side (docs/api.md "Queries"): jurisdictions, indicators and
// their history, rankings, ledger, organizations, members, branches, targets, interviews,
// bulletins, audit trail, campaigns. Every one takes `as_of` (a log position) or `as_of_time`
// (ISO-8601) and answers from the projections' as-of machinery; every answer carries the log
// `position` it reflects.
//
// Threads: parameters are checked on the network thread; everything that reads the projections
// (under the runner's shared lock) or the store runs on the store pool (run_on_store_pool), and
// the response is posted back to the session's strand.

#include <memory>

#include "read_side.h"
#include "shared_state.h"

namespace gongjian::server {

void add_query_routes(shared_state& state, const std::shared_ptr<read_side>& reads);

}  // namespace gongjian::server
