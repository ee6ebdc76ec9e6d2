#include "gongjian/projections/indicators.h"

#include <array>

namespace gongjian::projections {

namespace {
// 64x64-bit products need 128 bits; GCC's extension is marked so -Wpedantic accepts it.
__extension__ typedef __int128 wide_int;

constexpr std::array<std::string_view, indicator_count> indicator_names{
    "orgs_in_scope",
    "orgs_surveyed",
    "eligible",
    "standalone_formation_rate",
    "should_form_not_formed",
    "organization_coverage_rate",
    "work_coverage_rate",
    "ledger_progress",
    "members_disclosed",
    "pocket_members_disclosed",
    "hidden_members_disclosed",
    "transfers_completed",
    "members_developed",
    "instructors_assigned",
    "orgs_with_instructor",
    "union_coverage_rate",
    "womens_federation_coverage_rate",
    "formation_targets",
    "formation_targets_struck_off",
};
}  // namespace

std::string_view to_string(indicator i) {
  auto k = static_cast<std::size_t>(i);
  return k < indicator_names.size() ? indicator_names[k] : std::string_view{"unknown"};
}

std::optional<indicator> indicator_from_string(std::string_view name) {
  for (std::size_t k = 0; k < indicator_names.size(); ++k)
    if (indicator_names[k] == name) return static_cast<indicator>(k);
  return std::nullopt;
}

bool is_rate(indicator i) {
  switch (i) {
    case indicator::standalone_formation_rate:
    case indicator::organization_coverage_rate:
    case indicator::work_coverage_rate:
    case indicator::ledger_progress:
    case indicator::union_coverage_rate:
    case indicator::womens_federation_coverage_rate:
      return true;
    default:
      return false;
  }
}

bool higher_is_better(indicator i) { return i != indicator::should_form_not_formed; }

std::optional<domain::indicator> to_domain(indicator i) {
  using D = domain::indicator;
  switch (i) {
    case indicator::orgs_in_scope: return D::orgs_in_scope;
    case indicator::eligible: return D::eligible;
    case indicator::standalone_formation_rate: return D::standalone_formation_rate;
    case indicator::should_form_not_formed: return D::should_form_not_formed;
    case indicator::organization_coverage_rate: return D::organization_coverage_rate;
    case indicator::work_coverage_rate: return D::work_coverage_rate;
    case indicator::ledger_progress: return D::ledger_progress;
    case indicator::members_disclosed: return D::members_disclosed;
    case indicator::transfers_completed: return D::transfers_completed;
    case indicator::members_developed: return D::members_developed;
    case indicator::instructors_assigned: return D::instructors_assigned;
    case indicator::union_coverage_rate: return D::union_coverage_rate;
    case indicator::womens_federation_coverage_rate: return D::womens_federation_coverage_rate;
    default: return std::nullopt;
  }
}

indicator from_domain(domain::indicator i) {
  using D = domain::indicator;
  switch (i) {
    case D::orgs_in_scope: return indicator::orgs_in_scope;
    case D::eligible: return indicator::eligible;
    case D::standalone_formation_rate: return indicator::standalone_formation_rate;
    case D::should_form_not_formed: return indicator::should_form_not_formed;
    case D::organization_coverage_rate: return indicator::organization_coverage_rate;
    case D::work_coverage_rate: return indicator::work_coverage_rate;
    case D::ledger_progress: return indicator::ledger_progress;
    case D::members_disclosed: return indicator::members_disclosed;
    case D::transfers_completed: return indicator::transfers_completed;
    case D::members_developed: return indicator::members_developed;
    case D::instructors_assigned: return indicator::instructors_assigned;
    case D::union_coverage_rate: return indicator::union_coverage_rate;
    case D::womens_federation_coverage_rate: return indicator::womens_federation_coverage_rate;
  }
  return indicator::ledger_progress;
}

int compare(const indicator_value& a, const indicator_value& b) {
  if (!a.defined() || !b.defined()) return (a.defined() ? 1 : 0) - (b.defined() ? 1 : 0);
  // Denominators are non-negative counts; compare a.n/a.d with b.n/b.d exactly.
  wide_int left = static_cast<wide_int>(a.numerator) * b.denominator;
  wide_int right = static_cast<wide_int>(b.numerator) * a.denominator;
  return left < right ? -1 : (left > right ? 1 : 0);
}

indicator_value evaluate(const counter_block& c, indicator i, twin t) {
  auto tw = [&](std::size_t which) { return c[counter::of(t, which)]; };
  auto count = [](std::int64_t v) { return indicator_value{v, 1}; };
  auto rate = [](std::int64_t n, std::int64_t d) { return indicator_value{n, d}; };
  const std::int64_t in_scope = c[counter::orgs_in_scope];
  switch (i) {
    case indicator::orgs_in_scope: return count(in_scope);
    case indicator::orgs_surveyed:
      return count(c[counter::orgs_surveyed_by_step + static_cast<std::size_t>(survey_step::build_database)]);
    case indicator::eligible: return count(tw(counter::eligible));
    case indicator::standalone_formation_rate: return rate(tw(counter::eligible_with_standalone), tw(counter::eligible));
    case indicator::should_form_not_formed: return count(tw(counter::eligible) - tw(counter::eligible_with_standalone));
    case indicator::organization_coverage_rate: return rate(tw(counter::organization_covered), in_scope);
    case indicator::work_coverage_rate: return rate(tw(counter::work_covered), in_scope);
    case indicator::ledger_progress: {
      auto b = static_cast<std::size_t>(branch_of(t));
      return rate(c[counter::targets_struck_off_by_branch + b], c[counter::targets_by_branch + b]);
    }
    case indicator::members_disclosed:
      return count(tw(counter::disclosed_by_kind) + tw(counter::disclosed_by_kind + 1) + tw(counter::disclosed_by_kind + 2));
    case indicator::pocket_members_disclosed:
      return count(tw(counter::disclosed_by_kind + static_cast<std::size_t>(domain::member_status::pocket)));
    case indicator::hidden_members_disclosed:
      return count(tw(counter::disclosed_by_kind + static_cast<std::size_t>(domain::member_status::hidden)));
    case indicator::transfers_completed: return count(tw(counter::transfers_completed));
    case indicator::members_developed: return count(tw(counter::members_developed));
    case indicator::instructors_assigned: return count(tw(counter::instructors_assigned));
    case indicator::orgs_with_instructor: return count(tw(counter::orgs_with_instructor));
    case indicator::union_coverage_rate: return rate(c[counter::union_covered], in_scope);
    case indicator::womens_federation_coverage_rate: return rate(c[counter::womens_federation_covered], in_scope);
    case indicator::formation_targets:
      return count(c[counter::targets_by_branch + static_cast<std::size_t>(branch_of(t))]);
    case indicator::formation_targets_struck_off:
      return count(c[counter::targets_struck_off_by_branch + static_cast<std::size_t>(branch_of(t))]);
  }
  return {};
}

}  // namespace gongjian::projections
