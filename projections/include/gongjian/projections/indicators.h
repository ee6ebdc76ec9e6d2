#pragma once
// Indicators a leader expects (shared/domain/README.md "Indicators a leader expects"), computed
// from per-jurisdiction counters. Counters are plain sums over the organizations (or events) under
// a jurisdiction, so rolling up the tree is addition; indicators are counts or ratios of counters.
//
// Definitions (the "Party" ones have League twins computed the same way from League members and
// organizations; see projections/README.md):
//   eligible (具备单独组建条件)         orgs in scope with >= 3 formal members
//   standalone formation rate (单独组建率) eligible orgs with their own organization / eligible
//   should-form-not-formed (应建未建)   eligible orgs without their own organization
//   organization coverage rate (组织覆盖率) orgs inside any organization (any mode) / orgs in scope
//   work coverage rate (工作覆盖率)       orgs with organization coverage, or an instructor, or
//                                        attached members, or a League (Party, for the League
//                                        twin)/union/women's federation organization / in scope
//   ledger progress (对账销号进度)        formation targets struck off / formation targets

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "gongjian/projections/vocabulary.h"

namespace gongjian::projections {

// Raw counters kept per jurisdiction node. Indices into counter_block::values.
namespace counter {
inline constexpr std::size_t orgs_in_scope = 0;
inline constexpr std::size_t orgs_in_scope_by_kind = 1;  // + org_kind (3)
inline constexpr std::size_t orgs_surveyed_by_step = 4;  // + survey_step (4): step completed, in scope
inline constexpr std::size_t orgs_removed = 8;           // out of the base: removed, or shell/dormant
inline constexpr std::size_t union_covered = 9;          // orgs in scope inside a trade union
inline constexpr std::size_t womens_federation_covered = 10;
inline constexpr std::size_t targets_by_branch = 11;            // + branch_type (4), orgs in scope
inline constexpr std::size_t targets_struck_off_by_branch = 15;  // + branch_type (4)
inline constexpr std::size_t twin_base = 19;
// Per twin: twin_base + twin * twin_stride + one of these.
inline constexpr std::size_t formal_members = 0;  // formal members in orgs in scope
inline constexpr std::size_t eligible = 1;
inline constexpr std::size_t eligible_with_standalone = 2;
inline constexpr std::size_t organization_covered = 3;
inline constexpr std::size_t work_covered = 4;
inline constexpr std::size_t orgs_with_instructor = 5;
// Instructors (指导员) with an active assignment to at least one org in scope under the node: an
// instructor counts once at each node whose subtree holds one of its orgs, however many of them
// (so an instructor whose orgs lie in two offices counts once in each, and once at their common
// ancestors). Kept by projection_state from its instructor records, not by org_contribution.
inline constexpr std::size_t instructors_assigned = 6;
inline constexpr std::size_t orgs_with_attached_members = 7;
inline constexpr std::size_t disclosed_by_kind = 8;  // + disclosure_kind (3), events
inline constexpr std::size_t transfers_completed = 11;
inline constexpr std::size_t members_developed = 12;
inline constexpr std::size_t twin_stride = 13;
inline constexpr std::size_t count = twin_base + twin_count * twin_stride;

constexpr std::size_t of(twin t, std::size_t which) { return twin_base + static_cast<std::size_t>(t) * twin_stride + which; }
}  // namespace counter

struct counter_block {
  std::array<std::int64_t, counter::count> values{};
  std::int64_t operator[](std::size_t i) const { return values[i]; }
  std::int64_t& operator[](std::size_t i) { return values[i]; }
  bool operator==(const counter_block&) const = default;
};

// Every indicator the read side offers, for display and ranking.
enum class indicator : std::uint8_t {
  orgs_in_scope,
  orgs_surveyed,  // all four survey steps done (建库)
  eligible,
  standalone_formation_rate,
  should_form_not_formed,
  organization_coverage_rate,
  work_coverage_rate,
  ledger_progress,
  members_disclosed,  // hidden + pocket + floating
  pocket_members_disclosed,
  hidden_members_disclosed,
  transfers_completed,
  members_developed,
  instructors_assigned,  // instructors assigned to at least one org in scope here (counter::instructors_assigned)
  orgs_with_instructor,
  union_coverage_rate,
  womens_federation_coverage_rate,
  formation_targets,
  formation_targets_struck_off,
};
inline constexpr std::size_t indicator_count = 19;

std::string_view to_string(indicator i);
std::optional<indicator> indicator_from_string(std::string_view name);
// True for rates (numerator/denominator), false for counts.
bool is_rate(indicator i);
// True when a larger value is better (false only for should-form-not-formed).
bool higher_is_better(indicator i);

// An indicator's value: a count (denominator 1) or a ratio. A ratio with a zero denominator has no
// value (a jurisdiction without eligible orgs has no formation rate); it ranks below every value.
struct indicator_value {
  std::int64_t numerator = 0;
  std::int64_t denominator = 1;
  bool defined() const { return denominator != 0; }
  double as_double() const { return denominator == 0 ? 0.0 : static_cast<double>(numerator) / static_cast<double>(denominator); }
  bool operator==(const indicator_value&) const = default;
};

// Exact comparison (cross multiplication in 128 bits): no floating-point ties decide a ranking.
// Undefined values compare below every defined value and equal to each other.
int compare(const indicator_value& a, const indicator_value& b);

indicator_value evaluate(const counter_block& c, indicator i, twin t);

// The domain's indicator enum (what bulletins record) is a subset of this one.
std::optional<domain::indicator> to_domain(indicator i);
indicator from_domain(domain::indicator i);

}  // namespace gongjian::projections
