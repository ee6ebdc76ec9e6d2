#include "gongjian/domain/decide.h"

#include <algorithm>
#include <string>
#include <type_traits>
#include <unordered_set>

#include "gongjian/domain/rules.h"

namespace gongjian::domain {
namespace {

using outcome = result<std::vector<event>, rejection>;
using check = std::optional<rejection>;

rejection reject(const rule_info& rule, std::string_view field, std::string message) {
  return rejection{rule.kind, std::string(rule.code), std::string(field), std::string(rule.sentence), std::move(message)};
}

// The first failed check, in the order written (each check is pure, so evaluating them all is
// only a little extra work on the rejection path).
template <class... Checks>
check first_of(Checks&&... checks) {
  check found;
  ((found ? void() : void(found = std::move(checks))), ...);
  return found;
}

constexpr std::uint64_t max_id = std::uint64_t{1} << 62;
const date earliest_date = date_from_ymd(1900, 1, 1);
const date latest_date = date_from_ymd(2999, 12, 31);
constexpr std::uint32_t max_employees = 10'000'000;
constexpr std::uint32_t max_plan_count = 100'000'000;
constexpr std::uint32_t max_items = 1000;

std::string id_text(std::uint64_t v) { return std::to_string(v); }

template <class T>
bool has_duplicates(const std::vector<T>& values) {
  std::vector<T> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  return std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end();
}

organization_scale scale_for(organization_type type, std::uint32_t formal, const policy& rules) {
  return scale_of(type, formal, rules);
}

// One decision: the state, the context and "today" (the context's instant as a China date).
struct decider {
  const state& s;
  const decision_context& ctx;
  date today;

  // ----- field checks ----------------------------------------------------------------------

  check id(std::uint64_t value, std::string_view field) const {
    if (value == 0 || value >= max_id) {
      return reject(rules::invalid_id, field, "id " + id_text(value) + " is not between 1 and 2^62 - 1");
    }
    return std::nullopt;
  }

  check text(const std::string& value, std::string_view field, bool required) const {
    if (!is_valid_utf8(value)) return reject(rules::invalid_utf8, field, "not well-formed UTF-8");
    if (value.size() > ctx.rules.max_text_bytes) {
      return reject(rules::text_too_long, field,
                    std::to_string(value.size()) + " bytes, the limit is " + std::to_string(ctx.rules.max_text_bytes));
    }
    if (required && value.find_first_not_of(" \t\r\n") == std::string::npos) {
      return reject(rules::text_required, field, "is empty");
    }
    return std::nullopt;
  }
  check required(const std::string& value, std::string_view field) const { return text(value, field, true); }
  check optional_text(const std::string& value, std::string_view field) const { return text(value, field, false); }

  template <named_enum E>
  check known(E value, std::string_view field) const {
    if (!is_known(value)) {
      return reject(rules::invalid_value, field, "value " + std::to_string(static_cast<unsigned>(value)) + " has no name");
    }
    return std::nullopt;
  }

  check day(date d, std::string_view field) const {
    if (d < earliest_date || d > latest_date) {
      return reject(rules::date_out_of_range, field, to_string(d) + " is outside 1900-01-01..2999-12-31");
    }
    return std::nullopt;
  }
  // A fact that happened: a real date, not after today.
  check past(date d, std::string_view field) const {
    if (auto r = day(d, field)) return r;
    if (d > today) return reject(rules::date_in_future, field, to_string(d) + " is after today, " + to_string(today));
    return std::nullopt;
  }
  check not_before(date later, date earlier, std::string_view field, std::string_view earlier_name) const {
    if (later < earlier) {
      return reject(rules::date_order, field,
                    to_string(later) + " is before " + std::string(earlier_name) + " " + to_string(earlier));
    }
    return std::nullopt;
  }

  // A step dated before the step of the same aggregate it follows, whose date the state holds.
  check after_prior_step(date d, date prior, std::string_view field, std::string_view prior_step) const {
    if (d < prior) {
      return reject(rules::date_before_prior_step, field,
                    std::string(field) + " " + to_string(d) + " is before " + std::string(prior_step) + " on " +
                        to_string(prior));
    }
    return std::nullopt;
  }

  // Nothing is done to or in an org before the day it was registered (registered_on).
  check after_registration(date d, organization_id org, std::string_view field) const {
    return after_prior_step(d, s.find_org(org)->registered_on(), field,
                            "the registration of org " + id_text(org.value));
  }
  check after_registration(date d, const std::vector<organization_id>& orgs, std::string_view field) const {
    for (auto org : orgs) {
      if (auto r = after_registration(d, org, field)) return r;
    }
    return std::nullopt;
  }

  check jurisdiction(const jurisdiction_code& code, std::string_view field) const {
    if (!level_of(code)) return reject(rules::invalid_jurisdiction_code, field, "'" + code.value + "' is not a valid code");
    if (!s.find_jurisdiction(code)) return reject(rules::jurisdiction_not_found, field, code.value + " is not registered");
    return std::nullopt;
  }
  // Orgs and hosts belong to a county or an office.
  check local_jurisdiction(const jurisdiction_code& code, std::string_view field) const {
    if (auto r = jurisdiction(code, field)) return r;
    const auto level = s.find_jurisdiction(code)->level;
    if (level != jurisdiction_level::county && level != jurisdiction_level::office) {
      return reject(rules::office_level_required, field, code.value + " is a " + std::string(to_string(level)));
    }
    return std::nullopt;
  }

  // ----- aggregate lookups -----------------------------------------------------------------

  check org_in_scope(organization_id org, std::string_view field) const {
    if (auto r = id(org.value, field)) return r;
    const auto* record = s.find_org(org);
    if (!record) return reject(rules::org_not_found, field, "org " + id_text(org.value) + " is not registered");
    if (record->removed) return reject(rules::org_removed, field, "org " + id_text(org.value) + " was removed from the base");
    return std::nullopt;
  }

  check active_branch(branch_id branch, std::string_view field) const {
    if (auto r = id(branch.value, field)) return r;
    const auto* record = s.find_branch(branch);
    if (!record) return reject(rules::branch_not_found, field, "organization " + id_text(branch.value) + " is not formed");
    if (record->dissolved) {
      return reject(rules::organization_dissolved, field, "organization " + id_text(branch.value) + " is dissolved");
    }
    return std::nullopt;
  }

  check branch_of_affiliation(branch_id branch, member_affiliation affiliation, std::string_view field) const {
    if (auto r = active_branch(branch, field)) return r;
    const auto type = s.find_branch(branch)->type;
    if (type != organization_type_of(affiliation)) {
      return reject(rules::organization_type_mismatch, field,
                    "a " + std::string(to_string(affiliation)) + " member cannot go to a " +
                        std::string(to_string(type)) + " organization");
    }
    return std::nullopt;
  }

  // A member who is in an org that is still in the base.
  check member_in_org(member_id member, std::string_view field) const {
    if (auto r = id(member.value, field)) return r;
    const auto record = s.find_member(member);
    if (!record) return reject(rules::member_not_found, field, "member " + id_text(member.value) + " is not recorded");
    if (!record->in_org()) {
      return reject(rules::member_not_in_org, field, "member " + id_text(member.value) + " has left their org");
    }
    return org_in_scope(record->org, field);
  }

  // A member may be recorded (again) only when not in an org and without an open letter.
  check member_free(member_id member, std::string_view field) const {
    if (auto r = id(member.value, field)) return r;
    const auto record = s.find_member(member);
    if (!record) return std::nullopt;
    if (record->in_org()) {
      return reject(rules::member_in_another_org, field,
                    "member " + id_text(member.value) + " is recorded in org " + id_text(record->org.value));
    }
    return std::nullopt;
  }

  check org_list(const std::vector<organization_id>& orgs, std::string_view field) const {
    if (orgs.empty()) return reject(rules::list_required, field, "no orgs listed");
    if (orgs.size() > ctx.rules.max_orgs_per_command) {
      return reject(rules::invalid_count, field,
                    std::to_string(orgs.size()) + " orgs, the limit is " + std::to_string(ctx.rules.max_orgs_per_command));
    }
    if (has_duplicates(orgs)) return reject(rules::duplicate_in_list, field, "an org is listed twice");
    for (auto org : orgs) {
      if (auto r = org_in_scope(org, field)) return r;
    }
    return std::nullopt;
  }

  std::uint32_t formal_total(const std::vector<organization_id>& orgs, member_affiliation a) const {
    std::uint32_t total = 0;
    for (auto org : orgs) total += s.find_org(org)->formal(a);
    return total;
  }

  // 行业相近 … 地域相邻: every org has the same recorded trade, or every org lies in one county.
  bool share_trade_or_county(const std::vector<organization_id>& orgs) const {
    return share_trade(orgs) || share_county(orgs);
  }
  bool share_trade(const std::vector<organization_id>& orgs) const {
    const trade_index first = s.find_org(orgs.front())->trade;
    if (first == 0) return false;
    return std::all_of(orgs.begin(), orgs.end(), [&](organization_id o) { return s.find_org(o)->trade == first; });
  }
  bool share_county(const std::vector<organization_id>& orgs) const {
    const jurisdiction_index first = s.county_of(s.find_org(orgs.front())->office);
    if (first == no_jurisdiction) return false;
    return std::all_of(orgs.begin(), orgs.end(),
                       [&](organization_id o) { return s.county_of(s.find_org(o)->office) == first; });
  }

