#include "gongjian/projections/rankings.h"

#include <algorithm>

namespace gongjian::projections {

namespace {

// Orders node indices best first by (value, tie value, code).
void order(std::vector<node_index>& nodes, const read_model& model, const ranking_options& o,
           const counter_block& (read_model::*counters)(node_index) const) {
  auto better = [&](node_index a, node_index b) {
    const auto& ca = (model.*counters)(a);
    const auto& cb = (model.*counters)(b);
    int c = compare(evaluate(ca, o.by, o.affiliation), evaluate(cb, o.by, o.affiliation));
    if (!higher_is_better(o.by)) c = -c;
    if (c != 0) return c > 0;
    if (o.tie_break) {
      int t = compare(evaluate(ca, *o.tie_break, o.affiliation), evaluate(cb, *o.tie_break, o.affiliation));
      if (!higher_is_better(*o.tie_break)) t = -t;
      if (t != 0) return t > 0;
    }
    return model.tree().at(a).code < model.tree().at(b).code;
  };
  std::sort(nodes.begin(), nodes.end(), better);
}

}  // namespace

std::vector<ranking_entry> rank_children(const read_model& model, node_index parent, const ranking_options& options) {
  std::vector<node_index> nodes = model.tree().at(parent).children;
  std::vector<node_index> then = nodes;
  order(nodes, model, options, &read_model::counters);
  std::vector<std::uint32_t> rank_then(model.tree().size(), 0);
  if (options.has_last_bulletin) {
    order(then, model, options, &read_model::at_last_bulletin);
    for (std::size_t k = 0; k < then.size(); ++k) rank_then[then[k]] = static_cast<std::uint32_t>(k + 1);
  }
  std::vector<ranking_entry> out;
  out.reserve(nodes.size());
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const node_index n = nodes[k];
    ranking_entry e;
    e.node = n;
    e.code = model.tree().at(n).code;
    e.name = model.tree().at(n).name;
    e.value = evaluate(model.counters(n), options.by, options.affiliation);
    if (options.tie_break) e.tie_value = evaluate(model.counters(n), *options.tie_break, options.affiliation);
    e.value_at_last_bulletin = evaluate(model.at_last_bulletin(n), options.by, options.affiliation);
    e.value_at_baseline = evaluate(model.baseline(n), options.by, options.affiliation);
    e.rank = static_cast<std::uint32_t>(k + 1);
    e.rank_at_last_bulletin = rank_then[n];
    if (options.has_last_bulletin && options.published != nullptr) {
      e.rank_at_last_bulletin = 0;
      for (const auto& line : options.published->lines) {
        if (line.jurisdiction.value != e.code) continue;
        e.rank_at_last_bulletin = line.rank;
        e.value_at_last_bulletin = recorded_value(line, options.published->by);
      }
    }
    e.rank_change = e.rank_at_last_bulletin == 0 ? 0 : static_cast<std::int32_t>(e.rank_at_last_bulletin) - static_cast<std::int32_t>(e.rank);
    out.push_back(std::move(e));
  }
  return out;
}

const domain::ranking* published_ranking(const std::vector<domain::ranking>& last_bulletin,
                                         std::string_view parent_code, const ranking_options& options) {
  const auto by = to_domain(options.by);
  if (!by) return nullptr;
  for (const auto& r : last_bulletin)
    if (r.by == *by && r.affiliation == options.affiliation && r.parent.value == parent_code) return &r;
  return nullptr;
}

std::pair<std::size_t, std::size_t> red_and_black_sizes(std::size_t measured, std::size_t top, std::size_t bottom) {
  const std::size_t red = std::min(top, measured);
  const std::size_t black = std::min(bottom, measured);
  if (red + black <= measured) return {red, black};
  return {std::min(top, measured / 2), std::min(bottom, measured / 2)};
}

red_and_black_lists red_and_black(const std::vector<ranking_entry>& ranked, std::size_t top, std::size_t bottom) {
  // The measured lines, in rank order (an undefined value ranks below every value, but the
  // filter does not rely on where it sorts).
  std::vector<const ranking_entry*> measured;
  measured.reserve(ranked.size());
  for (const auto& e : ranked)
    if (e.value.defined()) measured.push_back(&e);
  const std::size_t n = measured.size();
  const auto [red_n, black_n] = red_and_black_sizes(n, top, bottom);
  red_and_black_lists out;
  out.red.reserve(red_n);
  out.black.reserve(black_n);
  for (std::size_t k = 0; k < red_n; ++k) out.red.push_back(*measured[k]);
  for (std::size_t k = n - black_n; k < n; ++k) out.black.push_back(*measured[k]);
  return out;
}

recorded_red_and_black red_and_black(const domain::ranking& recorded, std::size_t top, std::size_t bottom) {
  std::vector<const domain::ranking_line*> measured;
  measured.reserve(recorded.lines.size());
  for (const auto& line : recorded.lines)
    if (recorded_value(line, recorded.by).defined()) measured.push_back(&line);
  std::sort(measured.begin(), measured.end(),
            [](const domain::ranking_line* a, const domain::ranking_line* b) { return a->rank < b->rank; });
  const std::size_t n = measured.size();
  const auto [red_n, black_n] = red_and_black_sizes(n, top, bottom);
  recorded_red_and_black out;
  for (std::size_t k = 0; k < red_n; ++k) out.red.push_back(measured[k]->jurisdiction.value);
  for (std::size_t k = n - black_n; k < n; ++k) out.black.push_back(measured[k]->jurisdiction.value);
  return out;
}

domain::ranking to_bulletin_ranking(const read_model& model, node_index parent, const std::vector<ranking_entry>& ranked,
                                    const ranking_options& options, const domain::ranking* previous) {
  domain::ranking out;
  out.parent = domain::jurisdiction_code{model.tree().at(parent).code};
  out.by = to_domain(options.by).value_or(domain::indicator::ledger_progress);
  out.affiliation = options.affiliation;
  for (const auto& e : ranked) {
    domain::ranking_line line;
    line.jurisdiction = domain::jurisdiction_code{e.code};
    // A value without a denominator (no eligible org, no target) is left out of the line: the
    // domain records only proper fractions, and an absent value reads back as undefined.
    if (e.value.denominator > 0)
      line.values.push_back(domain::indicator_value{out.by, options.affiliation, e.value.numerator, e.value.denominator});
    if (options.tie_break && e.tie_value.denominator > 0) {
      if (auto tie = to_domain(*options.tie_break))
        line.values.push_back(domain::indicator_value{*tie, options.affiliation, e.tie_value.numerator, e.tie_value.denominator});
    }
    line.rank = e.rank;
    if (previous != nullptr) {
      for (const auto& p : previous->lines)
        if (p.jurisdiction == line.jurisdiction) line.previous_rank = p.rank;
    }
    out.lines.push_back(std::move(line));
  }
  return out;
}

indicator_value recorded_value(const domain::ranking_line& line, domain::indicator which) {
  for (const auto& v : line.values)
    if (v.which == which) return {v.numerator, v.denominator};
  return {0, 0};
}

}  // namespace gongjian::projections
