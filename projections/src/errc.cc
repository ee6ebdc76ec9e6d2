#include "gongjian/projections/errc.h"

#include <string>

namespace gongjian::projections {

namespace {
class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "projections"; }
  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
      case errc::success: return "success";
      case errc::corrupt_state: return "persisted projection state is damaged or disagrees with its checkpoint";
      case errc::position_not_in_log: return "position is beyond the head of the log";
      case errc::no_campaign: return "no open campaign";
      case errc::rejected: return "the domain rejected a workflow command";
      case errc::not_caught_up: return "the projections did not catch up with the log in time";
    }
    return "unknown projections error";
  }
};
}  // namespace

const std::error_category& projections_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace gongjian::projections