  // 应建尽建: an org that can form its own organization does not hide in a joint, affiliated or
  // industry one.
  check none_eligible(const std::vector<organization_id>& orgs, organization_type type, std::string_view field) const {
    const auto affiliation = affiliation_of(type);
    if (!affiliation) return std::nullopt;
    for (auto org : orgs) {
      if (s.find_org(org)->eligible(*affiliation)) {
        return reject(rules::eligible_org_must_form_standalone, field,
                      "org " + id_text(org.value) + " has " + std::to_string(s.find_org(org)->formal(*affiliation)) +
                          " formal " + std::string(to_string(*affiliation)) + " members");
      }
    }
    return std::nullopt;
  }

  check host_takes(host_id host, organization_type type, const std::vector<organization_id>& orgs,
                   std::string_view field) const {
    if (auto r = id(host.value, field)) return r;
    const auto* record = s.find_host(host);
    if (!record) return reject(rules::host_not_found, field, "host " + id_text(host.value) + " is not registered");
    bool has_organization = (record->existing_organizations & (1u << static_cast<unsigned>(type))) != 0;
    if (record->org.value != 0) {
      const auto* host_org = s.find_org(record->org);
      has_organization = host_org && !host_org->removed && host_org->covered_by(type);
    }
    if (!has_organization) {
      return reject(rules::host_has_no_organization, field,
                    "host " + id_text(host.value) + " has no " + std::string(to_string(type)) + " organization");
    }
    const auto host_county = s.county_of(record->jurisdiction);
    for (auto org : orgs) {
      if (s.county_of(s.find_org(org)->office) != host_county) {
        return reject(rules::host_not_nearby, field,
                      "org " + id_text(org.value) + " lies in another county than host " + id_text(host.value));
      }
    }
    return std::nullopt;
  }

  std::vector<event> with_struck_off(event first, branch_id branch, organization_type type,
                                     const std::vector<organization_id>& orgs, date on) const {
    std::vector<event> out;
    out.push_back(std::move(first));
    for (auto org : orgs) {
      if (auto target = s.open_target(org, type)) {
        out.push_back(events::formation_target_struck_off{*target, org, type, branch, on});
      }
    }
    return out;
  }

  static outcome one(event e) { return std::vector<event>{std::move(e)}; }

  // ----- jurisdictions ---------------------------------------------------------------------

  outcome operator()(const commands::register_jurisdiction& c) const {
    const auto level = level_of(c.code);
    if (!level) return failure{reject(rules::invalid_jurisdiction_code, "code", "'" + c.code.value + "' is not a valid code")};
    if (auto r = required(c.jurisdiction_name, "jurisdiction_name")) return failure{*r};
    if (s.find_jurisdiction(c.code)) {
      return failure{reject(rules::jurisdiction_exists, "code", c.code.value + " is already registered")};
    }
    const auto parent = parent_of(c.code);
    if (parent && !s.find_jurisdiction(*parent)) {
      return failure{reject(rules::parent_jurisdiction_not_registered, "code",
                            "the parent " + parent->value + " of " + c.code.value + " is not registered")};
    }
    return one(events::jurisdiction_registered{c.code, c.jurisdiction_name, *level, parent.value_or(jurisdiction_code{})});
  }

  outcome operator()(const commands::assign_jurisdiction_leader& c) const {
    if (auto r = first_of(jurisdiction(c.code, "code"), required(c.leader_name, "leader_name"),
                          required(c.lead_department, "lead_department"), past(c.assigned_on, "assigned_on"))) {
      return failure{*r};
    }
    return one(events::jurisdiction_leader_assigned{c.code, c.leader_name, c.lead_department, c.assigned_on});
  }

  outcome operator()(const commands::set_action_plan& c) const {
    if (auto r = first_of(jurisdiction(c.code, "code"), campaign_open(c.campaign, "campaign"), past(c.set_on, "set_on"))) {
      return failure{*r};
    }
    if (c.targets.empty()) return failure{reject(rules::list_required, "targets", "no targets listed")};
    std::vector<std::pair<organization_type, formation_mode>> lines;
    for (const auto& t : c.targets) {
      if (auto r = first_of(known(t.type, "targets"), known(t.mode, "targets"), day(t.deadline, "targets"),
                            not_before(t.deadline, c.set_on, "targets", "set_on"))) {
        return failure{*r};
      }
      if (t.count == 0 || t.count > max_plan_count) {
        return failure{reject(rules::invalid_count, "targets",
                              "count " + std::to_string(t.count) + " is not between 1 and " + std::to_string(max_plan_count))};
      }
      lines.emplace_back(t.type, t.mode);
    }
    if (has_duplicates(lines)) {
      return failure{reject(rules::duplicate_in_list, "targets", "a type and mode is listed twice")};
    }
    return one(events::action_plan_set{c.code, c.campaign, c.targets, c.set_on});
  }

  // ----- campaign --------------------------------------------------------------------------

  check campaign_open(campaign_id campaign, std::string_view field) const {
    if (auto r = id(campaign.value, field)) return r;
    const auto* record = s.find_campaign(campaign);
    if (!record) return reject(rules::campaign_not_found, field, "campaign " + id_text(campaign.value) + " is not opened");
    if (record->status == campaign_status::closed) {
      return reject(rules::campaign_closed, field, "campaign " + id_text(campaign.value) + " is closed");
    }
    return std::nullopt;
  }

  outcome operator()(const commands::open_campaign& c) const {
    if (auto r = first_of(id(c.campaign.value, "campaign"), required(c.campaign_name, "campaign_name"),
                          day(c.starts_on, "starts_on"), day(c.ends_on, "ends_on"),
                          known(c.ranking_indicator, "ranking_indicator"),
                          known(c.tie_break_indicator, "tie_break_indicator"))) {
      return failure{*r};
    }
    if (s.find_campaign(c.campaign)) {
      return failure{reject(rules::campaign_exists, "campaign", "campaign " + id_text(c.campaign.value) + " is already opened")};
    }
    if (c.ends_on <= c.starts_on) {
      return failure{reject(rules::date_order, "ends_on", to_string(c.ends_on) + " is not after " + to_string(c.starts_on))};
    }
    if (c.bulletin_cadence_days < 1 || c.bulletin_cadence_days > 366) {
      return failure{reject(rules::bulletin_cadence_out_of_range, "bulletin_cadence_days",
                            std::to_string(c.bulletin_cadence_days) + " days")};
    }
    if (c.interviews.bottom_percent > 100) {
      return failure{reject(rules::invalid_count, "interviews.bottom_percent",
                            std::to_string(c.interviews.bottom_percent) + " is above 100")};
    }
    if (c.interviews.below_target_rate_permille > 1000) {
      return failure{reject(rules::invalid_count, "interviews.below_target_rate_permille",
                            std::to_string(c.interviews.below_target_rate_permille) + " is above 1000")};
    }
    return one(events::campaign_opened{c.campaign, c.campaign_name, c.starts_on, c.ends_on, c.bulletin_cadence_days,
                                       c.ranking_indicator, c.tie_break_indicator, c.interviews});
  }

  outcome operator()(const commands::close_campaign& c) const {
    if (auto r = first_of(campaign_open(c.campaign, "campaign"), past(c.closed_on, "closed_on"))) return failure{*r};
    const auto* campaign = s.find_campaign(c.campaign);
    if (auto r = not_before(c.closed_on, campaign->starts_on, "closed_on", "starts_on")) return failure{*r};
    return one(events::campaign_closed{c.campaign, c.closed_on});
  }

  outcome operator()(const commands::issue_bulletin& c) const {
    if (auto r = first_of(campaign_open(c.campaign, "campaign"), past(c.as_of, "as_of"))) return failure{*r};
    const auto* campaign = s.find_campaign(c.campaign);
    if (c.round.value != campaign->last_round + 1) {
      return failure{reject(rules::bulletin_round_out_of_order, "round",
                            "round " + std::to_string(c.round.value) + " follows round " +
                                std::to_string(campaign->last_round) + "; expected " +
                                std::to_string(campaign->last_round + 1))};
    }
    const date due = campaign->due_on(c.round.value);
    if (c.as_of < due) {
      return failure{reject(rules::bulletin_not_due, "as_of",
                            "round " + std::to_string(c.round.value) + " is due on " + to_string(due))};
    }
    for (const auto& ranking : c.rankings) {
      if (auto r = first_of(jurisdiction(ranking.parent, "rankings"), known(ranking.by, "rankings"),
                            known(ranking.affiliation, "rankings"))) {
        return failure{*r};
      }
      const auto parent = *s.index_of_jurisdiction(ranking.parent);
      std::vector<std::string> seen;
      for (const auto& line : ranking.lines) {
        if (auto r = jurisdiction(line.jurisdiction, "rankings")) return failure{*r};
        if (s.find_jurisdiction(line.jurisdiction)->parent != parent) {
          return failure{reject(rules::ranking_not_of_children, "rankings",
                                line.jurisdiction.value + " is not a child of " + ranking.parent.value)};
        }
        if (line.rank < 1 || line.rank > ranking.lines.size() || line.previous_rank > 100000) {
          return failure{reject(rules::invalid_count, "rankings",
                                "rank " + std::to_string(line.rank) + " of " + line.jurisdiction.value +
                                    " is not between 1 and " + std::to_string(ranking.lines.size()))};
        }
        for (const auto& value : line.values) {
          if (auto r = first_of(known(value.which, "rankings"), known(value.affiliation, "rankings"))) return failure{*r};
          if (value.denominator <= 0 || value.numerator < 0) {
            return failure{reject(rules::invalid_count, "rankings",
                                  "value " + std::to_string(value.numerator) + "/" + std::to_string(value.denominator) +
                                      " of " + line.jurisdiction.value + " is not a non-negative fraction")};
          }
        }
        seen.push_back(line.jurisdiction.value);
      }
      if (has_duplicates(seen)) {
        return failure{reject(rules::duplicate_in_list, "rankings", "a jurisdiction is ranked twice under " + ranking.parent.value)};
      }
    }
    return one(events::bulletin_issued{c.campaign, c.round, c.as_of, c.log_position, c.rankings});
  }

