#pragma once
// Rankings of the children of one jurisdiction by any indicator (DESIGN.md "Read side"): by the
// indicator (best first), ties broken by a second indicator, then by code, so every child has a
// distinct rank 1..n. Each line also carries its rank at the last bulletin and the change
// (positive = moved up): the rank that bulletin published when it ranked this parent by this
// indicator for this twin (`ranking_options::published`), else the rank computed the same way from
// the counters frozen at that bulletin. The top of the list is the "red list" (红榜), the bottom
// the "black list" (黑榜).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gongjian/domain/values.h"
#include "gongjian/projections/read_model.h"

namespace gongjian::projections {

struct ranking_options {
  indicator by = indicator::ledger_progress;
  twin affiliation = twin::party;
  std::optional<indicator> tie_break = indicator::standalone_formation_rate;
  // Whether a bulletin has been issued (otherwise there is no rank to compare with).
  bool has_last_bulletin = false;
  // The last bulletin's ranking of the same parent, indicator and twin, when it has one: the
  // ranks and values at the last bulletin are the ones it published (what leaders were told),
  // not recomputed. A child it does not list (registered since) has no rank then. Not owned.
  const domain::ranking* published = nullptr;
};

// The ranking of `parent_code`'s children by `options.by` for `options.affiliation` that
// `last_bulletin` published, or nullptr (no bulletin, another indicator, or a bulletin issued
// before that twin was ranked).
const domain::ranking* published_ranking(const std::vector<domain::ranking>& last_bulletin,
                                         std::string_view parent_code, const ranking_options& options);

struct ranking_entry {
  node_index node = no_node;
  std::string code;
  std::string name;
  indicator_value value;
  indicator_value tie_value;
  indicator_value value_at_last_bulletin;
  indicator_value value_at_baseline;
  std::uint32_t rank = 0;                      // 1 = best
  std::uint32_t rank_at_last_bulletin = 0;     // 0 when no bulletin yet
  std::int32_t rank_change = 0;                // rank_at_last_bulletin - rank: > 0 moved up
  bool operator==(const ranking_entry&) const = default;
};

// Ranks the children of `parent` (in rank order).
std::vector<ranking_entry> rank_children(const read_model& model, node_index parent, const ranking_options& options);

// The red list (红榜, best first) and the black list (黑榜, worst last) of a ranking. They never
// overlap, and only children with a value are on either: a child whose value is undefined (0/0:
// no eligible org, no formation target) was not measured, so it is neither praised nor blamed.
// Of the n measured children, red takes the first `top` and black the last `bottom` when
// top + bottom <= n; otherwise each takes at most floor(n / 2) (the middle child of an odd n is
// on neither, and a single child is on neither).
struct red_and_black_lists {
  std::vector<ranking_entry> red;
  std::vector<ranking_entry> black;
};
red_and_black_lists red_and_black(const std::vector<ranking_entry>& ranked, std::size_t top, std::size_t bottom);
// How many of `measured` children the red and the black list take (the rule above).
std::pair<std::size_t, std::size_t> red_and_black_sizes(std::size_t measured, std::size_t top, std::size_t bottom);
// The same lists (codes) of a ranking a bulletin recorded: a line whose value of the ranking's
// indicator was not recorded (undefined then) was not measured.
struct recorded_red_and_black {
  std::vector<std::string> red;
  std::vector<std::string> black;
};
recorded_red_and_black red_and_black(const domain::ranking& recorded, std::size_t top, std::size_t bottom);

// The frozen form a bulletin records (domain::ranking), with each line's previous rank taken from
// `previous` (the ranking of the same parent in the previous bulletin, if any).
domain::ranking to_bulletin_ranking(const read_model& model, node_index parent, const std::vector<ranking_entry>& ranked,
                                    const ranking_options& options, const domain::ranking* previous);

// The value of `which` a bulletin recorded on a line (undefined, 0/0, when it was not recorded).
indicator_value recorded_value(const domain::ranking_line& line, domain::indicator which);

}  // namespace gongjian::projections
