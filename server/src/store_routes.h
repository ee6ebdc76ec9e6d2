#pragma once
// Routes that need only the server's own state and the event store: health, readiness, metrics,
// whoami, the raw log, stream reads and chain verification. Store reads run on the store pool.

#include <functional>

#include "shared_state.h"

namespace gongjian::server {

// `ready` answers /readyz (the command service is ready once its state is rebuilt).
void add_store_routes(shared_state& state, std::function<bool()> ready);

// Maps an event store error to the server's error kinds.
api_error from_store_error(const std::error_code& ec);

// Runs `work` on the store pool and hands its response to `respond` (which posts it back to the
// session's strand). Exceptions become 500 responses.
void run_on_store_pool(shared_state& state, std::function<api_response()> work, responder respond);

// Reads an optional non-negative integer query parameter.
result<std::uint64_t, api_error> query_uint(const api_request& request, const std::string& name,
                                            std::uint64_t fallback);

}  // namespace gongjian::server