  // ----- hosts -----------------------------------------------------------------------------

  outcome operator()(const commands::register_host& c) const {
    if (auto r = first_of(id(c.host.value, "host"), known(c.kind, "kind"), required(c.host_name, "host_name"),
                          local_jurisdiction(c.jurisdiction, "jurisdiction"))) {
      return failure{*r};
    }
    if (s.find_host(c.host)) {
      return failure{reject(rules::host_exists, "host", "host " + id_text(c.host.value) + " is already registered")};
    }
    if (c.org) {
      if (c.kind != host_kind::enterprise) {
        return failure{reject(rules::host_org_requires_enterprise, "org",
                              "a " + std::string(to_string(c.kind)) + " host is not an org of the base")};
      }
      if (auto r = org_in_scope(*c.org, "org")) return failure{*r};
    }
    for (auto type : c.existing_organizations) {
      if (auto r = known(type, "existing_organizations")) return failure{*r};
    }
    if (has_duplicates(c.existing_organizations)) {
      return failure{reject(rules::duplicate_in_list, "existing_organizations", "a type is listed twice")};
    }
    return one(events::host_registered{c.host, c.kind, c.host_name, c.jurisdiction, c.org, c.existing_organizations});
  }

  // ----- organizations ---------------------------------------------------------------------

  check credit_code(const std::string& code, std::string_view field) const {
    if (code.empty()) return std::nullopt;
    if (auto problem = social_credit_code_problem(code); !problem.empty()) {
      return reject(rules::invalid_social_credit_code, field, "'" + code + "': " + problem);
    }
    return std::nullopt;
  }
  check registration_number(const std::string& number, std::string_view field) const {
    if (number.empty() || is_valid_registration_number(number)) return std::nullopt;
    return reject(rules::invalid_registration_number, field, "'" + number + "' fails the 15-digit check");
  }
  check employees(std::uint32_t count, std::string_view field) const {
    if (count > max_employees) {
      return reject(rules::invalid_count, field,
                    std::to_string(count) + " employees is above " + std::to_string(max_employees));
    }
    return std::nullopt;
  }

  outcome operator()(const commands::register_organization& c) const {
    if (auto r = first_of(id(c.org.value, "org"), known(c.kind, "kind"), required(c.org_name, "org_name"),
                          credit_code(c.social_credit_code, "social_credit_code"),
                          registration_number(c.registration_number, "registration_number"),
                          optional_text(c.trade, "trade"), local_jurisdiction(c.office, "office"),
                          optional_text(c.address, "address"), employees(c.employees, "employees"),
                          known(c.owner, "owner"), optional_text(c.management_relationship, "management_relationship"),
                          known(c.status, "status"), known(c.focus, "focus"), past(c.registered_on, "registered_on"))) {
      return failure{*r};
    }
    const bool individual = c.kind == org_kind::individual_business;
    if (c.social_credit_code.empty() && (!individual || c.registration_number.empty())) {
      return failure{reject(rules::identification_required, "social_credit_code",
                            individual ? "an individual business needs its credit code or registration number"
                                       : "a " + std::string(to_string(c.kind)) + " needs its unified social credit code")};
    }
    if (!individual && !c.registration_number.empty()) {
      return failure{reject(rules::identification_required, "registration_number",
                            "only an individual business is identified by a registration number")};
    }
    if (s.find_org(c.org)) {
      return failure{reject(rules::org_exists, "org", "org " + id_text(c.org.value) + " is already registered")};
    }
    return one(events::organization_registered{c.org, c.kind, c.org_name, c.social_credit_code, c.registration_number,
                                               c.trade, c.office, c.address, c.employees, c.owner,
                                               c.management_relationship, c.status, c.focus, c.has_activity_venue,
                                               c.registered_on});
  }

  outcome operator()(const commands::complete_survey_step& c) const {
    if (auto r = first_of(org_in_scope(c.org, "org"), known(c.step, "step"), past(c.completed_on, "completed_on"))) {
      return failure{*r};
    }
    if (auto r = after_registration(c.completed_on, c.org, "completed_on")) return failure{*r};
    const unsigned done = s.find_org(c.org)->survey_steps_completed;
    if (static_cast<unsigned>(c.step) != done) {
      const std::string expected =
          done < enum_count<survey_step>() ? std::string(to_string(static_cast<survey_step>(done))) : "none (all done)";
      return failure{reject(rules::survey_step_out_of_order, "step",
                            std::string(to_string(c.step)) + " given; the next step is " + expected)};
    }
    if (done > 0) {
      if (auto r = after_prior_step(c.completed_on, s.find_org(c.org)->last_survey_step_on(), "completed_on",
                                    "the survey step " +
                                        std::string(to_string(static_cast<survey_step>(done - 1))))) {
        return failure{*r};
      }
    }
    return one(events::survey_step_completed{c.org, c.step, c.completed_on});
  }

  // A correction of office or trade keeps every joint, affiliated or industry organization the org
  // is in within its formation rules. Such orgs are few, so their organizations are found by a scan.
  check organizations_still_hold(const commands::correct_organization_details& c) const {
    const auto* org = s.find_org(c.org);
    std::uint16_t grouped = 0;
    for (std::size_t t = 0; t < enum_count<organization_type>(); ++t) {
      const auto type = static_cast<organization_type>(t);
      grouped |= org_record::coverage_bit(type, formation_mode::joint) |
                 org_record::coverage_bit(type, formation_mode::affiliated) |
                 org_record::coverage_bit(type, formation_mode::industry);
    }
    if ((!c.office && !c.trade) || (org->coverage & grouped) == 0) return std::nullopt;
    // A trade not yet recorded by any org is one no other org has.
    constexpr trade_index unknown_trade = 0xFFFFFFFFu;
    const trade_index new_trade =
        c.trade ? (c.trade->empty() ? 0 : s.find_trade(*c.trade).value_or(unknown_trade)) : org->trade;
    const jurisdiction_index new_county =
        c.office ? s.county_of(*s.index_of_jurisdiction(*c.office)) : s.county_of(org->office);
    const auto trade_of = [&](organization_id o) { return o == c.org ? new_trade : s.find_org(o)->trade; };
    const auto county_of = [&](organization_id o) {
      return o == c.org ? new_county : s.county_of(s.find_org(o)->office);
    };
    for (const auto& [id, b] : s.branches()) {
      if (b.dissolved || b.mode == formation_mode::standalone) continue;
      if (std::find(b.orgs.begin(), b.orgs.end(), c.org) == b.orgs.end()) continue;
      const trade_index first_trade = trade_of(b.orgs.front());
      const jurisdiction_index first_county = county_of(b.orgs.front());
      const bool one_trade = first_trade != 0 && std::all_of(b.orgs.begin(), b.orgs.end(), [&](organization_id o) {
        return trade_of(o) == first_trade;
      });
      const bool one_county = first_county != no_jurisdiction &&
                              std::all_of(b.orgs.begin(), b.orgs.end(), [&](organization_id o) {
                                return county_of(o) == first_county;
                              });
      const bool holds = b.mode == formation_mode::joint      ? one_trade || one_county
                         : b.mode == formation_mode::industry ? one_trade
                                                              : new_county == s.county_of(s.find_host(b.host)->jurisdiction);
      if (!holds) {
        const std::string_view field = b.mode == formation_mode::industry ? "trade" : c.office ? "office" : "trade";
        const std::string why = b.mode == formation_mode::joint ? "its orgs would neither share a trade nor lie in one county"
                                : b.mode == formation_mode::industry ? "its orgs would not share one trade"
                                                                     : "the host would not lie in the org's county";
        return reject(rules::correction_breaks_organization, field,
                      "org " + id_text(c.org.value) + " is in " + std::string(to_string(b.mode)) + " organization " +
                          id_text(id.value) + ": " + why);
      }
    }
    return std::nullopt;
  }

