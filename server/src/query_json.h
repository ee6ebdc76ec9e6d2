#pragma once
// JSON forms of what the projections answer (docs/api.md "Queries"): indicator values, rankings,
// the ledger, interviews, bulletins, campaigns. Shared by the query routes and the live topics so
// that a pushed ranking and a GET ranking look the same. Pure functions of the state handed in;
// callers hold the runner's shared lock (or own an as-of copy) while calling them.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "gongjian/projections/ledger.h"
#include "gongjian/projections/projection_state.h"
#include "gongjian/projections/rankings.h"

namespace gongjian::server {

// {"numerator":n,"denominator":d,"value":n/d or null when undefined}
boost::json::object value_json(const projections::indicator_value& v);

// ISO-8601 UTC ("2026-11-27T18:00:00.000Z") of a Unix time in ms.
std::string iso_time(std::int64_t unix_ms);
// Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]" with "Z", "+hh:mm", "-hh:mm" or no zone
// (UTC); nullopt when malformed.
std::optional<std::int64_t> parse_iso_time(std::string_view text);

// The ranking options a query or topic asks for: the indicator named (default: the active
// campaign's ranking indicator, else ledger progress) with the campaign's tie-break, and whether
// a last bulletin exists to compare ranks with.
projections::ranking_options ranking_options_for(const projections::projection_state& s,
                                                 std::optional<projections::indicator> by, projections::twin affiliation);

// The ranking of the children of `parent`: lines in rank order, red list (top) and black list
// (bottom, worst last); ranks and values at the last bulletin as it published them when it ranked
// this parent by this indicator for this twin ("last_bulletin_ranked"). The "position" field is
// left to the caller.
boost::json::object ranking_json(const projections::projection_state& s, projections::node_index parent,
                                 const projections::ranking_options& options, std::size_t top, std::size_t bottom);

// Every indicator of a node for one twin, with its value at the baseline and at the last
// bulletin and the changes since each; then orgs in scope by kind and surveyed by step.
boost::json::object indicators_json(const projections::projection_state& s, projections::node_index node,
                                    projections::twin affiliation);

// "orgs_in_scope_by_kind" and "orgs_surveyed_by_step" of one counter block, each an object of
// count values by kind (step) name: the history route's form (indicators_json gives each name
// an object with the value, baseline and last-bulletin values and changes, as for an indicator).
boost::json::object breakdown_values(const projections::counter_block& counters);

boost::json::object jurisdiction_json(const projections::jurisdiction_tree& tree, projections::node_index node);
boost::json::object ledger_json(const projections::ledger_entry& e, bool overdue);
boost::json::object interview_json(const projections::interview_record& r);
boost::json::object campaign_json(const projections::campaign_record& c);
// A bulletin's header with the twins it ranked; with_rankings adds the frozen rankings of one twin
// (only those whose parent passes `show_parent` when given).
boost::json::object bulletin_json(const projections::bulletin_record& b, bool with_rankings,
                                  const std::function<bool(const std::string&)>& show_parent = {},
                                  projections::twin affiliation = projections::twin::party);

}  // namespace gongjian::server
