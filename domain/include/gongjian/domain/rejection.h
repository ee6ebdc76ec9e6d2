#pragma once
// Why `decide` refused a command: a value, never an exception (STYLE.md habit 5). The server maps
// `kind` to an HTTP status in its one table and shows `code`, `field`, `rule` and `message`.

#include <cstdint>
#include <string>
#include <string_view>

#include "gongjian/domain/enum_names.h"

namespace gongjian::domain {

enum class rejection_kind : std::uint8_t {
  invalid_input,   // malformed field: bad code, bad date, empty name, invalid UTF-8, count out of range
  rule_violation,  // well-formed, but a rule of the campaign forbids it now
  not_found,       // it refers to something that does not exist
  already_exists,  // it creates something whose id (or place) is taken
  conflict,        // the thing is not in a state that allows it (already completed, closed, ...)
};
template <> struct enum_names<rejection_kind> {
  static constexpr std::array<std::string_view, 5> names{"invalid_input", "rule_violation", "not_found",
                                                         "already_exists", "conflict"};
};

struct rejection {
  rejection_kind kind = rejection_kind::invalid_input;
  std::string code;     // stable, e.g. "standalone_requires_three_formal_members"
  std::string field;    // the offending field of the command, e.g. "orgs", "social_credit_code"
  std::string rule;     // the rule in one sentence, with its Chinese term
  std::string message;  // what exactly was wrong with this command
  bool operator==(const rejection&) const = default;
};

}  // namespace gongjian::domain
