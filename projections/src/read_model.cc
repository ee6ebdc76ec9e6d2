#include "gongjian/projections/read_model.h"

#include <algorithm>

#include "gongjian/projections/binary.h"

namespace gongjian::projections {

void org_contribution(const org_record& r, counter_block& out) {
  out.values.fill(0);
  if (!(r.flags & org_record::flag_registered)) return;
  if (r.flags & (org_record::flag_removed | org_record::flag_not_operating)) {
    out[counter::orgs_removed] = 1;
    return;
  }
  out[counter::orgs_in_scope] = 1;
  if (r.kind < org_kind_count) out[counter::orgs_in_scope_by_kind + r.kind] = 1;
  for (std::size_t s = 0; s < r.survey_steps_done && s < survey_step_count; ++s) out[counter::orgs_surveyed_by_step + s] = 1;
  const bool in_union = r.covering[static_cast<std::size_t>(branch_type::trade_union)] > 0;
  const bool in_womens = r.covering[static_cast<std::size_t>(branch_type::womens_federation)] > 0;
  out[counter::union_covered] = in_union;
  out[counter::womens_federation_covered] = in_womens;
  for (std::size_t b = 0; b < branch_type_count; ++b) {
    out[counter::targets_by_branch + b] = r.targets[b];
    out[counter::targets_struck_off_by_branch + b] = r.struck_off[b];
  }
  for (twin t : all_twins) {
    const auto k = static_cast<std::size_t>(t);
    const auto other = static_cast<std::size_t>(branch_of(t == twin::party ? twin::league : twin::party));
    const bool eligible = r.formal_members[k] >= 3;
    const bool covered = r.covering[static_cast<std::size_t>(branch_of(t))] > 0;
    const bool instructed = r.instructors[k] > 0;
    const bool attached = r.attached_members[k] > 0;
    out[counter::of(t, counter::formal_members)] = r.formal_members[k];
    out[counter::of(t, counter::eligible)] = eligible;
    out[counter::of(t, counter::eligible_with_standalone)] = eligible && r.standalone[k] > 0;
    out[counter::of(t, counter::organization_covered)] = covered;
    // 工作覆盖: covered, or an instructor, or members attached nearby, or the twin's or a mass
    // organization (the Party twin counts a League organization; the League twin a Party one).
    out[counter::of(t, counter::work_covered)] =
        covered || instructed || attached || r.covering[other] > 0 || in_union || in_womens;
    out[counter::of(t, counter::orgs_with_instructor)] = instructed;
    out[counter::of(t, counter::orgs_with_attached_members)] = attached;
  }
}

read_model::read_model() { grow_nodes(); }

void read_model::grow_nodes() {
  const std::size_t n = tree_.size();
  if (current_.size() >= n) return;
  current_.resize(n);
  baseline_.resize(n);
  last_bulletin_.resize(n);
  node_dirty_.resize(n, false);
}

node_index read_model::ensure_jurisdiction(std::string_view code, std::string_view parent_code,
                                           std::optional<level> lvl, std::string_view name) {
  const std::size_t before = tree_.size();
  node_index n = tree_.ensure(code, parent_code, lvl, name);
  grow_nodes();
  for (std::size_t i = before; i < tree_.size(); ++i) mark_node_dirty(static_cast<node_index>(i));
  if (!name.empty()) mark_node_dirty(n);
  // A new child changes its parent's children list, which is persisted with the parent.
  return n;
}

void read_model::set_responsible_leader(node_index n, std::string leader) {
  tree_.at(n).responsible_leader = std::move(leader);
  mark_node_dirty(n);
}

std::optional<org_index> read_model::find_org(domain::organization_id id) const {
  const auto i = org_ids_.find(id.value);
  if (i == domain::id_slots::none) return std::nullopt;
  return i;
}

org_index read_model::register_org(domain::organization_id id, node_index node, org_kind kind, bool operating) {
  const auto set = [&](org_record& r) {
    r.node = node;
    r.kind = static_cast<std::uint8_t>(kind);
    r.flags |= org_record::flag_registered;
    r.set_operating(operating);
  };
  if (auto existing = find_org(id)) {
    mutate_org(*existing, set);
    return *existing;
  }
  const org_index i = org_ids_.insert(id.value);
  orgs_.push_back(org_record{});
  org_dirty_.push_back(false);
  mutate_org(i, set);
  return i;
}

void read_model::count_at(node_index n, std::size_t counter_index, std::int64_t delta) {
  current_[n][counter_index] += delta;
  if (backdated_) baseline_[n][counter_index] += delta;
  mark_node_dirty(n);
}

void read_model::count(node_index n, std::size_t counter_index, std::int64_t delta) {
  tree_.for_self_and_ancestors(n, [&](node_index a) {
    current_[a][counter_index] += delta;
    if (backdated_) baseline_[a][counter_index] += delta;
    mark_node_dirty(a);
  });
}

void read_model::add_contribution(const org_record& r, std::int64_t sign) {
  if (r.node == no_node) return;
  counter_block c;
  org_contribution(r, c);
  tree_.for_self_and_ancestors(r.node, [&](node_index a) {
    for (std::size_t k = 0; k < counter::count; ++k) current_[a][k] += sign * c[k];
    if (backdated_)
      for (std::size_t k = 0; k < counter::count; ++k) baseline_[a][k] += sign * c[k];
    mark_node_dirty(a);
  });
}

void read_model::push_difference(const org_record& before, const org_record& after) {
  if (before.node != after.node) {
    add_contribution(before, -1);
    add_contribution(after, +1);
    return;
  }
  if (after.node == no_node) return;
  counter_block b, a;
  org_contribution(before, b);
  org_contribution(after, a);
  // Only the counters that changed are touched: most events change one or two.
  std::size_t changed[counter::count];
  std::size_t n = 0;
  for (std::size_t k = 0; k < counter::count; ++k)
    if (a[k] != b[k]) changed[n++] = k;
  if (n == 0) return;
  tree_.for_self_and_ancestors(after.node, [&](node_index up) {
    for (std::size_t j = 0; j < n; ++j) current_[up][changed[j]] += a[changed[j]] - b[changed[j]];
    if (backdated_)
      for (std::size_t j = 0; j < n; ++j) baseline_[up][changed[j]] += a[changed[j]] - b[changed[j]];
    mark_node_dirty(up);
  });
}

void read_model::freeze_baseline() {
  baseline_ = current_;
  for (node_index n = 0; n < tree_.size(); ++n) mark_node_dirty(n);
}

void read_model::freeze_bulletin() {
  last_bulletin_ = current_;
  for (node_index n = 0; n < tree_.size(); ++n) mark_node_dirty(n);
}

void read_model::mark_org_dirty(org_index i) {
  if (org_dirty_[i]) return;
  org_dirty_[i] = true;
  dirty_orgs_.push_back(i);
}

void read_model::mark_node_dirty(node_index n) {
  if (node_dirty_[n]) return;
  node_dirty_[n] = true;
  dirty_nodes_.push_back(n);
}

std::vector<node_index> read_model::drain_dirty_nodes() {
  std::vector<node_index> out;
  out.swap(dirty_nodes_);
  for (auto n : out) node_dirty_[n] = false;
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<org_index> read_model::drain_dirty_orgs() {
  std::vector<org_index> out;
  out.swap(dirty_orgs_);
  for (auto i : out) org_dirty_[i] = false;
  std::sort(out.begin(), out.end());
  return out;
}

namespace {
void write_block(binary::writer& w, const counter_block& c) {
  for (auto v : c.values) w.i(v);
}
void read_block(binary::reader& r, counter_block& c) {
  for (auto& v : c.values) v = r.i();
}
}  // namespace

// Node record: code, name, level, parent (+1, 0 = none), leader, counters (current, baseline,
// last bulletin), each counter a zigzag varint. Children are not stored: they follow from parents.
std::string read_model::encode_node(node_index n) const {
  binary::writer w;
  const auto& node = tree_.at(n);
  w.str(node.code);
  w.str(node.name);
  w.u(static_cast<std::uint64_t>(node.lvl));
  w.u(node.parent == no_node ? 0 : static_cast<std::uint64_t>(node.parent) + 1);
  w.str(node.responsible_leader);
  write_block(w, current_[n]);
  write_block(w, baseline_[n]);
  write_block(w, last_bulletin_[n]);
  return w.take();
}

bool read_model::restore_node(node_index n, std::string_view bytes) {
  binary::reader r(bytes);
  jurisdiction_node node;
  node.code = r.str();
  node.name = r.str();
  node.lvl = static_cast<level>(r.u());
  auto parent = r.u();
  node.parent = parent == 0 ? no_node : static_cast<node_index>(parent - 1);
  node.responsible_leader = r.str();
  tree_.restore(n, std::move(node));
  grow_nodes();
  read_block(r, current_[n]);
  read_block(r, baseline_[n]);
  read_block(r, last_bulletin_[n]);
  return r.ok() && r.at_end();
}

void read_model::finish_nodes() {
  tree_.finish_restore();
  grow_nodes();
}

// Organization record: id, node (+1), kind, flags, steps, then the per-twin and per-type counts.
std::string read_model::encode_org(org_index i) const {
  binary::writer w;
  const auto& r = orgs_[i];
  w.u(org_ids_.id_at(i));
  w.u(r.node == no_node ? 0 : static_cast<std::uint64_t>(r.node) + 1);
  w.u(r.kind);
  w.u(r.flags);
  w.u(r.survey_steps_done);
  for (auto v : r.formal_members) w.u(v);
  for (auto v : r.attached_members) w.u(v);
  for (auto v : r.instructors) w.u(v);
  for (auto v : r.covering) w.u(v);
  for (auto v : r.standalone) w.u(v);
  for (auto v : r.targets) w.u(v);
  for (auto v : r.struck_off) w.u(v);
  return w.take();
}

bool read_model::restore_org(org_index i, std::string_view bytes) {
  binary::reader rd(bytes);
  org_record r;
  std::uint64_t id = rd.u();
  auto node = rd.u();
  r.node = node == 0 ? no_node : static_cast<node_index>(node - 1);
  r.kind = static_cast<std::uint8_t>(rd.u());
  r.flags = static_cast<std::uint8_t>(rd.u());
  r.survey_steps_done = static_cast<std::uint8_t>(rd.u());
  for (auto& v : r.formal_members) v = static_cast<std::uint16_t>(rd.u());
  for (auto& v : r.attached_members) v = static_cast<std::uint16_t>(rd.u());
  for (auto& v : r.instructors) v = static_cast<std::uint16_t>(rd.u());
  for (auto& v : r.covering) v = static_cast<std::uint8_t>(rd.u());
  for (auto& v : r.standalone) v = static_cast<std::uint8_t>(rd.u());
  for (auto& v : r.targets) v = static_cast<std::uint8_t>(rd.u());
  for (auto& v : r.struck_off) v = static_cast<std::uint8_t>(rd.u());
  if (!rd.ok() || !rd.at_end()) return false;
  // Every org is written at the checkpoint after it was registered, so they come back as they were
  // numbered: 0, 1, 2 … (a gap or a repeated id means the stored state is damaged).
  if (i != orgs_.size() || org_ids_.find(id) != domain::id_slots::none) return false;
  org_ids_.insert(id);
  orgs_.push_back(r);
  org_dirty_.push_back(false);
  return true;
}

std::string read_model::encode_meta() const {
  binary::writer w;
  w.u(tree_.size());
  w.u(orgs_.size());
  w.u(anomalies_);
  return w.take();
}

bool read_model::restore_meta(std::string_view bytes) {
  binary::reader r(bytes);
  r.u();
  r.u();
  anomalies_ = r.u();
  return r.ok();
}

void read_model::canonical(binary::writer& w) const {
  w.u(tree_.size());
  for (node_index n = 0; n < tree_.size(); ++n) w.str(encode_node(n));
  w.u(orgs_.size());
  for (org_index i = 0; i < orgs_.size(); ++i) w.str(encode_org(i));
  w.u(anomalies_);
}

bool read_model::restore_canonical(binary::reader& r) {
  *this = read_model();
  const auto nodes = r.u();
  for (std::uint64_t n = 0; n < nodes && r.ok(); ++n)
    if (!restore_node(static_cast<node_index>(n), r.str())) return false;
  finish_nodes();
  const auto orgs = r.u();
  for (std::uint64_t i = 0; i < orgs && r.ok(); ++i)
    if (!restore_org(static_cast<org_index>(i), r.str())) return false;
  anomalies_ = r.u();
  drain_dirty_nodes();
  drain_dirty_orgs();
  return r.ok();
}

}  // namespace gongjian::projections