  outcome operator()(const commands::correct_organization_details& c) const {
    if (auto r = first_of(org_in_scope(c.org, "org"), optional_text(c.note, "note"), past(c.corrected_on, "corrected_on"))) {
      return failure{*r};
    }
    const bool any = c.org_name || c.social_credit_code || c.registration_number || c.trade || c.office || c.address ||
                     c.employees || c.owner || c.management_relationship || c.status || c.focus || c.has_activity_venue;
    if (!any) return failure{reject(rules::nothing_to_correct, "org", "no field to change")};
    if (auto r = after_registration(c.corrected_on, c.org, "corrected_on")) return failure{*r};
    const auto kind = s.find_org(c.org)->kind;
    if (auto r = first_of(c.org_name ? required(*c.org_name, "org_name") : check{},
                          c.social_credit_code ? credit_code(*c.social_credit_code, "social_credit_code") : check{},
                          c.registration_number ? registration_number(*c.registration_number, "registration_number")
                                                : check{},
                          c.trade ? optional_text(*c.trade, "trade") : check{},
                          c.office ? local_jurisdiction(*c.office, "office") : check{},
                          c.address ? optional_text(*c.address, "address") : check{},
                          c.employees ? employees(*c.employees, "employees") : check{},
                          c.owner ? known(*c.owner, "owner") : check{},
                          c.management_relationship ? optional_text(*c.management_relationship, "management_relationship")
                                                    : check{},
                          c.status ? known(*c.status, "status") : check{}, c.focus ? known(*c.focus, "focus") : check{})) {
      return failure{*r};
    }
    if (kind != org_kind::individual_business) {
      if (c.social_credit_code && c.social_credit_code->empty()) {
        return failure{reject(rules::identification_required, "social_credit_code",
                              "a " + std::string(to_string(kind)) + " keeps its unified social credit code")};
      }
      if (c.registration_number && !c.registration_number->empty()) {
        return failure{reject(rules::identification_required, "registration_number",
                              "only an individual business is identified by a registration number")};
      }
    }
    if (auto r = organizations_still_hold(c)) return failure{*r};
    return one(events::organization_details_corrected{c.org, c.org_name, c.social_credit_code, c.registration_number,
                                                      c.trade, c.office, c.address, c.employees, c.owner,
                                                      c.management_relationship, c.status, c.focus,
                                                      c.has_activity_venue, c.note, c.corrected_on});
  }

  // A deregistered (注销) firm no longer exists, so it leaves the shared organizations it is in
  // (joint, affiliated, industry) with its removal, even a joint one left with one org: the
  // two-org rule binds a formation and a choice to leave, not a firm's ceasing, and holding it
  // here left such a firm in neither the branch nor out of the base. An organization of its own,
  // or one that covers no other org, is dissolved first: that has a reason and members of its own.
  check leaves_on_deregistration(const commands::remove_organization& c, std::vector<event>& out) const {
    std::vector<branch_id> covering;
    for (const auto& [id, b] : s.branches()) {
      if (b.dissolved || std::find(b.orgs.begin(), b.orgs.end(), c.org) == b.orgs.end()) continue;
      if (b.mode == formation_mode::standalone || b.orgs.size() == 1) {
        return reject(rules::org_still_covered, "org",
                      "org " + id_text(c.org.value) + " is the only org of organization " + id_text(id.value) +
                          "; dissolve it first");
      }
      if (auto r = after_prior_step(c.removed_on, b.formed_on, "removed_on", "the organization's formation")) return r;
      covering.push_back(id);
    }
    std::sort(covering.begin(), covering.end(), [](branch_id a, branch_id b) { return a.value < b.value; });
    for (auto branch : covering) {
      out.push_back(events::organization_orgs_removed{branch, {c.org}, "所在单位已注销 (the org was deregistered)",
                                                      c.removed_on});
    }
    return std::nullopt;
  }

  outcome operator()(const commands::remove_organization& c) const {
    if (auto r = first_of(org_in_scope(c.org, "org"), known(c.reason, "reason"), optional_text(c.note, "note"),
                          past(c.removed_on, "removed_on"))) {
      return failure{*r};
    }
    if (auto r = after_registration(c.removed_on, c.org, "removed_on")) return failure{*r};
    std::vector<event> out;
    if (s.find_org(c.org)->coverage != 0) {
      if (c.reason != removal_reason::deregistered) {
        return failure{reject(rules::org_still_covered, "org",
                              "org " + id_text(c.org.value) + " is still inside an organization; remove it from it first")};
      }
      if (auto r = leaves_on_deregistration(c, out)) return failure{*r};
    }
    out.push_back(events::organization_removed{c.org, c.reason, c.note, c.removed_on});
    for (std::size_t t = 0; t < enum_count<organization_type>(); ++t) {
      if (auto target = s.open_target(c.org, static_cast<organization_type>(t))) {
        out.push_back(events::formation_target_withdrawn{*target, c.org, c.removed_on});
      }
    }
    return out;
  }

  // ----- members ---------------------------------------------------------------------------

  check standing_allowed(member_affiliation affiliation, member_standing standing, std::string_view field) const {
    if (affiliation == member_affiliation::league && standing == member_standing::probationary) {
      return reject(rules::league_has_no_probation, field, "a League member cannot be probationary");
    }
    return std::nullopt;
  }

  outcome operator()(const commands::record_member& c) const {
    if (auto r = first_of(id(c.member.value, "member"), org_in_scope(c.org, "org"), known(c.affiliation, "affiliation"),
                          known(c.standing, "standing"), known(c.status, "status"),
                          standing_allowed(c.affiliation, c.standing, "standing"), required(c.member_name, "member_name"),
                          optional_text(c.relationship_held_at, "relationship_held_at"), past(c.admitted_on, "admitted_on"),
                          past(c.recorded_on, "recorded_on"), not_before(c.recorded_on, c.admitted_on, "recorded_on", "admitted_on"),
                          member_free(c.member, "member"))) {
      return failure{*r};
    }
    if (auto r = after_registration(c.recorded_on, c.org, "recorded_on")) return failure{*r};
    return one(events::member_recorded{c.member, c.org, c.affiliation, c.standing, c.status, c.member_name,
                                       c.relationship_held_at, c.admitted_on, c.recorded_on});
  }

  outcome operator()(const commands::disclose_member_identity& c) const {
    if (auto r = first_of(member_in_org(c.member, "member"), past(c.disclosed_on, "disclosed_on"))) return failure{*r};
    const auto m = s.find_member(c.member);
    if (m->status != member_status::hidden && m->status != member_status::pocket && m->status != member_status::floating) {
      return failure{reject(rules::identity_already_disclosed, "member",
                            "member " + id_text(c.member.value) + " is " + std::string(to_string(m->status)))};
    }
    if (auto r = after_prior_step(c.disclosed_on, m->recorded_on, "disclosed_on", "the member's record")) {
      return failure{*r};
    }
    return one(events::member_identity_disclosed{c.member, m->org, m->status, c.disclosed_on});
  }

  outcome operator()(const commands::develop_member& c) const {
    if (auto r = first_of(id(c.member.value, "member"), org_in_scope(c.org, "org"), known(c.affiliation, "affiliation"),
                          required(c.member_name, "member_name"), past(c.admitted_on, "admitted_on"),
                          c.admitted_by ? branch_of_affiliation(*c.admitted_by, c.affiliation, "admitted_by") : check{},
                          member_free(c.member, "member"))) {
      return failure{*r};
    }
    if (auto r = after_registration(c.admitted_on, c.org, "admitted_on")) return failure{*r};
    // A new Party member serves a probationary year first; League membership has no probation.
    const auto standing =
        c.affiliation == member_affiliation::party ? member_standing::probationary : member_standing::formal;
    return one(events::member_developed{c.member, c.org, c.affiliation, standing, c.member_name, c.admitted_by,
                                        c.admitted_on});
  }

  outcome operator()(const commands::make_member_formal& c) const {
    if (auto r = first_of(member_in_org(c.member, "member"), past(c.made_formal_on, "made_formal_on"))) return failure{*r};
    const auto m = s.find_member(c.member);
    if (m->standing != member_standing::probationary) {
      return failure{reject(rules::member_already_formal, "member", "member " + id_text(c.member.value) + " is formal")};
    }
    if (auto r = after_prior_step(c.made_formal_on, m->recorded_on, "made_formal_on", "the member's record")) {
      return failure{*r};
    }
    const date probation_ends = add_days(m->admitted_on, static_cast<std::int32_t>(ctx.rules.party_probation_days));
    if (c.made_formal_on < probation_ends) {
      return failure{reject(rules::probation_not_over, "made_formal_on",
                            "admitted " + to_string(m->admitted_on) + "; the probationary year ends " +
                                to_string(probation_ends))};
    }
    return one(events::member_made_formal{c.member, m->org, c.made_formal_on});
  }

  outcome operator()(const commands::record_member_left& c) const {
    // Leaving is the member's fact: it is recorded even when the org was removed from the base.
    if (auto r = first_of(id(c.member.value, "member"), known(c.reason, "reason"), past(c.left_on, "left_on"))) {
      return failure{*r};
    }
    const auto m = s.find_member(c.member);
    if (!m) return failure{reject(rules::member_not_found, "member", "member " + id_text(c.member.value) + " is not recorded")};
    if (!m->in_org()) {
      return failure{reject(rules::member_not_in_org, "member", "member " + id_text(c.member.value) + " has already left")};
    }
    if (m->open_transfer.value != 0) {
      return failure{reject(rules::member_has_open_transfer, "member",
                            "transfer " + id_text(m->open_transfer.value) + " is still issued")};
    }
    if (auto r = after_prior_step(c.left_on, m->recorded_on, "left_on", "the member's record")) return failure{*r};
    return one(events::member_left{c.member, m->org, c.reason, c.left_on});
  }

