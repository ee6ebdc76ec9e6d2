#pragma once
// The projections' own error codes (STYLE.md habit 5); event store errors pass through as they are.

#include <system_error>

namespace gongjian::projections {

enum class errc {
  success = 0,
  corrupt_state = 1,        // persisted projection state does not decode or disagrees with its checkpoint
  position_not_in_log = 2,  // an as-of position beyond the head
  no_campaign = 3,          // the workflow found no open campaign
  rejected = 4,             // the domain refused a workflow command (message has the rule)
  not_caught_up = 5,        // the projections did not reach the log's head in time
};

const std::error_category& projections_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), projections_category()}; }

}  // namespace gongjian::projections

template <>
struct std::is_error_code_enum<gongjian::projections::errc> : std::true_type {};
