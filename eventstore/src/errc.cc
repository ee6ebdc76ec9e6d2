#include "gongjian/eventstore/errc.h"

#include <string>

namespace gongjian::eventstore {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "gongjian.eventstore"; }
  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
      case errc::success: return "success";
      case errc::wrong_expected_version: return "wrong expected version";
      case errc::invalid_argument: return "invalid argument";
      case errc::io_error: return "I/O error";
      case errc::corruption: return "corruption";
      case errc::closed: return "event store closed";
      case errc::not_found: return "not found";
      case errc::read_only: return "event store opened read-only";
      case errc::in_use: return "event store already open in another process or store object";
    }
    return "unknown event store error";
  }
};

}  // namespace

const std::error_category& eventstore_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace gongjian::eventstore