  outcome operator()(const commands::attach_member_nearby& c) const {
    if (auto r = first_of(member_in_org(c.member, "member"), past(c.attached_on, "attached_on"))) return failure{*r};
    const auto m = s.find_member(c.member);
    if (auto r = branch_of_affiliation(c.branch, m->affiliation, "branch")) return failure{*r};
    if (m->attached_to.value != 0) {
      return failure{reject(rules::member_already_attached, "member",
                            "member " + id_text(c.member.value) + " takes part in organization " +
                                id_text(m->attached_to.value))};
    }
    if (s.find_org(m->org)->covered_by(organization_type_of(m->affiliation))) {
      return failure{reject(rules::org_has_own_organization, "member",
                            "org " + id_text(m->org.value) + " has a " + std::string(to_string(m->affiliation)) +
                                " organization")};
    }
    // 就近: the organization covers an org in the member's org's county (a joint or industry one may
    // span counties; one org nearby is enough).
    const auto county = s.county_of(s.find_org(m->org)->office);
    const auto& branch_orgs = s.find_branch(c.branch)->orgs;
    if (std::none_of(branch_orgs.begin(), branch_orgs.end(),
                     [&](organization_id o) { return s.county_of(s.find_org(o)->office) == county; })) {
      return failure{reject(rules::organization_not_nearby, "branch",
                            "organization " + id_text(c.branch.value) + " covers no org in the county " +
                                s.jurisdiction(county).code.value + " of org " + id_text(m->org.value))};
    }
    if (auto r = first_of(after_prior_step(c.attached_on, m->recorded_on, "attached_on", "the member's record"),
                          after_prior_step(c.attached_on, s.find_branch(c.branch)->formed_on, "attached_on",
                                           "the organization's formation"))) {
      return failure{*r};
    }
    return one(events::member_attached_nearby{c.member, c.branch, c.attached_on});
  }

  outcome operator()(const commands::detach_member_nearby& c) const {
    if (auto r = first_of(member_in_org(c.member, "member"), required(c.reason, "reason"),
                          past(c.detached_on, "detached_on"))) {
      return failure{*r};
    }
    const auto m = s.find_member(c.member);
    if (m->attached_to.value == 0) {
      return failure{reject(rules::member_not_attached, "member",
                            "member " + id_text(c.member.value) + " takes part in no nearby organization")};
    }
    if (auto r = first_of(after_prior_step(c.detached_on, m->recorded_on, "detached_on", "the member's record"),
                          after_prior_step(c.detached_on, s.find_branch(m->attached_to)->formed_on, "detached_on",
                                           "the organization's formation"),
                          after_prior_step(c.detached_on, m->attached_on, "detached_on", "the attachment"))) {
      return failure{*r};
    }
    return one(events::member_detached{c.member, m->attached_to, c.reason, c.detached_on});
  }

  // ----- transfers -------------------------------------------------------------------------

  check new_transfer(transfer_id transfer, std::string_view field) const {
    if (auto r = id(transfer.value, field)) return r;
    if (s.find_transfer(transfer)) {
      return reject(rules::transfer_exists, field, "transfer " + id_text(transfer.value) + " is already recorded");
    }
    return std::nullopt;
  }

  check no_open_transfer(member_id member, std::string_view field) const {
    const auto m = s.find_member(member);
    if (m && m->open_transfer.value != 0) {
      return reject(rules::member_has_open_transfer, field,
                    "member " + id_text(member.value) + " has letter " + id_text(m->open_transfer.value) + " issued");
    }
    return std::nullopt;
  }

  check validity(date issued_on, date valid_until) const {
    if (auto r = first_of(past(issued_on, "issued_on"), day(valid_until, "valid_until"),
                          not_before(valid_until, issued_on, "valid_until", "issued_on"))) {
      return r;
    }
    const auto days = days_between(issued_on, valid_until);
    if (days > static_cast<std::int32_t>(ctx.rules.max_letter_validity_days)) {
      return reject(rules::letter_validity_exceeds_limit, "valid_until",
                    std::to_string(days) + " days, the limit is " + std::to_string(ctx.rules.max_letter_validity_days));
    }
    return std::nullopt;
  }

  // A transfer moves the relationship to another organization, not into the one holding it.
  check not_into_own_organization(member_id member, branch_id to, std::string_view field) const {
    if (s.branch_holding(member) == to) {
      return reject(rules::transfer_into_own_organization, field,
                    "member " + id_text(member.value) + "'s relationship is already held by organization " +
                        id_text(to.value));
    }
    return std::nullopt;
  }

  // An issued letter (the only status a transfer moves on from).
  check issued(transfer_id transfer, std::string_view field) const {
    if (auto r = id(transfer.value, field)) return r;
    const auto* t = s.find_transfer(transfer);
    if (!t) return reject(rules::transfer_not_found, field, "transfer " + id_text(transfer.value) + " is not recorded");
    if (t->status != transfer_status::issued) {
      return reject(rules::transfer_not_issued, field,
                    "transfer " + id_text(transfer.value) + " is " + std::string(to_string(t->status)));
    }
    return std::nullopt;
  }

  outcome operator()(const commands::issue_transfer_letter& c) const {
    if (auto r = first_of(new_transfer(c.transfer, "transfer"), member_in_org(c.member, "member"),
                          required(c.from_organization, "from_organization"), known(c.standing, "standing"),
                          day(c.dues_paid_until, "dues_paid_until"), validity(c.issued_on, c.valid_until),
                          no_open_transfer(c.member, "member"))) {
      return failure{*r};
    }
    const date dues_limit = add_days(c.issued_on, static_cast<std::int32_t>(ctx.rules.max_dues_paid_ahead_days));
    if (c.dues_paid_until > dues_limit) {
      return failure{reject(rules::dues_paid_too_far_ahead, "dues_paid_until",
                            to_string(c.dues_paid_until) + " is more than " +
                                std::to_string(ctx.rules.max_dues_paid_ahead_days) + " days after issued_on " +
                                to_string(c.issued_on))};
    }
    const auto m = s.find_member(c.member);
    if (auto r = first_of(after_prior_step(c.issued_on, m->recorded_on, "issued_on", "the member's record"),
                          branch_of_affiliation(c.to_branch, m->affiliation, "to_branch"),
                          not_into_own_organization(c.member, c.to_branch, "to_branch"))) {
      return failure{*r};
    }
    if (c.standing != m->standing) {
      return failure{reject(rules::standing_mismatch, "standing",
                            "the letter says " + std::string(to_string(c.standing)) + ", the member is " +
                                std::string(to_string(m->standing)))};
    }
    return one(events::transfer_letter_issued{c.transfer, c.member, c.from_organization, c.to_branch, c.standing,
                                              c.dues_paid_until, c.issued_on, c.valid_until});
  }

  outcome operator()(const commands::receive_transfer_letter& c) const {
    if (auto r = first_of(issued(c.transfer, "transfer"), past(c.received_on, "received_on"))) return failure{*r};
    const auto* t = s.find_transfer(c.transfer);
    if (auto r = after_prior_step(c.received_on, t->issued_on, "received_on", "the letter's issue")) return failure{*r};
    if (c.received_on > t->valid_until) {
      return failure{reject(rules::letter_expired, "received_on",
                            "the letter was valid until " + to_string(t->valid_until))};
    }
    if (auto r = active_branch(t->to_branch, "transfer")) return failure{*r};
    return one(events::transfer_letter_received{c.transfer, t->member, t->to_branch, c.received_on});
  }

  outcome operator()(const commands::reject_transfer_letter& c) const {
    if (auto r = first_of(issued(c.transfer, "transfer"), required(c.reason, "reason"), past(c.rejected_on, "rejected_on"))) {
      return failure{*r};
    }
    const auto* t = s.find_transfer(c.transfer);
    if (auto r = after_prior_step(c.rejected_on, t->issued_on, "rejected_on", "the letter's issue")) return failure{*r};
    return one(events::transfer_letter_rejected{c.transfer, t->member, c.reason, c.rejected_on});
  }

  outcome operator()(const commands::revoke_transfer_letter& c) const {
    if (auto r = first_of(issued(c.transfer, "transfer"), required(c.reason, "reason"), past(c.revoked_on, "revoked_on"))) {
      return failure{*r};
    }
    const auto* t = s.find_transfer(c.transfer);
    if (auto r = after_prior_step(c.revoked_on, t->issued_on, "revoked_on", "the letter's issue")) return failure{*r};
    return one(events::transfer_letter_revoked{c.transfer, t->member, c.reason, c.revoked_on});
  }

  outcome operator()(const commands::expire_transfer_letter& c) const {
    if (auto r = issued(c.transfer, "transfer")) return failure{*r};
    const auto* t = s.find_transfer(c.transfer);
    if (today <= t->valid_until) {
      return failure{reject(rules::letter_not_expired, "transfer",
                            "the letter is valid until " + to_string(t->valid_until) + "; today is " + to_string(today))};
    }
    // An expired letter puts the member on the pocket-member list (口袋党员).
    return std::vector<event>{events::transfer_letter_expired{c.transfer, t->member, today},
                              events::member_listed_as_pocket{t->member, c.transfer, today}};
  }

  outcome operator()(const commands::reissue_transfer_letter& c) const {
    if (auto r = first_of(issued(c.lost, "lost"), new_transfer(c.transfer, "transfer"),
                          validity(c.issued_on, c.valid_until))) {
      return failure{*r};
    }
    const auto* lost = s.find_transfer(c.lost);
    if (auto r = first_of(after_prior_step(c.issued_on, lost->issued_on, "issued_on", "the lost letter's issue"),
                          active_branch(lost->to_branch, "lost"))) {
      return failure{*r};
    }
    return one(events::transfer_letter_reissued{c.lost, c.transfer, lost->member, lost->to_branch, lost->standing,
                                                c.issued_on, c.valid_until});
  }

