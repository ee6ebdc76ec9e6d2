#pragma once
// POST /api/v1/commands/{name} and POST /api/v1/commands:batch (docs/api.md): JSON is parsed and
// mapped on the network thread, then handed to the command_service.

#include <memory>

#include "command_service.h"
#include "shared_state.h"

namespace gongjian::server {

void add_command_routes(shared_state& state, const std::shared_ptr<command_service>& commands);

}  // namespace gongjian::server
