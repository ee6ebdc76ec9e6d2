#pragma once
// decide(state, command, context) -> events | rejection: the campaign's rules in one function.
// Pure and deterministic: the same state, command and context give the same answer. Time comes
// in the context (the server stamps it once per command); no clock is read here.
//
// The returned events are in the order they must be applied and appended; automatic
// consequences follow the event that causes them (organization_formed, then
// formation_target_struck_off for each covered org's open target of that type).

#include <cstdint>
#include <vector>

#include "gongjian/domain/commands.h"
#include "gongjian/domain/events.h"
#include "gongjian/domain/rejection.h"
#include "gongjian/domain/result.h"
#include "gongjian/domain/state.h"

namespace gongjian::domain {

// Defaults from practice in similar campaigns (shared/domain/README.md), configurable.
struct policy {
  std::uint32_t max_letter_validity_days = 90;  // 介绍信有效期
  std::uint32_t party_probation_days = 365;     // 预备期一年
  // Dues (党费) a letter says are paid up to lie at most this many days after its issue (a year
  // paid ahead is the most practice knows of).
  std::uint32_t max_dues_paid_ahead_days = 366;
  // Size classes of a Party organization by formal members: below 50 a branch (支部), 50..100 a
  // general branch (总支), over 100 a committee (党委).
  std::uint32_t party_general_branch_from = 50;
  std::uint32_t party_committee_above = 100;
  // League: 3+ a branch, 30+ a general branch, 100+ a committee (团委).
  std::uint32_t league_general_branch_from = 30;
  std::uint32_t league_committee_from = 100;
  std::uint32_t max_orgs_per_command = 10000;  // orgs one formation or assignment may list
  std::uint32_t max_text_bytes = 4096;          // names, reasons, notes
  bool operator==(const policy&) const = default;
};

struct decision_context {
  std::int64_t now_ms = 0;  // Unix ms when the command was received; dates are checked against it
  policy rules;
};

result<std::vector<event>, rejection> decide(const state& s, const command& c, const decision_context& ctx);

// The size class an organization of `type` with `formal_members` takes.
organization_scale scale_of(organization_type type, std::uint32_t formal_members, const policy& rules);

}  // namespace gongjian::domain