  outcome operator()(const commands::complete_transfer_by_certificate& c) const {
    if (auto r = first_of(new_transfer(c.transfer, "transfer"), member_in_org(c.member, "member"),
                          known(c.issuer, "issuer"), required(c.issuer_name, "issuer_name"),
                          required(c.certificate_number, "certificate_number"), past(c.completed_on, "completed_on"),
                          no_open_transfer(c.member, "member"))) {
      return failure{*r};
    }
    const auto m = s.find_member(c.member);
    if (auto r = first_of(after_prior_step(c.completed_on, m->recorded_on, "completed_on", "the member's record"),
                          branch_of_affiliation(c.to_branch, m->affiliation, "to_branch"),
                          not_into_own_organization(c.member, c.to_branch, "to_branch"))) {
      return failure{*r};
    }
    return one(events::transfer_completed_by_certificate{c.transfer, c.member, c.to_branch, c.issuer, c.issuer_name,
                                                         c.certificate_number, c.completed_on});
  }

  // ----- instructors -----------------------------------------------------------------------

  outcome operator()(const commands::assign_instructor& c) const {
    if (auto r = first_of(id(c.instructor.value, "instructor"), required(c.instructor_name, "instructor_name"),
                          known(c.affiliation, "affiliation"), known(c.source, "source"), org_list(c.orgs, "orgs"),
                          past(c.assigned_on, "assigned_on"))) {
      return failure{*r};
    }
    if (auto r = after_registration(c.assigned_on, c.orgs, "assigned_on")) return failure{*r};
    if (const auto* existing = s.find_instructor(c.instructor); existing && existing->active) {
      return failure{reject(rules::instructor_already_assigned, "instructor",
                            "instructor " + id_text(c.instructor.value) + " is assigned")};
    }
    if ((c.source == instructor_source::retired_soe_party_worker && c.affiliation != member_affiliation::party) ||
        (c.source == instructor_source::league_cadre && c.affiliation != member_affiliation::league)) {
      return failure{reject(rules::instructor_source_mismatch, "source",
                            "a " + std::string(to_string(c.source)) + " cannot instruct " +
                                std::string(to_string(c.affiliation)) + " building")};
    }
    for (auto org : c.orgs) {
      const auto* record = s.find_org(org);
      if (record->covered_by(organization_type_of(c.affiliation))) {
        return failure{reject(rules::org_already_has_organization, "orgs",
                              "org " + id_text(org.value) + " has a " + std::string(to_string(c.affiliation)) +
                                  " organization")};
      }
      // 尚不具备组建条件: an org that can form on its own is to form (应建尽建), not to be instructed.
      if (record->eligible(c.affiliation)) {
        return failure{reject(rules::org_can_form_own_organization, "orgs",
                              "org " + id_text(org.value) + " has " + std::to_string(record->formal(c.affiliation)) +
                                  " formal " + std::string(to_string(c.affiliation)) +
                                  " members and can form its own organization")};
      }
    }
    return one(events::instructor_assigned{c.instructor, c.instructor_name, c.affiliation, c.source, c.orgs,
                                           c.assigned_on});
  }

  outcome operator()(const commands::release_instructor& c) const {
    if (auto r = first_of(id(c.instructor.value, "instructor"), optional_text(c.reason, "reason"),
                          past(c.released_on, "released_on"))) {
      return failure{*r};
    }
    const auto* i = s.find_instructor(c.instructor);
    if (!i) {
      return failure{reject(rules::instructor_not_found, "instructor",
                            "instructor " + id_text(c.instructor.value) + " was never assigned")};
    }
    if (!i->active) {
      return failure{reject(rules::instructor_not_active, "instructor",
                            "instructor " + id_text(c.instructor.value) + " is already released")};
    }
    if (auto r = after_prior_step(c.released_on, i->assigned_on, "released_on", "the assignment")) return failure{*r};
    return one(events::instructor_released{c.instructor, c.reason, c.released_on});
  }

  // ----- organizations formed ----------------------------------------------------------------

  // The rules of a mode for the orgs an organization will cover (all of them after an addition).
  check mode_rules(organization_type type, formation_mode mode, const std::vector<organization_id>& orgs,
                   std::optional<host_id> host, std::string_view field) const {
    const auto affiliation = affiliation_of(type);
    const std::uint32_t formal = affiliation ? formal_total(orgs, *affiliation) : 0;
    const std::string formal_text =
        affiliation ? std::to_string(formal) + " formal " + std::string(to_string(*affiliation)) + " members" : "";
    switch (mode) {
      case formation_mode::standalone:
        if (orgs.size() != 1) {
          return reject(rules::standalone_covers_one_org, field, std::to_string(orgs.size()) + " orgs listed");
        }
        if (affiliation && formal < min_formal_members_to_form) {
          return reject(rules::standalone_requires_three_formal_members, field,
                        "org " + id_text(orgs.front().value) + " has " + formal_text);
        }
        return std::nullopt;
      case formation_mode::joint:
        if (orgs.size() < 2) return reject(rules::joint_requires_two_orgs, field, std::to_string(orgs.size()) + " org listed");
        if (!share_trade_or_county(orgs)) {
          return reject(rules::joint_requires_shared_trade_or_county, field,
                        "the orgs neither share a trade nor lie in one county");
        }
        if (auto r = none_eligible(orgs, type, field)) return r;
        if (affiliation && formal < min_formal_members_to_form) {
          return reject(rules::joint_requires_three_formal_members, field, "the orgs have " + formal_text + " together");
        }
        return std::nullopt;
      case formation_mode::affiliated:
        if (!host) return reject(rules::affiliation_requires_host, "host", "no host named");
        if (auto r = host_takes(*host, type, orgs, "host")) return r;
        return none_eligible(orgs, type, field);
      case formation_mode::industry:
        if (!share_trade(orgs)) {
          return reject(rules::industry_requires_shared_trade, field, "the orgs do not all have one recorded trade");
        }
        if (auto r = none_eligible(orgs, type, field)) return r;
        if (affiliation && formal < min_formal_members_to_form) {
          return reject(rules::industry_requires_three_formal_members, field, "the orgs have " + formal_text + " together");
        }
        return std::nullopt;
    }
    return reject(rules::invalid_value, "mode", "unknown mode");
  }

  check not_covered(const std::vector<organization_id>& orgs, organization_type type, formation_mode mode,
                    std::string_view field) const {
    for (auto org : orgs) {
      if (s.find_org(org)->covered_by(type, mode)) {
        return reject(rules::org_already_covered, field,
                      "org " + id_text(org.value) + " is already in a " + std::string(to_string(mode)) + " " +
                          std::string(to_string(type)) + " organization");
      }
    }
    return std::nullopt;
  }

  outcome operator()(const commands::form_organization& c) const {
    if (auto r = first_of(id(c.branch.value, "branch"), known(c.branch_type, "branch_type"), known(c.mode, "mode"),
                          required(c.branch_name, "branch_name"), org_list(c.orgs, "orgs"),
                          optional_text(c.channel_name, "channel_name"), past(c.formed_on, "formed_on"))) {
      return failure{*r};
    }
    if (s.find_branch(c.branch)) {
      return failure{reject(rules::branch_exists, "branch", "organization " + id_text(c.branch.value) + " is already formed")};
    }
    if (auto r = after_registration(c.formed_on, c.orgs, "formed_on")) return failure{*r};
    if (c.host && c.mode != formation_mode::affiliated) {
      return failure{reject(rules::field_not_for_mode, "host", "a host is named for a " + std::string(to_string(c.mode)) + " formation")};
    }
    if ((c.channel || c.channel_market || !c.channel_name.empty()) && c.mode != formation_mode::industry) {
      return failure{reject(rules::field_not_for_mode, "channel",
                            "a channel is named for a " + std::string(to_string(c.mode)) + " formation")};
    }
    if (c.mode == formation_mode::industry) {
      if (!c.channel) return failure{reject(rules::industry_requires_channel, "channel", "no channel named")};
      if (auto r = known(*c.channel, "channel")) return failure{*r};
      if (*c.channel == industry_channel::specialized_market) {
        const auto* market = c.channel_market ? s.find_org(*c.channel_market) : nullptr;
        if (!market || market->removed || market->kind != org_kind::specialized_market) {
          return failure{reject(rules::channel_market_invalid, "channel_market",
                                "the channel names no specialized market of the base")};
        }
      } else if (c.channel_market) {
        return failure{reject(rules::field_not_for_mode, "channel_market",
                              "a market is named for a " + std::string(to_string(*c.channel)) + " channel")};
      } else if (auto r = required(c.channel_name, "channel_name")) {
        return failure{*r};
      }
    }
    if (auto r = first_of(not_covered(c.orgs, c.branch_type, c.mode, "orgs"),
                          mode_rules(c.branch_type, c.mode, c.orgs, c.host, "orgs"))) {
      return failure{*r};
    }
    const auto affiliation = affiliation_of(c.branch_type);
    const std::uint32_t formal = affiliation ? formal_total(c.orgs, *affiliation) : 0;
    return with_struck_off(events::organization_formed{c.branch, c.branch_type, c.mode,
                                                       scale_for(c.branch_type, formal, ctx.rules), c.branch_name, c.orgs,
                                                       c.host, c.channel, c.channel_name, c.channel_market, formal,
                                                       c.formed_on},
                           c.branch, c.branch_type, c.orgs, c.formed_on);
  }

