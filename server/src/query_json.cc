#include "query_json.h"

#include <charconv>
#include <cstdio>

#include "event_json.h"

namespace gongjian::server {

namespace json = boost::json;
namespace proj = gongjian::projections;

json::object value_json(const proj::indicator_value& v) {
  json::object o{{"numerator", v.numerator}, {"denominator", v.denominator}};
  if (v.defined()) {
    o["value"] = v.as_double();
  } else {
    o["value"] = nullptr;
  }
  return o;
}

std::string iso_time(std::int64_t unix_ms) {
  std::int64_t secs = unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000;
  const int ms = static_cast<int>(unix_ms - secs * 1000);
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  const int sod = static_cast<int>(secs - days * 86400);
  const std::string day = domain::to_string(domain::date{static_cast<std::int32_t>(days)});
  char buf[64];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d.%03dZ", day.c_str(), sod / 3600, (sod / 60) % 60, sod % 60, ms);
  return buf;
}

namespace {

bool digits(std::string_view text, std::size_t at, std::size_t n, int& out) {
  if (at + n > text.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<std::int64_t> parse_iso_time(std::string_view text) {
  if (text.size() < 10) return std::nullopt;
  auto day = domain::parse_date(text.substr(0, 10));
  if (!day) return std::nullopt;
  std::int64_t ms = static_cast<std::int64_t>(day->days_since_epoch) * 86400000;
  std::size_t i = 10;
  if (i == text.size()) return ms;
  if (text[i] != 'T' && text[i] != ' ') return std::nullopt;
  int hh = 0, mm = 0, ss = 0;
  if (!digits(text, i + 1, 2, hh) || i + 3 >= text.size() || text[i + 3] != ':' || !digits(text, i + 4, 2, mm))
    return std::nullopt;
  i += 6;
  if (i < text.size() && text[i] == ':') {
    if (!digits(text, i + 1, 2, ss)) return std::nullopt;
    i += 3;
    if (i < text.size() && text[i] == '.') {
      std::size_t j = i + 1;
      int frac = 0, scale = 0;
      while (j < text.size() && text[j] >= '0' && text[j] <= '9') {
        if (scale < 3) {
          frac = frac * 10 + (text[j] - '0');
          ++scale;
        }
        ++j;
      }
      if (j == i + 1) return std::nullopt;
      while (scale < 3) {
        frac *= 10;
        ++scale;
      }
      ms += frac;
      i = j;
    }
  }
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  ms += (static_cast<std::int64_t>(hh) * 3600 + mm * 60 + ss) * 1000;
  if (i == text.size()) return ms;
  if (text[i] == 'Z' && i + 1 == text.size()) return ms;
  if ((text[i] == '+' || text[i] == '-') && text.size() == i + 6 && text[i + 3] == ':') {
    int oh = 0, om = 0;
    if (!digits(text, i + 1, 2, oh) || !digits(text, i + 4, 2, om) || oh > 23 || om > 59) return std::nullopt;
    const std::int64_t offset = (static_cast<std::int64_t>(oh) * 60 + om) * 60000;
    return text[i] == '+' ? ms - offset : ms + offset;
  }
  return std::nullopt;
}

proj::ranking_options ranking_options_for(const proj::projection_state& s, std::optional<proj::indicator> by,
                                          proj::twin affiliation) {
  proj::ranking_options o;
  o.affiliation = affiliation;
  if (const auto* c = s.active_campaign()) {
    o.by = proj::from_domain(c->ranking_indicator);
    o.tie_break = proj::from_domain(c->tie_break_indicator);
    o.has_last_bulletin = s.last_bulletin(c->id) != nullptr;
  }
  if (by) o.by = *by;
  if (o.tie_break && *o.tie_break == o.by) o.tie_break = std::nullopt;
  return o;
}

namespace {

json::object entry_json(const proj::ranking_entry& e, const proj::ranking_options& o) {
  json::object line{{"rank", e.rank},
                    {"code", e.code},
                    {"name", e.name},
                    {"value", value_json(e.value)},
                    {"value_at_last_bulletin", value_json(e.value_at_last_bulletin)},
                    {"value_at_baseline", value_json(e.value_at_baseline)},
                    {"rank_at_last_bulletin", e.rank_at_last_bulletin},
                    {"rank_change", e.rank_change}};
  if (o.tie_break) line["tie_value"] = value_json(e.tie_value);
  return line;
}

}  // namespace

json::object ranking_json(const proj::projection_state& s, proj::node_index parent, const proj::ranking_options& o,
                          std::size_t top_n, std::size_t bottom_n) {
  const auto& model = s.model();
  proj::ranking_options with_published = o;
  if (o.has_last_bulletin) {
    if (const auto* c = s.active_campaign()) {
      if (const auto* b = s.last_bulletin(c->id))
        with_published.published = proj::published_ranking(b->rankings, model.tree().at(parent).code, o);
    }
  }
  auto ranked = proj::rank_children(model, parent, with_published);
  json::array lines;
  lines.reserve(ranked.size());
  for (const auto& e : ranked) lines.push_back(entry_json(e, o));
  const auto lists = proj::red_and_black(ranked, top_n, bottom_n);
  json::array red;
  for (const auto& e : lists.red) red.push_back(json::string(e.code));
  json::array black;
  for (const auto& e : lists.black) black.push_back(json::string(e.code));
  json::object out{{"jurisdiction", model.tree().at(parent).code},
                   {"name", model.tree().at(parent).name},
                   {"indicator", proj::to_string(o.by)},
                   {"tie_break", o.tie_break ? json::value(proj::to_string(*o.tie_break)) : json::value(nullptr)},
                   {"affiliation", domain::to_string(o.affiliation)},
                   {"has_last_bulletin", o.has_last_bulletin},
                   {"last_bulletin_ranked", with_published.published != nullptr},
                   {"lines", std::move(lines)},
                   {"red_list", std::move(red)},
                   {"black_list", std::move(black)}};
  return out;
}

namespace {

json::value change_json(const proj::indicator_value& now, const proj::indicator_value& then, bool rate) {
  if (!now.defined() || !then.defined()) return nullptr;
  if (!rate) return now.numerator - then.numerator;
  return now.as_double() - then.as_double();
}

// The counters behind "orgs in scope, by kind" and "orgs surveyed, by survey step": a count per
// kind (step), kept per jurisdiction like every counter (indicators.h).
struct breakdown {
  const char* key;
  std::size_t first;  // counter index of the first kind (step)
  std::size_t count;
  std::string_view (*name)(std::size_t);
};

constexpr breakdown breakdowns[] = {
    {"orgs_in_scope_by_kind", proj::counter::orgs_in_scope_by_kind, proj::org_kind_count,
     [](std::size_t k) { return domain::to_string(static_cast<proj::org_kind>(k)); }},
    {"orgs_surveyed_by_step", proj::counter::orgs_surveyed_by_step, proj::survey_step_count,
     [](std::size_t k) { return domain::to_string(static_cast<proj::survey_step>(k)); }},
};

proj::indicator_value counter_value(const proj::counter_block& c, std::size_t index) { return {c[index], 1}; }

}  // namespace

json::object breakdown_values(const proj::counter_block& counters) {
  json::object out;
  for (const auto& b : breakdowns) {
    json::object values;
    for (std::size_t k = 0; k < b.count; ++k) values[b.name(k)] = value_json(counter_value(counters, b.first + k));
    out[b.key] = std::move(values);
  }
  return out;
}

// "value" of a measure now, and "baseline", "last_bulletin" and the changes since each (null while
// there is no campaign, or no bulletin): `at` evaluates the measure on a counter block.
template <class At>
void add_value_and_changes(json::object& item, const proj::read_model& model, proj::node_index node, At at, bool rate,
                           bool has_baseline, bool has_bulletin) {
  const auto now = at(model.counters(node));
  item["value"] = value_json(now);
  const auto then = [&](bool has, const proj::counter_block& c, const char* key, const char* change) {
    if (!has) {
      item[key] = nullptr;
      item[change] = nullptr;
      return;
    }
    const auto value = at(c);
    item[key] = value_json(value);
    item[change] = change_json(now, value, rate);
  };
  then(has_baseline, model.baseline(node), "baseline", "change_since_baseline");
  then(has_bulletin, model.at_last_bulletin(node), "last_bulletin", "change_since_last_bulletin");
}

json::object indicators_json(const proj::projection_state& s, proj::node_index node, proj::twin affiliation) {
  const auto& model = s.model();
  bool has_bulletin = false;
  bool has_baseline = false;
  if (const auto* c = s.active_campaign()) {
    has_baseline = true;
    has_bulletin = s.last_bulletin(c->id) != nullptr;
  }
  json::array list;
  for (std::size_t k = 0; k < proj::indicator_count; ++k) {
    const auto which = static_cast<proj::indicator>(k);
    const bool rate = proj::is_rate(which);
    json::object item{
        {"indicator", proj::to_string(which)}, {"rate", rate}, {"higher_is_better", proj::higher_is_better(which)}};
    add_value_and_changes(
        item, model, node, [&](const proj::counter_block& c) { return proj::evaluate(c, which, affiliation); }, rate,
        has_baseline, has_bulletin);
    list.push_back(std::move(item));
  }
  json::object out = jurisdiction_json(model.tree(), node);
  out["affiliation"] = domain::to_string(affiliation);
  out["indicators"] = std::move(list);
  // By kind and by step: counts, with the same baseline and last-bulletin fields (the same for
  // both affiliations: orgs and surveys are not Party or League).
  for (const auto& b : breakdowns) {
    json::object items;
    for (std::size_t k = 0; k < b.count; ++k) {
      json::object item;
      add_value_and_changes(
          item, model, node, [&](const proj::counter_block& c) { return counter_value(c, b.first + k); }, false,
          has_baseline, has_bulletin);
      items[b.name(k)] = std::move(item);
    }
    out[b.key] = std::move(items);
  }
  return out;
}

json::object jurisdiction_json(const proj::jurisdiction_tree& tree, proj::node_index node) {
  const auto& n = tree.at(node);
  return json::object{{"code", n.code},
                      {"name", n.name},
                      {"level", domain::to_string(n.lvl)},
                      {"parent", n.parent == proj::no_node ? json::value(nullptr) : json::value(tree.at(n.parent).code)},
                      {"responsible_leader", n.responsible_leader}};
}

namespace {

json::object actor_json(const eventstore::actor& a) {
  return json::object{{"user", a.user}, {"role", a.role}, {"jurisdiction", a.jurisdiction}};
}

json::value date_or_null(domain::date d, std::uint64_t at) {
  if (at == 0) return nullptr;
  return json::value(domain::to_string(d));
}

}  // namespace

json::object ledger_json(const proj::ledger_entry& e, bool overdue) {
  json::object o{{"target", e.target.value},
                 {"org", e.org.value},
                 {"jurisdiction", e.jurisdiction},
                 {"type", domain::to_string(e.type)},
                 {"planned_mode", domain::to_string(e.planned_mode)},
                 {"deadline", domain::to_string(e.deadline)},
                 {"person_responsible", e.person_responsible},
                 {"designated_on", domain::to_string(e.designated_on)},
                 {"designated_at", e.designated_at},
                 {"designated_by", actor_json(e.designated_by)},
                 {"status", domain::to_string(e.status)},
                 {"overdue", overdue},
                 {"reason", e.reason ? json::value(domain::to_string(*e.reason)) : json::value(nullptr)},
                 {"reason_note", e.reason_note}};
  if (e.struck_off_at != 0) {
    o["struck_off"] = json::object{{"branch", e.struck_off_branch},
                                   {"on", domain::to_string(e.struck_off_on)},
                                   {"at", e.struck_off_at},
                                   {"by", actor_json(e.struck_off_by)}};
  } else {
    o["struck_off"] = nullptr;
  }
  o["withdrawn_on"] = date_or_null(e.withdrawn_on, e.withdrawn_at);
  o["withdrawn_at"] = e.withdrawn_at == 0 ? json::value(nullptr) : json::value(e.withdrawn_at);
  return o;
}

json::object interview_json(const proj::interview_record& r) {
  json::array reasons;
  for (auto reason : r.reasons) reasons.push_back(json::string(domain::to_string(reason)));
  json::array items;
  for (std::size_t k = 0; k < r.items.size(); ++k) {
    const bool done = k < r.items_done.size() && r.items_done[k];
    items.push_back(json::object{{"index", k},
                                 {"problem", r.items[k].problem},
                                 {"requirement", r.items[k].requirement},
                                 {"deadline", domain::to_string(r.items[k].deadline)},
                                 {"done", done},
                                 {"done_on", done ? json::value(domain::to_string(r.items_done_on[k])) : json::value(nullptr)}});
  }
  const bool held = r.held_at_ms != 0;
  const bool closed = r.status == domain::interview_status::closed;
  const bool escalated = !r.escalated_to.empty();
  return json::object{{"id", r.id},
                      {"campaign", r.campaign},
                      {"jurisdiction", r.jurisdiction},
                      {"responsible_person", r.responsible_person},
                      {"reasons", std::move(reasons)},
                      {"round", r.round},
                      {"scheduled_at", iso_time(r.scheduled_at_ms)},
                      {"scheduled_at_ms", r.scheduled_at_ms},
                      {"place", r.place},
                      {"affiliation", domain::to_string(r.affiliation)},
                      {"status", domain::to_string(r.status)},
                      {"held_at", held ? json::value(iso_time(r.held_at_ms)) : json::value(nullptr)},
                      {"held_at_ms", held ? json::value(r.held_at_ms) : json::value(nullptr)},
                      {"answer", held ? json::value(r.answer) : json::value(nullptr)},
                      {"pledge", held ? json::value(r.pledge) : json::value(nullptr)},
                      {"conclusion", closed ? json::value(r.conclusion) : json::value(nullptr)},
                      {"closed_on", closed ? json::value(domain::to_string(r.closed_on)) : json::value(nullptr)},
                      {"rectification_items", std::move(items)},
                      {"escalated_to", escalated ? json::value(r.escalated_to) : json::value(nullptr)},
                      {"escalation_reason", escalated ? json::value(r.escalation_reason) : json::value(nullptr)},
                      {"escalated_on", escalated ? json::value(domain::to_string(r.escalated_on)) : json::value(nullptr)},
                      {"scheduled_at_position", r.scheduled_at_position}};
}

json::object campaign_json(const proj::campaign_record& c) {
  return json::object{{"id", c.id},
                      {"name", c.name},
                      {"starts_on", domain::to_string(c.starts_on)},
                      {"ends_on", domain::to_string(c.ends_on)},
                      {"bulletin_cadence_days", c.cadence_days},
                      {"ranking_indicator", domain::to_string(c.ranking_indicator)},
                      {"tie_break_indicator", domain::to_string(c.tie_break_indicator)},
                      {"interview_rules",
                       json::object{{"bottom_n", c.rules.bottom_n},
                                    {"bottom_percent", c.rules.bottom_percent},
                                    {"no_progress_since_last_bulletin", c.rules.no_progress_since_last_bulletin},
                                    {"below_target_rate_permille", c.rules.below_target_rate_permille}}},
                      {"status", c.closed ? "closed" : "open"},
                      {"opened_at", c.opened_at}};
}

json::object bulletin_json(const proj::bulletin_record& b, bool with_rankings,
                           const std::function<bool(const std::string&)>& show_parent, proj::twin affiliation) {
  json::array affiliations;
  for (proj::twin t : {proj::twin::party, proj::twin::league})
    if (b.ranked(t)) affiliations.push_back(json::string(domain::to_string(t)));
  json::object o{{"campaign", b.campaign},
                 {"round", b.round},
                 {"as_of_date", domain::to_string(b.as_of)},
                 {"log_position", b.log_position},
                 {"bulletin_position", b.position},
                 {"rankings_count", b.rankings.size()},
                 {"affiliations", std::move(affiliations)}};
  if (!with_rankings) return o;
  o["affiliation"] = domain::to_string(affiliation);
  json::array rankings;
  for (const auto& r : b.rankings) {
    if (r.affiliation != affiliation) continue;
    if (show_parent && !show_parent(r.parent.value)) continue;
    json::array lines;
    for (const auto& l : r.lines) {
      json::object values;
      for (const auto& v : l.values) {
        values[domain::to_string(v.which)] =
            value_json(proj::indicator_value{v.numerator, v.denominator});
      }
      lines.push_back(json::object{{"jurisdiction", l.jurisdiction.value},
                                   {"rank", l.rank},
                                   {"previous_rank", l.previous_rank},
                                   {"rank_change", l.previous_rank == 0 ? 0
                                                                        : static_cast<std::int64_t>(l.previous_rank) -
                                                                              static_cast<std::int64_t>(l.rank)},
                                   {"values", std::move(values)}});
    }
    // The red and black lists of the issued ranking, by the rule of the live ones (rankings.h),
    // with the live route's default sizes.
    const auto lists = proj::red_and_black(r, 5, 5);
    json::array red;
    for (const auto& code : lists.red) red.push_back(json::string(code));
    json::array black;
    for (const auto& code : lists.black) black.push_back(json::string(code));
    rankings.push_back(json::object{{"parent", r.parent.value},
                                    {"indicator", domain::to_string(r.by)},
                                    {"affiliation", domain::to_string(r.affiliation)},
                                    {"lines", std::move(lines)},
                                    {"red_list", std::move(red)},
                                    {"black_list", std::move(black)}});
  }
  o["rankings"] = std::move(rankings);
  return o;
}

}  // namespace gongjian::server
