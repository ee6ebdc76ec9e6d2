// A single command's answer (success_body, written by hand on the hot path) against the generic
// mapping a batch uses (outcome_to_json): the two must stay byte for byte the same, so a field
// added to one and not the other fails here.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>

#include "command_outcome_json.h"
#include "json_text.h"

namespace gongjian::server {
namespace {

namespace json = boost::json;

command_outcome outcome(std::string id, std::string command, std::uint64_t first, std::uint64_t last) {
  command_outcome o;
  o.command_id = std::move(id);
  o.command = std::move(command);
  o.first_position = first;
  o.last_position = last;
  return o;
}

void expect_same_bytes(const command_outcome& o) {
  const std::string generic = json_text(outcome_to_json(o));
  EXPECT_EQ(success_body(o), generic);
  // And it is JSON that reads back to the same object.
  EXPECT_EQ(json::parse(success_body(o)), json::value(outcome_to_json(o)));
}

TEST(CommandOutcomeJson, OneEvent) {
  auto o = outcome("c-1", "record_member", 42, 42);
  o.events.push_back({42, "org-1", "member_recorded"});
  expect_same_bytes(o);
}

TEST(CommandOutcomeJson, SeveralEvents) {
  auto o = outcome("c-2", "form_organization", 7, 9);
  o.events.push_back({7, "org-7", "organization_formed"});
  o.events.push_back({8, "org-1", "organization_joined"});
  o.events.push_back({18446744073709551615ull, "org-2", "organization_joined"});
  expect_same_bytes(o);
}

TEST(CommandOutcomeJson, NoEventsAndDuplicate) {
  auto o = outcome("c-3", "record_member", 100, 103);
  o.duplicate = true;
  expect_same_bytes(o);
  o.duplicate = false;
  o.first_position = 0;
  o.last_position = 0;
  expect_same_bytes(o);
}

TEST(CommandOutcomeJson, StringsNeedingEscapes) {
  const std::string needs_escapes[] = {
      "quote\"inside",
      "back\\slash",
      std::string("nul\0byte", 8),
      "tab\tnewline\ncarriage\rbell\x07" "formfeed\f" "unit\x1f",
      "del\x7f",
      "非ASCII 北京市 é ✓ 😀",
      "\"\\\n非",
      "",
  };
  for (const auto& s : needs_escapes) {
    SCOPED_TRACE(s);
    auto o = outcome(s, s, 1, 2);
    o.events.push_back({1, s, s});
    o.events.push_back({2, "plain", s + "x"});
    expect_same_bytes(o);
  }
}

}  // namespace
}  // namespace gongjian::server