  outcome operator()(const commands::add_orgs_to_organization& c) const {
    if (auto r = first_of(active_branch(c.branch, "branch"), org_list(c.orgs, "orgs"), past(c.added_on, "added_on"))) {
      return failure{*r};
    }
    const auto* b = s.find_branch(c.branch);
    if (auto r = first_of(after_prior_step(c.added_on, b->formed_on, "added_on", "the organization's formation"),
                          after_registration(c.added_on, c.orgs, "added_on"))) {
      return failure{*r};
    }
    if (b->mode == formation_mode::standalone) {
      return failure{reject(rules::standalone_covers_one_org, "orgs", "a standalone organization takes no other org")};
    }
    std::vector<organization_id> all = b->orgs;
    all.insert(all.end(), c.orgs.begin(), c.orgs.end());
    if (has_duplicates(all)) {
      return failure{reject(rules::org_already_covered, "orgs", "an org listed is already in this organization")};
    }
    const std::optional<host_id> host = b->host.value != 0 ? std::optional{b->host} : std::nullopt;
    if (auto r = first_of(not_covered(c.orgs, b->type, b->mode, "orgs"),
                          // Only the newcomers are held to "no eligible org": members of orgs already
                          // inside may have grown since, which the should-form flag reports.
                          none_eligible(c.orgs, b->type, "orgs"))) {
      return failure{*r};
    }
    if (b->mode == formation_mode::joint && !share_trade_or_county(all)) {
      return failure{reject(rules::joint_requires_shared_trade_or_county, "orgs",
                            "with the new orgs the organization neither shares a trade nor lies in one county")};
    }
    if (b->mode == formation_mode::affiliated && host) {
      if (auto r = host_takes(*host, b->type, c.orgs, "orgs")) return failure{*r};
    }
    if (b->mode == formation_mode::industry && !share_trade(all)) {
      return failure{reject(rules::industry_requires_shared_trade, "orgs", "a new org is of another trade")};
    }
    return with_struck_off(events::organization_orgs_added{c.branch, c.orgs, c.added_on}, c.branch, b->type, c.orgs,
                           c.added_on);
  }

  outcome operator()(const commands::remove_orgs_from_organization& c) const {
    if (auto r = first_of(active_branch(c.branch, "branch"), optional_text(c.reason, "reason"),
                          past(c.removed_on, "removed_on"))) {
      return failure{*r};
    }
    if (c.orgs.empty()) return failure{reject(rules::list_required, "orgs", "no orgs listed")};
    if (has_duplicates(c.orgs)) return failure{reject(rules::duplicate_in_list, "orgs", "an org is listed twice")};
    const auto* b = s.find_branch(c.branch);
    if (auto r = after_prior_step(c.removed_on, b->formed_on, "removed_on", "the organization's formation")) {
      return failure{*r};
    }
    if (b->mode == formation_mode::standalone) {
      return failure{reject(rules::standalone_covers_one_org, "orgs", "dissolve a standalone organization instead")};
    }
    for (auto org : c.orgs) {
      if (std::find(b->orgs.begin(), b->orgs.end(), org) == b->orgs.end()) {
        return failure{reject(rules::org_not_in_organization, "orgs",
                              "org " + id_text(org.value) + " is not in organization " + id_text(c.branch.value))};
      }
    }
    const std::size_t remaining = b->orgs.size() - c.orgs.size();
    if (remaining == 0) {
      return failure{reject(rules::organization_needs_an_org, "orgs", "no org would remain")};
    }
    if (b->mode == formation_mode::joint && remaining < 2) {
      return failure{reject(rules::joint_requires_two_orgs, "orgs", "only one org would remain")};
    }
    return one(events::organization_orgs_removed{c.branch, c.orgs, c.reason, c.removed_on});
  }

  outcome operator()(const commands::dissolve_organization& c) const {
    if (auto r = first_of(active_branch(c.branch, "branch"), required(c.reason, "reason"),
                          past(c.dissolved_on, "dissolved_on"))) {
      return failure{*r};
    }
    if (auto r = after_prior_step(c.dissolved_on, s.find_branch(c.branch)->formed_on, "dissolved_on",
                                  "the organization's formation")) {
      return failure{*r};
    }
    // The members taking part in it nearby (就地就近) no longer do, and may take part in another:
    // detached on the dissolution's day, which is then not before any of their attachments.
    const auto attached = s.members_attached_to(c.branch);
    for (auto member : attached) {
      if (auto r = after_prior_step(c.dissolved_on, s.find_member(member)->attached_on, "dissolved_on",
                                    "member " + id_text(member.value) + "'s attachment to it")) {
        return failure{*r};
      }
    }
    std::vector<event> out{events::organization_dissolved{c.branch, c.reason, c.dissolved_on}};
    for (auto member : attached) {
      out.push_back(events::member_detached{member, c.branch, "所参加的组织已撤销 (the organization was dissolved)",
                                            c.dissolved_on});
    }
    return out;
  }

  // ----- formation targets -----------------------------------------------------------------

  outcome operator()(const commands::designate_formation_target& c) const {
    if (auto r = first_of(id(c.target.value, "target"), org_in_scope(c.org, "org"), known(c.branch_type, "branch_type"),
                          known(c.planned_mode, "planned_mode"), required(c.person_responsible, "person_responsible"),
                          past(c.designated_on, "designated_on"), day(c.deadline, "deadline"),
                          not_before(c.deadline, c.designated_on, "deadline", "designated_on"))) {
      return failure{*r};
    }
    if (s.find_target(c.target)) {
      return failure{reject(rules::target_exists, "target", "target " + id_text(c.target.value) + " is already designated")};
    }
    if (auto r = after_registration(c.designated_on, c.org, "designated_on")) return failure{*r};
    if (s.find_org(c.org)->covered_by(c.branch_type)) {
      return failure{reject(rules::target_for_covered_org, "org",
                            "org " + id_text(c.org.value) + " has a " + std::string(to_string(c.branch_type)) +
                                " organization")};
    }
    if (auto open = s.open_target(c.org, c.branch_type)) {
      return failure{reject(rules::target_already_open, "org",
                            "target " + id_text(open->value) + " is open for org " + id_text(c.org.value))};
    }
    if (auto r = plan_fits(c.org, c.branch_type, c.planned_mode, "planned_mode")) return failure{*r};
    return one(events::formation_target_designated{c.target, c.org, c.branch_type, c.planned_mode, c.deadline,
                                                   c.person_responsible, c.designated_on});
  }

  // 应建尽建: a target whose org has 3+ formal members of the type's affiliation is planned to form
  // standalone; a joint, affiliated or industry plan contradicts the members the state holds.
  check plan_fits(organization_id org, organization_type type, formation_mode planned, std::string_view field) const {
    const auto affiliation = affiliation_of(type);
    const auto* record = s.find_org(org);
    if (!affiliation || planned == formation_mode::standalone || !record->eligible(*affiliation)) return std::nullopt;
    return reject(rules::eligible_org_must_form_standalone, field,
                  "planned " + std::string(to_string(planned)) + " but org " + id_text(org.value) + " has " +
                      std::to_string(record->formal(*affiliation)) + " formal " +
                      std::string(to_string(*affiliation)) + " members");
  }

  outcome operator()(const commands::record_target_reason& c) const {
    if (auto r = first_of(id(c.target.value, "target"), known(c.reason, "reason"), optional_text(c.note, "note"),
                          past(c.recorded_on, "recorded_on"))) {
      return failure{*r};
    }
    const auto* t = s.find_target(c.target);
    if (!t) return failure{reject(rules::target_not_found, "target", "target " + id_text(c.target.value) + " is not designated")};
    if (t->status != target_status::open) {
      return failure{reject(rules::target_not_open, "target",
                            "target " + id_text(c.target.value) + " is " + std::string(to_string(t->status)))};
    }
    if (auto r = after_prior_step(c.recorded_on, t->designated_on, "recorded_on", "the target's designation")) {
      return failure{*r};
    }
    // The reason and the plan agree with the members the state holds (正式党员不足三人 is a fact to check).
    if (auto r = plan_fits(t->org, t->type, t->planned_mode, "target")) return failure{*r};
    const auto affiliation = affiliation_of(t->type);
    const auto* org = s.find_org(t->org);
    if (c.reason == no_organization_reason::fewer_than_three_formal_members && affiliation &&
        org->eligible(*affiliation)) {
      return failure{reject(rules::reason_contradicts_members, "reason",
                            "org " + id_text(t->org.value) + " has " + std::to_string(org->formal(*affiliation)) +
                                " formal " + std::string(to_string(*affiliation)) + " members")};
    }
    return one(events::formation_target_reason_recorded{c.target, c.reason, c.note, c.recorded_on});
  }

  // ----- interviews ------------------------------------------------------------------------

  check interview_found(interview_id interview, std::string_view field) const {
    if (auto r = id(interview.value, field)) return r;
    if (!s.find_interview(interview)) {
      return reject(rules::interview_not_found, field, "interview " + id_text(interview.value) + " is not scheduled");
    }
    return std::nullopt;
  }

