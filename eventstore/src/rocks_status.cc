#include "rocks_status.h"

#include "logger.h"

namespace gongjian::eventstore {

std::error_code to_error_code(const rocksdb::Status& status, std::string_view doing) {
  if (status.ok()) return {};
  if (status.IsNotFound()) return make_error_code(errc::not_found);
  log().error("{}: {}", doing, status.ToString());
  if (status.IsCorruption()) return make_error_code(errc::corruption);
  if (status.IsInvalidArgument() || status.IsNotSupported()) return make_error_code(errc::invalid_argument);
  if (status.IsShutdownInProgress()) return make_error_code(errc::closed);
  // IOError, NoSpace, Busy, TimedOut, Aborted, Incomplete, TryAgain, ...: the write or read did
  // not happen; the caller may retry later.
  return make_error_code(errc::io_error);
}

}  // namespace gongjian::eventstore
