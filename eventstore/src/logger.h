#pragma once
// The event store's named logger (Redpanda's per-module logger.h habit): every line it writes is
// tagged "eventstore". RocksDB's own status strings are logged here, since only the project's
// error codes leave the module.

#include <spdlog/logger.h>

namespace gongjian::eventstore {

spdlog::logger& log();

}  // namespace gongjian::eventstore
