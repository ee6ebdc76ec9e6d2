#include "logger.h"

#include <memory>

#include <spdlog/spdlog.h>

namespace gongjian::eventstore {

spdlog::logger& log() {
  // A clone of the default logger shares its sinks (so the executable decides where lines go)
  // without registering a global name another module might also register.
  static const std::shared_ptr<spdlog::logger> instance = spdlog::default_logger()->clone("eventstore");
  return *instance;
}

}  // namespace gongjian::eventstore
