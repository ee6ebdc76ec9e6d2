#pragma once
// The one place rocksdb::Status becomes the project's error code (STYLE.md habit 5). The status
// text, which the code cannot carry, is logged with what was being done.

#include <string_view>
#include <system_error>

#include <rocksdb/status.h>

#include "gongjian/eventstore/errc.h"

namespace gongjian::eventstore {

std::error_code to_error_code(const rocksdb::Status& status, std::string_view doing);

}  // namespace gongjian::eventstore