  check instant(std::int64_t unix_ms, std::string_view field, bool must_be_past) const {
    const date d = china_date_of(unix_ms);
    if (auto r = day(d, field)) return r;
    if (must_be_past && unix_ms > ctx.now_ms) {
      return reject(rules::date_in_future, field, "the instant is after the time the command was received");
    }
    return std::nullopt;
  }

  outcome operator()(const commands::schedule_interview& c) const {
    if (auto r = first_of(id(c.interview.value, "interview"), campaign_open(c.campaign, "campaign"),
                          jurisdiction(c.jurisdiction, "jurisdiction"), required(c.responsible_person, "responsible_person"),
                          required(c.place, "place"), instant(c.scheduled_at_ms, "scheduled_at_ms", false))) {
      return failure{*r};
    }
    if (s.find_interview(c.interview)) {
      return failure{reject(rules::interview_exists, "interview",
                            "interview " + id_text(c.interview.value) + " is already scheduled")};
    }
    if (c.reasons.empty()) return failure{reject(rules::list_required, "reasons", "no reason given")};
    for (auto reason : c.reasons) {
      if (auto r = known(reason, "reasons")) return failure{*r};
    }
    if (has_duplicates(c.reasons)) return failure{reject(rules::duplicate_in_list, "reasons", "a reason is listed twice")};
    const member_affiliation affiliation = c.affiliation.value_or(member_affiliation::party);
    if (auto r = known(affiliation, "affiliation")) return failure{*r};
    const auto* campaign = s.find_campaign(c.campaign);
    if (c.round.value == 0 || c.round.value > campaign->last_round) {
      return failure{reject(rules::interview_round_not_issued, "round",
                            "round " + std::to_string(c.round.value) + " is not issued; the last is " +
                                std::to_string(campaign->last_round))};
    }
    const auto where = *s.index_of_jurisdiction(c.jurisdiction);
    for (const auto& [other_id, other] : s.interviews()) {
      if (other.campaign == c.campaign && other.round == c.round && other.jurisdiction == where &&
          other.affiliation == affiliation) {
        return failure{reject(rules::interview_already_scheduled, "jurisdiction",
                              "interview " + id_text(other_id.value) + " already calls " + c.jurisdiction.value +
                                  " for round " + std::to_string(c.round.value) + " (" +
                                  std::string(to_string(affiliation)) + ")")};
      }
    }
    return one(events::interview_scheduled{c.interview, c.campaign, c.jurisdiction, c.responsible_person, c.reasons,
                                           c.round, c.scheduled_at_ms, c.place, affiliation});
  }

  outcome operator()(const commands::hold_interview& c) const {
    if (auto r = first_of(interview_found(c.interview, "interview"), instant(c.held_at_ms, "held_at_ms", true),
                          optional_text(c.answer, "answer"), required(c.pledge, "pledge"))) {
      return failure{*r};
    }
    const auto* i = s.find_interview(c.interview);
    if (i->status != interview_status::scheduled) {
      return failure{reject(rules::interview_not_scheduled, "interview",
                            "interview " + id_text(c.interview.value) + " is " + std::string(to_string(i->status)))};
    }
    if (auto r = after_prior_step(china_date_of(c.held_at_ms), i->scheduled_on, "held_at_ms", "the scheduled day")) {
      return failure{*r};
    }
    return one(events::interview_held{c.interview, c.held_at_ms, c.answer, c.pledge});
  }

  outcome operator()(const commands::set_rectification_items& c) const {
    if (auto r = interview_found(c.interview, "interview")) return failure{*r};
    const auto* i = s.find_interview(c.interview);
    switch (i->status) {
      case interview_status::scheduled:
        return failure{reject(rules::interview_not_held, "interview", "interview " + id_text(c.interview.value) + " is not held yet")};
      case interview_status::rectifying:
        return failure{reject(rules::rectification_items_already_set, "interview", "the list is already set")};
      case interview_status::escalated:
      case interview_status::closed:
        return failure{reject(rules::interview_settled, "interview",
                              "interview " + id_text(c.interview.value) + " is " + std::string(to_string(i->status)))};
      case interview_status::held:
        break;
    }
    if (c.items.empty()) return failure{reject(rules::list_required, "items", "no items listed")};
    if (c.items.size() > max_items) {
      return failure{reject(rules::invalid_count, "items", std::to_string(c.items.size()) + " items, the limit is 1000")};
    }
    for (const auto& item : c.items) {
      if (auto r = first_of(required(item.problem, "items"), required(item.requirement, "items"), day(item.deadline, "items"))) {
        return failure{*r};
      }
      if (item.deadline < i->held_on) {
        return failure{reject(rules::date_before_prior_step, "items",
                              "the deadline " + to_string(item.deadline) + " of item " +
                                  std::to_string(&item - c.items.data()) + " is before the interview held on " +
                                  to_string(i->held_on))};
      }
    }
    return one(events::rectification_items_set{c.interview, c.items});
  }

  outcome operator()(const commands::complete_rectification_item& c) const {
    if (auto r = first_of(interview_found(c.interview, "interview"), past(c.done_on, "done_on"))) return failure{*r};
    const auto* i = s.find_interview(c.interview);
    if (i->status == interview_status::closed) {
      return failure{reject(rules::interview_settled, "interview", "interview " + id_text(c.interview.value) + " is closed")};
    }
    if (i->items_done.empty()) {
      return failure{reject(rules::interview_not_held, "interview", "no rectification list is set")};
    }
    if (c.item >= i->items_done.size()) {
      return failure{reject(rules::invalid_count, "item",
                            "item " + std::to_string(c.item) + " of a list of " + std::to_string(i->items_done.size()))};
    }
    if (i->items_done[c.item]) {
      return failure{reject(rules::rectification_item_done, "item", "item " + std::to_string(c.item) + " is done")};
    }
    if (auto r = after_prior_step(c.done_on, i->held_on, "done_on", "the interview")) return failure{*r};
    return one(events::rectification_item_done{c.interview, c.item, c.done_on});
  }

  outcome operator()(const commands::close_interview& c) const {
    if (auto r = first_of(interview_found(c.interview, "interview"), required(c.conclusion, "conclusion"),
                          past(c.closed_on, "closed_on"))) {
      return failure{*r};
    }
    const auto* i = s.find_interview(c.interview);
    switch (i->status) {
      case interview_status::scheduled:
        return failure{reject(rules::interview_not_held, "interview", "interview " + id_text(c.interview.value) + " is not held yet")};
      case interview_status::held:
        return failure{reject(rules::interview_items_not_done, "interview", "no rectification list is set")};
      case interview_status::rectifying:
        if (!i->all_items_done()) {
          const auto open = std::count(i->items_done.begin(), i->items_done.end(), false);
          return failure{reject(rules::interview_items_not_done, "interview", std::to_string(open) + " items are not done")};
        }
        break;
      case interview_status::escalated:
        break;
      case interview_status::closed:
        return failure{reject(rules::interview_settled, "interview", "interview " + id_text(c.interview.value) + " is closed")};
    }
    if (auto r = after_prior_step(c.closed_on, i->held_on, "closed_on", "the interview")) return failure{*r};
    return one(events::interview_closed{c.interview, c.conclusion, c.closed_on});
  }

  outcome operator()(const commands::escalate_interview& c) const {
    if (auto r = first_of(interview_found(c.interview, "interview"), required(c.reason, "reason"),
                          past(c.escalated_on, "escalated_on"))) {
      return failure{*r};
    }
    const auto* i = s.find_interview(c.interview);
    if (i->status == interview_status::escalated || i->status == interview_status::closed) {
      return failure{reject(rules::interview_settled, "interview",
                            "interview " + id_text(c.interview.value) + " is " + std::string(to_string(i->status)))};
    }
    if (i->status == interview_status::scheduled) {
      // One never held is followed up too, once its day has gone by without a hearing.
      if (c.escalated_on <= i->scheduled_on) {
        return failure{reject(rules::interview_not_held, "escalated_on",
                              "interview " + id_text(c.interview.value) + " is scheduled for " +
                                  to_string(i->scheduled_on) + " and not held yet; it is escalated as not held only after that day")};
      }
    } else if (auto r = after_prior_step(c.escalated_on, i->held_on, "escalated_on", "the interview")) {
      return failure{*r};
    }
    const auto& where = s.jurisdiction(i->jurisdiction);
    if (where.parent == no_jurisdiction) {
      return failure{reject(rules::no_level_above, "interview", where.code.value + " has no level above")};
    }
    return one(events::interview_escalated{c.interview, s.jurisdiction(where.parent).code, c.reason, c.escalated_on});
  }
};

}  // namespace

organization_scale scale_of(organization_type type, std::uint32_t formal_members, const policy& rules) {
  switch (type) {
    case organization_type::party:
      if (formal_members > rules.party_committee_above) return organization_scale::committee;
      if (formal_members >= rules.party_general_branch_from) return organization_scale::general_branch;
      return organization_scale::branch;
    case organization_type::league:
      if (formal_members >= rules.league_committee_from) return organization_scale::committee;
      if (formal_members >= rules.league_general_branch_from) return organization_scale::general_branch;
      return organization_scale::branch;
    case organization_type::trade_union:
    case organization_type::womens_federation:
      break;
  }
  return organization_scale::mass_organization;
}

result<std::vector<event>, rejection> decide(const state& s, const command& c, const decision_context& ctx) {
  return std::visit(decider{s, ctx, china_date_of(ctx.now_ms)}, c);
}

}  // namespace gongjian::domain
