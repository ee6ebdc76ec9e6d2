#include "gongjian/projections/projection_state.h"

#include <algorithm>
#include <array>
#include <type_traits>

#include "gongjian/projections/audit.h"
#include "gongjian/projections/binary.h"
#include "gongjian/projections/member_transfers.h"

namespace gongjian::projections {

namespace ev = domain::events;

namespace {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

std::size_t idx(auto e) { return static_cast<std::size_t>(e); }

bool operating(domain::operating_status status) { return status == domain::operating_status::in_real_operation; }

// Saturating-at-zero adjustment of a small per-org count; an underflow means the read side saw an
// event it cannot place (for example a release of an instructor it never saw assigned).
template <class T>
bool adjust(T& field, int delta) {
  long long v = static_cast<long long>(field) + delta;
  if (v < 0) {
    field = 0;
    return false;
  }
  if (v > static_cast<long long>(std::numeric_limits<T>::max())) {
    field = std::numeric_limits<T>::max();
    return false;
  }
  field = static_cast<T>(v);
  return true;
}

template <class Map>
std::uint32_t intern(Map& index, std::uint64_t id, auto& table, auto& dirty_flags) {
  if (auto found = index.find(id + 1)) return *found;
  auto i = static_cast<std::uint32_t>(table.size());
  table.emplace_back();
  dirty_flags.push_back(false);
  index.insert(id + 1, i);
  return i;
}

void write_ranking(binary::writer& w, const domain::ranking& r) {
  w.str(r.parent.value);
  w.u(idx(r.by));
  w.u(idx(r.affiliation));
  w.u(r.lines.size());
  for (const auto& line : r.lines) {
    w.str(line.jurisdiction.value);
    w.u(line.values.size());
    for (const auto& v : line.values) {
      w.u(idx(v.which));
      w.u(idx(v.affiliation));
      w.i(v.numerator);
      w.i(v.denominator);
    }
    w.u(line.rank);
    w.u(line.previous_rank);
  }
}

domain::ranking read_ranking(binary::reader& r) {
  domain::ranking out;
  out.parent = domain::jurisdiction_code{r.str()};
  out.by = static_cast<domain::indicator>(r.u());
  out.affiliation = static_cast<domain::member_affiliation>(r.u());
  auto lines = r.u();
  for (std::uint64_t k = 0; k < lines && r.ok(); ++k) {
    domain::ranking_line line;
    line.jurisdiction = domain::jurisdiction_code{r.str()};
    auto values = r.u();
    for (std::uint64_t j = 0; j < values && r.ok(); ++j) {
      domain::indicator_value v;
      v.which = static_cast<domain::indicator>(r.u());
      v.affiliation = static_cast<domain::member_affiliation>(r.u());
      v.numerator = r.i();
      v.denominator = r.i();
      line.values.push_back(v);
    }
    line.rank = static_cast<std::uint32_t>(r.u());
    line.previous_rank = static_cast<std::uint32_t>(r.u());
    out.lines.push_back(std::move(line));
  }
  return out;
}

std::string key_with_index(char prefix, std::uint32_t i) {
  std::string k{prefix, '/'};
  binary::key_u32(k, i);
  return k;
}

}  // namespace

projection_state::projection_state() = default;

const campaign_record* projection_state::active_campaign() const {
  const campaign_record* best = nullptr;
  for (const auto& [id, c] : campaigns_)
    if (!c.closed && (best == nullptr || c.opened_at > best->opened_at)) best = &c;
  return best;
}

const domain::ranking* bulletin_record::ranking_of(std::string_view parent,
                                                   domain::member_affiliation affiliation) const {
  for (const auto& r : rankings)
    if (r.affiliation == affiliation && r.parent.value == parent) return &r;
  return nullptr;
}

bool bulletin_record::ranked(domain::member_affiliation affiliation) const {
  for (const auto& r : rankings)
    if (r.affiliation == affiliation) return true;
  return false;
}

const bulletin_record* projection_state::bulletin(std::uint64_t campaign, std::uint32_t round) const {
  for (const auto& b : bulletins_)
    if (b.campaign == campaign && b.round == round) return &b;
  return nullptr;
}

const bulletin_record* projection_state::last_bulletin(std::uint64_t campaign) const {
  const bulletin_record* last = nullptr;
  for (const auto& b : bulletins_)
    if (b.campaign == campaign && (last == nullptr || b.round > last->round)) last = &b;
  return last;
}

std::optional<org_index> projection_state::org_of(domain::organization_id id) { return model_.find_org(id); }

void projection_state::mark_member_dirty(std::uint32_t i) {
  if (member_dirty_[i]) return;
  member_dirty_[i] = true;
  dirty_members_.push_back(i);
}
void projection_state::mark_branch_dirty(std::uint32_t i) {
  if (branch_dirty_[i]) return;
  branch_dirty_[i] = true;
  dirty_branches_.push_back(i);
}
// Instructors assigned (指导员) counts instructors, not assignments: an instructor counts once at
// each node whose subtree holds at least one of its orgs in scope. That is not a sum over the
// children (one instructor may cover orgs in two offices), so it is not part of an org's
// contribution: each node on the union of its orgs' chains gets the instructor's +1 (or -1) alone.
// Called before and after anything that changes which orgs those are: assignment and release,
// and an org's move or removal (uncount_instructors_of / recount_uncounted_instructors).
void projection_state::count_instructor(const instructor_record& ins, int sign) {
  if (ins.released || ins.orgs.empty()) return;
  auto& nodes = instructor_nodes_scratch_;
  nodes.clear();
  for (const org_index o : ins.orgs) {
    const org_record& r = model_.org(o);
    if (!r.in_scope() || r.node == no_node) continue;
    model_.tree().for_self_and_ancestors(r.node, [&](node_index n) { nodes.push_back(n); });
  }
  if (ins.orgs.size() > 1) {
    std::sort(nodes.begin(), nodes.end());
    nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  }
  const std::size_t which = counter::of(static_cast<twin>(ins.affiliation), counter::instructors_assigned);
  for (const node_index n : nodes) model_.count_at(n, which, sign);
}

// Takes back the count of every active instructor of `org` (remembered for the recount after
// the org changes). Orgs keep no list of their instructors (a per-org cost at ten million orgs),
// so the instructors are searched: only for an org that has one, on the rare events that move an
// org or remove it from the base.
void projection_state::uncount_instructors_of(org_index org) {
  instructors_uncounted_.clear();
  const org_record& r = model_.org(org);
  if (std::all_of(r.instructors.begin(), r.instructors.end(), [](std::uint16_t n) { return n == 0; })) return;
  for (std::uint32_t i = 0; i < instructors_.size(); ++i) {
    const auto& ins = instructors_[i];
    if (ins.released || std::find(ins.orgs.begin(), ins.orgs.end(), org) == ins.orgs.end()) continue;
    count_instructor(ins, -1);
    instructors_uncounted_.push_back(i);
  }
}

void projection_state::recount_uncounted_instructors() {
  for (const std::uint32_t i : instructors_uncounted_) count_instructor(instructors_[i], +1);
  instructors_uncounted_.clear();
}

void projection_state::mark_instructor_dirty(std::uint32_t i) {
  if (instructor_dirty_[i]) return;
  instructor_dirty_[i] = true;
  dirty_instructors_.push_back(i);
}

// Replaces a member's record and moves its contribution (formal member, attached member) from
// the org it was counted in to the org it is counted in now.
void projection_state::apply_member_change(std::uint64_t member, const member_record& after) {
  std::uint32_t i = member_ids_.find(member);
  const bool is_new = i == domain::id_slots::none;
  if (is_new) {
    i = member_ids_.insert(member);
    members_.push_back(member_record{});
    member_dirty_.push_back(false);
  }
  const member_record before = members_.get(i);
  auto contribute = [&](const member_record& m, int sign) {
    if (!m.present()) return;
    const bool formal = m.counts_as_formal();
    const bool attached = m.attached();
    if (!formal && !attached) return;
    model_.mutate_org(m.org, [&](org_record& r) {
      bool ok = true;
      if (formal) ok &= adjust(r.formal_members[m.affiliation], sign);
      if (attached) ok &= adjust(r.attached_members[m.affiliation], sign);
      if (!ok) model_.note_anomaly();
    });
  };
  if (!(before == after)) {
    contribute(before, -1);
    contribute(after, +1);
    members_.set(i, after);
    mark_member_dirty(i);
  } else if (is_new) {
    // Persisted even though nothing changed: members load back numbered without gaps.
    mark_member_dirty(i);
  }
}

void projection_state::cover(const branch_record& b, org_index org, int sign) {
  model_.mutate_org(org, [&](org_record& r) {
    bool ok = adjust(r.covering[b.type], sign);
    if (b.mode == idx(formation_mode::standalone) && b.type < twin_count) ok &= adjust(r.standalone[b.type], sign);
    if (!ok) model_.note_anomaly();
  });
}

void projection_state::write_ledger(const ledger_entry& e, keyed_state& keyed, bool is_new) {
  keyed.put(ledger_target_key(e.target), encode(e));
  if (is_new) {
    auto node = model_.tree().find(e.jurisdiction);
    keyed.put(ledger_listing_key(model_.tree().path(node ? *node : model_.tree().root()), e.target), "");
    keyed.put(ledger_org_key(e.org, e.target), "");
  }
}

struct projection_state::handler {
  projection_state& s;
  const eventstore::recorded_event& rec;
  keyed_state& keyed;

  read_model& model() { return s.model_; }
  std::optional<member_record> member(domain::member_id id) {
    const auto i = s.member_ids_.find(id.value);
    if (i == domain::id_slots::none) return std::nullopt;
    return s.members_.get(i);
  }

  void operator()(const ev::jurisdiction_registered& e) {
    model().ensure_jurisdiction(e.code.value, e.parent.value, e.level, e.jurisdiction_name);
  }
  void operator()(const ev::jurisdiction_leader_assigned& e) {
    model().set_responsible_leader(model().ensure_jurisdiction(e.code.value), e.leader_name);
  }
  void operator()(const ev::action_plan_set&) {}
  void operator()(const ev::campaign_opened& e) {
    campaign_record c;
    c.id = e.campaign.value;
    c.name = e.campaign_name;
    c.starts_on = e.starts_on;
    c.ends_on = e.ends_on;
    c.cadence_days = e.bulletin_cadence_days;
    c.ranking_indicator = e.ranking_indicator;
    c.tie_break_indicator = e.tie_break_indicator;
    c.rules = e.interviews;
    c.opened_at = rec.pos.value;
    s.campaigns_[c.id] = std::move(c);
    // The campaign's baseline ("on the existing base"): the counters as the campaign opens.
    model().freeze_baseline();
    s.campaigns_dirty_ = true;
  }
  void operator()(const ev::campaign_closed& e) {
    if (auto it = s.campaigns_.find(e.campaign.value); it != s.campaigns_.end()) it->second.closed = true;
    s.campaigns_dirty_ = true;
  }
  void operator()(const ev::bulletin_issued& e) {
    bulletin_record b;
    b.campaign = e.campaign.value;
    b.round = e.round.value;
    b.as_of = e.as_of;
    b.log_position = e.log_position;
    b.position = rec.pos.value;
    b.rankings = e.rankings;
    s.bulletins_.push_back(std::move(b));
    s.dirty_bulletins_.push_back(s.bulletins_.size() - 1);
    model().freeze_bulletin();
  }
  void operator()(const ev::host_registered&) {}
  void operator()(const ev::organization_registered& e) {
    node_index node = model().ensure_jurisdiction(e.office.value);
    // Registered again (a correction): it may move, so its instructors are counted again.
    if (auto existing = model().find_org(e.org)) {
      s.uncount_instructors_of(*existing);
    } else {
      s.instructors_uncounted_.clear();
    }
    model().register_org(e.org, node, e.kind, operating(e.status));
    s.recount_uncounted_instructors();
  }
  void operator()(const ev::survey_step_completed& e) {
    auto i = s.org_of(e.org);
    if (!i) return model().note_anomaly();
    model().mutate_org(*i, [&](org_record& r) {
      r.survey_steps_done = std::max<std::uint8_t>(r.survey_steps_done, static_cast<std::uint8_t>(idx(e.step) + 1));
    });
  }
  void operator()(const ev::organization_details_corrected& e) {
    if (!e.office && !e.status) return;
    auto i = s.org_of(e.org);
    if (!i) return model().note_anomaly();
    if (e.status) {
      // In or out of the base: its instructors are counted again where it is (not) in scope.
      s.uncount_instructors_of(*i);
      model().mutate_org(*i, [&](org_record& r) { r.set_operating(operating(*e.status)); });
      s.recount_uncounted_instructors();
    }
    if (!e.office) return;
    const node_index from = model().org(*i).node;
    const node_index to = model().ensure_jurisdiction(e.office->value);
    if (from == to) return;
    s.uncount_instructors_of(*i);
    model().mutate_org(*i, [&](org_record& r) { r.node = to; });
    s.recount_uncounted_instructors();
    // The org's ledger items move with it to the new jurisdiction's listing.
    std::string prefix = "x/";
    binary::key_u64(prefix, e.org.value);
    std::vector<domain::target_id> targets;
    keyed.scan(prefix, prefix, [&](std::string_view key, std::string_view) {
      targets.push_back(domain::target_id{binary::parse_key_u64(key.substr(key.size() - 8))});
      return true;
    });
    for (auto t : targets) {
      auto bytes = keyed.get(ledger_target_key(t));
      if (!bytes) continue;
      auto entry = decode_ledger_entry(*bytes);
      if (!entry) continue;
      if (auto old_node = model().tree().find(entry->jurisdiction))
        keyed.erase(ledger_listing_key(model().tree().path(*old_node), t));
      entry->jurisdiction = model().tree().at(to).code;
      keyed.put(ledger_listing_key(model().tree().path(to), t), "");
      keyed.put(ledger_target_key(t), encode(*entry));
    }
  }
  void operator()(const ev::organization_removed& e) {
    auto i = s.org_of(e.org);
    if (!i) return model().note_anomaly();
    s.uncount_instructors_of(*i);
    model().mutate_org(*i, [&](org_record& r) { r.flags |= org_record::flag_removed; });
    s.recount_uncounted_instructors();
  }
  void operator()(const ev::member_recorded& e) {
    auto org = s.org_of(e.org);
    if (!org) return model().note_anomaly();
    member_record m;
    m.org = *org;
    m.affiliation = static_cast<std::uint8_t>(e.affiliation);
    m.formal = e.standing == domain::member_standing::formal;
    m.status = static_cast<std::uint8_t>(e.status);
    m.flags = 1;
    s.apply_member_change(e.member.value, m);
  }
  void operator()(const ev::member_identity_disclosed& e) {
    auto m = member(e.member);
    if (!m) return model().note_anomaly();
    m->status = static_cast<std::uint8_t>(domain::member_status::disclosed);
    s.apply_member_change(e.member.value, *m);
    if (idx(e.previous_status) < disclosure_kind_count)
      model().count(model().org(m->org).node,
                    counter::of(static_cast<twin>(m->affiliation), counter::disclosed_by_kind + idx(e.previous_status)), 1);
  }
  void operator()(const ev::member_developed& e) {
    auto org = s.org_of(e.org);
    if (!org) return model().note_anomaly();
    member_record m;
    m.org = *org;
    m.affiliation = static_cast<std::uint8_t>(e.affiliation);
    m.formal = e.standing == domain::member_standing::formal;
    m.status = static_cast<std::uint8_t>(domain::member_status::active);
    m.flags = 1;
    s.apply_member_change(e.member.value, m);
    model().count(model().org(*org).node, counter::of(e.affiliation, counter::members_developed), 1);
  }
  void operator()(const ev::member_made_formal& e) {
    auto m = member(e.member);
    if (!m) return model().note_anomaly();
    m->formal = 1;
    s.apply_member_change(e.member.value, *m);
  }
  void operator()(const ev::member_left& e) {
    auto m = member(e.member);
    if (!m) return model().note_anomaly();
    m->flags = 0;  // gone, and any nearby attachment ends with it
    s.apply_member_change(e.member.value, *m);
  }
  void operator()(const ev::member_attached_nearby& e) {
    auto m = member(e.member);
    if (!m) return model().note_anomaly();
    m->flags |= 2;
    s.apply_member_change(e.member.value, *m);
  }
  void operator()(const ev::member_detached& e) {
    auto m = member(e.member);
    if (!m) return model().note_anomaly();
    m->flags &= static_cast<std::uint8_t>(~2u);
    s.apply_member_change(e.member.value, *m);
  }
  void transfer_completed(domain::member_id id) {
    auto m = member(id);
    if (!m) return model().note_anomaly();
    m->status = static_cast<std::uint8_t>(domain::member_status::active);
    s.apply_member_change(id.value, *m);
    model().count(model().org(m->org).node, counter::of(static_cast<twin>(m->affiliation), counter::transfers_completed), 1);
  }
  // The member's org now: the org of a letter opened now (0 when the member is not known here).
  domain::organization_id org_of_member(domain::member_id id) {
    auto m = member(id);
    if (!m || !m->present()) return domain::organization_id{};
    return model().org_id(m->org);
  }
  // Every transfer event names its letter and member: each adds a line under its member
  // (member_transfers.h; the reader keeps a letter once), so a letter whose issue the log lacks is
  // found all the same. The lines go to memory and out with the next checkpoint. As-of replays
  // skip them, as they skip the audit index: the store holds every line already.
  void index_letter(domain::member_id member, domain::transfer_id transfer) {
    if (!s.audit_indexing_) return;
    s.letter_lines_.add(letter_index::member, {member.value, rec.pos.value, transfer.value, member.value, 0});
  }
  // A letter opened by this event, also under the branch it is addressed to and its member's org.
  void index_opened_letter(domain::transfer_id transfer, domain::member_id member, domain::branch_id to_branch) {
    if (!s.audit_indexing_) return;
    const domain::organization_id org = org_of_member(member);
    const letter_line line{member.value, rec.pos.value, transfer.value, member.value, org.value};
    s.letter_lines_.add(letter_index::member, line);
    if (to_branch.value != 0) {
      letter_line to = line;
      to.key = to_branch.value;
      s.letter_lines_.add(letter_index::branch, to);
    }
    if (org.value != 0) {
      letter_line of = line;
      of.key = org.value;
      s.letter_lines_.add(letter_index::org, of);
    }
  }
  void operator()(const ev::transfer_letter_issued& e) { index_opened_letter(e.transfer, e.member, e.to_branch); }
  void operator()(const ev::transfer_letter_received& e) {
    index_letter(e.member, e.transfer);
    transfer_completed(e.member);
  }
  void operator()(const ev::transfer_completed_by_certificate& e) {
    index_opened_letter(e.transfer, e.member, e.to_branch);
    transfer_completed(e.member);
  }
  void operator()(const ev::transfer_letter_rejected& e) { index_letter(e.member, e.transfer); }
  void operator()(const ev::transfer_letter_revoked& e) { index_letter(e.member, e.transfer); }
  void operator()(const ev::transfer_letter_expired& e) { index_letter(e.member, e.transfer); }
  // The reissue voids the lost letter and opens a new one.
  void operator()(const ev::transfer_letter_reissued& e) {
    index_letter(e.member, e.lost);
    index_opened_letter(e.transfer, e.member, e.to_branch);
  }
  void operator()(const ev::member_listed_as_pocket& e) {
    auto m = member(e.member);
    if (!m) return model().note_anomaly();
    m->status = static_cast<std::uint8_t>(domain::member_status::pocket);
    s.apply_member_change(e.member.value, *m);
  }
  void operator()(const ev::instructor_assigned& e) {
    const std::uint32_t i = intern(s.instructor_index_, e.instructor.value, s.instructors_, s.instructor_dirty_);
    auto& ins = s.instructors_[i];
    s.count_instructor(ins, -1);  // assigned again while active: counted again with the new orgs
    ins.id = e.instructor.value;
    ins.affiliation = static_cast<std::uint8_t>(e.affiliation);
    ins.released = false;
    for (auto org_id : e.orgs) {
      auto org = s.org_of(org_id);
      if (!org) {
        model().note_anomaly();
        continue;
      }
      ins.orgs.push_back(*org);
      model().mutate_org(*org, [&](org_record& r) { adjust(r.instructors[ins.affiliation], +1); });
    }
    s.count_instructor(ins, +1);
    s.mark_instructor_dirty(i);
  }
  void operator()(const ev::instructor_released& e) {
    auto i = s.instructor_index_.find(e.instructor.value + 1);
    if (!i || s.instructors_[*i].released) return model().note_anomaly();
    auto& ins = s.instructors_[*i];
    s.count_instructor(ins, -1);
    for (auto org : ins.orgs)
      model().mutate_org(org, [&](org_record& r) {
        if (!adjust(r.instructors[ins.affiliation], -1)) model().note_anomaly();
      });
    ins.released = true;
    ins.orgs.clear();
    s.mark_instructor_dirty(*i);
  }
  std::uint32_t branch(domain::branch_id id) {
    return intern(s.branch_index_, id.value, s.branches_, s.branch_dirty_);
  }
  void operator()(const ev::organization_formed& e) {
    const std::uint32_t i = branch(e.branch);
    auto& b = s.branches_[i];
    b.id = e.branch.value;
    b.type = static_cast<std::uint8_t>(e.branch_type);
    b.mode = static_cast<std::uint8_t>(e.mode);
    b.dissolved = false;
    for (auto org_id : e.orgs) {
      auto org = s.org_of(org_id);
      if (!org) {
        model().note_anomaly();
        continue;
      }
      b.orgs.push_back(*org);
      s.cover(b, *org, +1);
    }
    s.mark_branch_dirty(i);
  }
  void operator()(const ev::organization_orgs_added& e) {
    auto i = s.branch_index_.find(e.branch.value + 1);
    if (!i) return model().note_anomaly();
    auto& b = s.branches_[*i];
    for (auto org_id : e.orgs) {
      auto org = s.org_of(org_id);
      if (!org || std::find(b.orgs.begin(), b.orgs.end(), *org) != b.orgs.end()) {
        model().note_anomaly();
        continue;
      }
      b.orgs.push_back(*org);
      s.cover(b, *org, +1);
    }
    s.mark_branch_dirty(*i);
  }
  void operator()(const ev::organization_orgs_removed& e) {
    auto i = s.branch_index_.find(e.branch.value + 1);
    if (!i) return model().note_anomaly();
    auto& b = s.branches_[*i];
    for (auto org_id : e.orgs) {
      auto org = s.org_of(org_id);
      auto it = org ? std::find(b.orgs.begin(), b.orgs.end(), *org) : b.orgs.end();
      if (it == b.orgs.end()) {
        model().note_anomaly();
        continue;
      }
      b.orgs.erase(it);
      s.cover(b, *org, -1);
    }
    s.mark_branch_dirty(*i);
  }
  void operator()(const ev::organization_dissolved& e) {
    auto i = s.branch_index_.find(e.branch.value + 1);
    if (!i || s.branches_[*i].dissolved) return model().note_anomaly();
    auto& b = s.branches_[*i];
    for (auto org : b.orgs) s.cover(b, org, -1);
    b.orgs.clear();
    b.dissolved = true;
    s.mark_branch_dirty(*i);
  }
  void operator()(const ev::formation_target_designated& e) {
    auto org = s.org_of(e.org);
    if (!org) return model().note_anomaly();
    model().mutate_org(*org, [&](org_record& r) { adjust(r.targets[idx(e.branch_type)], +1); });
    ledger_entry entry;
    entry.target = e.target;
    entry.org = e.org;
    entry.jurisdiction = model().tree().at(model().org(*org).node).code;
    entry.type = e.branch_type;
    entry.planned_mode = e.planned_mode;
    entry.deadline = e.deadline;
    entry.person_responsible = e.person_responsible;
    entry.designated_on = e.designated_on;
    entry.designated_at = rec.pos.value;
    entry.designated_by = rec.metadata.by;
    s.write_ledger(entry, keyed, true);
  }
  std::optional<ledger_entry> entry(domain::target_id t) {
    auto bytes = keyed.get(ledger_target_key(t));
    if (!bytes) return std::nullopt;
    return decode_ledger_entry(*bytes);
  }
  void operator()(const ev::formation_target_struck_off& e) {
    auto org = s.org_of(e.org);
    if (!org) return model().note_anomaly();
    model().mutate_org(*org, [&](org_record& r) { adjust(r.struck_off[idx(e.branch_type)], +1); });
    if (auto en = entry(e.target)) {
      en->status = domain::target_status::struck_off;
      en->struck_off_branch = e.branch.value;
      en->struck_off_on = e.struck_off_on;
      en->struck_off_at = rec.pos.value;
      en->struck_off_by = rec.metadata.by;
      s.write_ledger(*en, keyed, false);
    } else {
      model().note_anomaly();
    }
  }
  void operator()(const ev::formation_target_reason_recorded& e) {
    if (auto en = entry(e.target)) {
      en->reason = e.reason;
      en->reason_note = e.note;
      s.write_ledger(*en, keyed, false);
    } else {
      model().note_anomaly();
    }
  }
  void operator()(const ev::formation_target_withdrawn& e) {
    auto org = s.org_of(e.org);
    auto en = entry(e.target);
    if (!org || !en) return model().note_anomaly();
    // The item leaves the ledger's counts (it stays listed, marked withdrawn).
    // Judged by position, not by the stored status, so that an as-of replay reading today's
    // ledger entry decides exactly as the live fold did.
    const bool was_struck = en->struck_off_at != 0 && en->struck_off_at < rec.pos.value;
    model().mutate_org(*org, [&](org_record& r) {
      adjust(r.targets[idx(en->type)], -1);
      if (was_struck) adjust(r.struck_off[idx(en->type)], -1);
    });
    en->status = domain::target_status::withdrawn;
    en->withdrawn_on = e.withdrawn_on;
    en->withdrawn_at = rec.pos.value;
    s.write_ledger(*en, keyed, false);
  }
  interview_record* interview(domain::interview_id id) {
    auto it = s.interviews_.find(id.value);
    if (it == s.interviews_.end()) {
      model().note_anomaly();
      return nullptr;
    }
    s.dirty_interviews_.push_back(id.value);
    it->second.changed_at_position = rec.pos.value;
    return &it->second;
  }
  void operator()(const ev::interview_scheduled& e) {
    interview_record r;
    r.id = e.interview.value;
    r.campaign = e.campaign.value;
    r.jurisdiction = e.jurisdiction.value;
    r.responsible_person = e.responsible_person;
    r.reasons = e.reasons;
    r.round = e.round.value;
    r.scheduled_at_ms = e.scheduled_at_ms;
    r.place = e.place;
    r.affiliation = e.affiliation;
    r.scheduled_at_position = rec.pos.value;
    r.changed_at_position = rec.pos.value;
    s.dirty_interviews_.push_back(r.id);
    s.interviews_[r.id] = std::move(r);
  }
  void operator()(const ev::interview_held& e) {
    if (auto* r = interview(e.interview)) {
      r->status = domain::interview_status::held;
      r->held_at_ms = e.held_at_ms;
      r->answer = e.answer;
      r->pledge = e.pledge;
    }
  }
  void operator()(const ev::rectification_items_set& e) {
    if (auto* r = interview(e.interview)) {
      r->items = e.items;
      r->items_done.assign(e.items.size(), false);
      r->items_done_on.assign(e.items.size(), domain::date{});
      r->status = domain::interview_status::rectifying;
    }
  }
  void operator()(const ev::rectification_item_done& e) {
    if (auto* r = interview(e.interview)) {
      if (e.item < r->items_done.size()) {
        r->items_done[e.item] = true;
        r->items_done_on[e.item] = e.done_on;
      }
    }
  }
  void operator()(const ev::interview_closed& e) {
    if (auto* r = interview(e.interview)) {
      r->status = domain::interview_status::closed;
      r->conclusion = e.conclusion;
      r->closed_on = e.closed_on;
    }
  }
  void operator()(const ev::interview_escalated& e) {
    if (auto* r = interview(e.interview)) {
      r->status = domain::interview_status::escalated;
      r->escalated_to = e.to.value;
      r->escalation_reason = e.reason;
      r->escalated_on = e.escalated_on;
    }
  }
};

namespace {

// The day a field event says its fact happened, when it states one: an org's registration at the
// registry, a member found in an org, a hidden member disclosed, an organization formed, a target
// struck off, ... Other dates an event carries (the day a member joined the Party, a letter's
// validity, a target's deadline) are not the day of the fact recorded, and the campaign's own
// events (leaders, plans, bulletins, interviews) change no counter.
template <class E>
std::optional<domain::date> day_of_fact(const E& e) {
  if constexpr (std::is_same_v<E, ev::jurisdiction_leader_assigned>) return std::nullopt;
  else if constexpr (requires { e.registered_on; }) return e.registered_on;
  else if constexpr (requires { e.recorded_on; }) return e.recorded_on;  // before admitted_on: member_recorded
  else if constexpr (requires { e.admitted_on; }) return e.admitted_on;  // member_developed
  else if constexpr (requires { e.completed_on; }) return e.completed_on;
  else if constexpr (requires { e.corrected_on; }) return e.corrected_on;
  else if constexpr (requires { e.removed_on; }) return e.removed_on;
  else if constexpr (requires { e.disclosed_on; }) return e.disclosed_on;
  else if constexpr (requires { e.made_formal_on; }) return e.made_formal_on;
  else if constexpr (requires { e.left_on; }) return e.left_on;
  else if constexpr (requires { e.attached_on; }) return e.attached_on;
  else if constexpr (requires { e.detached_on; }) return e.detached_on;
  else if constexpr (requires { e.issued_on; }) return e.issued_on;
  else if constexpr (requires { e.received_on; }) return e.received_on;
  else if constexpr (requires { e.rejected_on; }) return e.rejected_on;
  else if constexpr (requires { e.revoked_on; }) return e.revoked_on;
  else if constexpr (requires { e.expired_on; }) return e.expired_on;
  else if constexpr (requires { e.listed_on; }) return e.listed_on;
  else if constexpr (requires { e.assigned_on; }) return e.assigned_on;
  else if constexpr (requires { e.released_on; }) return e.released_on;
  else if constexpr (requires { e.formed_on; }) return e.formed_on;
  else if constexpr (requires { e.added_on; }) return e.added_on;
  else if constexpr (requires { e.dissolved_on; }) return e.dissolved_on;
  else if constexpr (requires { e.designated_on; }) return e.designated_on;
  else if constexpr (requires { e.struck_off_on; }) return e.struck_off_on;
  else if constexpr (requires { e.withdrawn_on; }) return e.withdrawn_on;
  else return std::nullopt;
}

}  // namespace

domain::date projection_state::baseline_day() const {
  const campaign_record* last = nullptr;
  for (const auto& [id, c] : campaigns_)
    if (last == nullptr || c.opened_at > last->opened_at) last = &c;
  return last == nullptr ? domain::date{} : last->starts_on;
}

void projection_state::apply(const eventstore::recorded_event& recorded, const domain::event& event, keyed_state& keyed) {
  // "On the existing base": a fact recorded after the campaign opened but dated before its start
  // (an org registered years ago found by the survey, an organization formed before, ...) was
  // part of the base its progress is measured from, so it moves the baseline as well.
  if (!campaigns_.empty()) {
    const auto day = std::visit([](const auto& e) { return day_of_fact(e); }, event);
    model_.set_backdated(day.has_value() && *day < baseline_day());
  }
  std::visit(handler{*this, recorded, keyed}, event);
  model_.set_backdated(false);
  if (audit_indexing_) index_audit(recorded, event, keyed);
  last_applied_ = recorded.pos;
  ++events_applied_;
}

node_index projection_state::jurisdiction_of(const domain::event& event) const {
  auto of_org = [&](domain::organization_id id) -> node_index {
    auto i = model_.find_org(id);
    return i ? model_.org(*i).node : no_node;
  };
  auto of_member = [&](domain::member_id id) -> node_index {
    const auto i = member_ids_.find(id.value);
    return i != domain::id_slots::none ? model_.org(members_.get(i).org).node : no_node;
  };
  auto of_code = [&](const domain::jurisdiction_code& c) -> node_index {
    auto n = model_.tree().find(c.value);
    return n ? *n : no_node;
  };
  auto of_orgs = [&](const std::vector<domain::organization_id>& orgs) {
    return orgs.empty() ? no_node : of_org(orgs.front());
  };
  // An interview's follow-up (held, rectification items set and done, closed, escalated) names
  // only the interview: it belongs to the jurisdiction the interview was scheduled for, so that
  // jurisdiction's audit trail holds the whole of it (the escalation included; `to` is the level
  // it was passed to). Audit indexing runs after the event is applied, so the interview is known.
  auto of_interview = [&](domain::interview_id id) -> node_index {
    auto it = interviews_.find(id.value);
    if (it == interviews_.end()) return no_node;
    auto n = model_.tree().find(it->second.jurisdiction);
    return n ? *n : no_node;
  };
  return std::visit(
      overloaded{
          [&](const ev::jurisdiction_registered& e) { return of_code(e.code); },
          [&](const ev::jurisdiction_leader_assigned& e) { return of_code(e.code); },
          [&](const ev::action_plan_set& e) { return of_code(e.code); },
          [&](const ev::host_registered& e) { return of_code(e.jurisdiction); },
          [&](const ev::interview_scheduled& e) { return of_code(e.jurisdiction); },
          [&](const ev::instructor_assigned& e) { return of_orgs(e.orgs); },
          [&](const ev::organization_formed& e) { return of_orgs(e.orgs); },
          [&](const ev::organization_orgs_added& e) { return of_orgs(e.orgs); },
          [&](const ev::organization_orgs_removed& e) { return of_orgs(e.orgs); },
          [&](const auto& e) -> node_index {
            using E = std::decay_t<decltype(e)>;
            if constexpr (requires { e.org; }) {
              if constexpr (std::is_same_v<std::decay_t<decltype(e.org)>, domain::organization_id>) return of_org(e.org);
              return no_node;
            } else if constexpr (requires { e.member; })
              return of_member(e.member);
            else if constexpr (requires { e.interview; })
              return of_interview(e.interview);
            else if constexpr (requires { e.campaign; })
              return model_.tree().root();
            else {
              (void)sizeof(E);
              return no_node;
            }
          }},
      event);
}

// The audit index. Per axis value (actor, jurisdiction, event type) the lines of one checkpoint
// form one posting, written as one key that ends with the position of its last line, so a scan
// from <value>\0<after + 1> finds every posting holding a line after `after`, in log order. By
// entity needs no line of its own: the event store keeps every stream (read_stream). The time
// index is ordered by time, not by position: its lines are kept per minute of their timestamp
// (audit_time_bucket_ms), one posting per minute and checkpoint, keyed by the minute and then by
// the posting's last position; a reader takes a minute's postings together and orders their
// lines by (time, position) (audit.cc). It was one key per event (a/m/<ms><pos>), half the keys
// a checkpoint wrote; a store that still holds those is rebuilt at open (runner.cc).
//
//   a/u/<user>\0<u64 last pos>  a/j/<jurisdiction code>\0<u64 last pos>  a/y/<type>\0<u64 last pos>
//       value = line line ... (log order)
//   a/t/<u64 minute = timestamp ms / 60,000><u64 last pos>      value = line line ... (log order)
//   line  = <pos, 8 bytes><timestamp ms, 8 bytes>   (audit_line_size; the hash is the log's)
void projection_state::index_audit(const eventstore::recorded_event& recorded, const domain::event& event,
                                   keyed_state& keyed) {
  std::array<char, audit_line_size> line;  // on the stack: no allocation per event
  binary::put_key_u64(line.data(), recorded.pos.value);
  binary::put_key_u64(line.data() + 8, static_cast<std::uint64_t>(recorded.metadata.timestamp_ms));
  const std::string_view value(line.data(), line.size());
  std::string& prefix = audit_prefix_scratch_;
  auto build_prefix = [&](std::string_view axis, std::string_view name) {
    prefix.assign("a/");
    prefix.append(axis);
    prefix.push_back('/');
    prefix.append(name);
    prefix.push_back('\0');
  };
  if (audit_epoch_ != keyed.postings_epoch()) {
    audit_epoch_ = keyed.postings_epoch();
    audit_by_node_.assign(audit_by_node_.size(), keyed_state::no_posting);
    for (auto& t : audit_by_type_) t.second = keyed_state::no_posting;
    audit_by_time_ = keyed_state::no_posting;
    std::fill(audit_actor_slots_.begin(), audit_actor_slots_.end(), actor_slot{});
    audit_actors_ = 0;
    audit_actor_names_.clear();
  }
  if (const std::string_view user = recorded.metadata.by.user; !user.empty()) {
    const std::uint64_t hash = std::hash<std::string_view>{}(user);
    auto p = find_actor(user, hash);
    if (p == keyed_state::no_posting) {
      build_prefix("u", user);
      p = keyed.posting_at(prefix);
      add_actor(user, hash, p);
    }
    keyed.append_line(p, value);
  }
  if (auto n = jurisdiction_of(event); n != no_node) {
    if (audit_by_node_.size() <= n) audit_by_node_.resize(std::size_t{n} + 1, keyed_state::no_posting);
    auto& p = audit_by_node_[n];
    if (p == keyed_state::no_posting) {
      build_prefix("j", model_.tree().at(n).code);
      p = keyed.posting_at(prefix);
    }
    keyed.append_line(p, value);
  }
  auto& [type_name, type_posting] = audit_by_type_[event.index()];
  if (type_posting == keyed_state::no_posting || type_name != recorded.type) {
    build_prefix("y", recorded.type);
    type_name = recorded.type;
    type_posting = keyed.posting_at(prefix);
  }
  keyed.append_line(type_posting, value);
  const std::uint64_t bucket = audit_time_bucket(recorded.metadata.timestamp_ms);
  if (audit_by_time_ == keyed_state::no_posting || audit_time_bucket_ != bucket) {
    prefix.assign(audit_time_prefix);
    binary::key_u64(prefix, bucket);
    audit_time_bucket_ = bucket;
    audit_by_time_ = keyed.posting_at(prefix);
  }
  keyed.append_line(audit_by_time_, value);
}

keyed_state::posting_id projection_state::find_actor(std::string_view user, std::uint64_t hash) const {
  if (audit_actor_slots_.empty()) return keyed_state::no_posting;
  const std::size_t mask = audit_actor_slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const auto& s = audit_actor_slots_[i];
    if (s.posting == keyed_state::no_posting) return keyed_state::no_posting;
    if (s.hash != hash || s.size != user.size()) continue;
    const char* name = s.size <= s.name.size() ? s.name.data() : audit_actor_names_.data() + s.spilled;
    if (std::string_view(name, s.size) == user) return s.posting;
  }
}

void projection_state::add_actor(std::string_view user, std::uint64_t hash, keyed_state::posting_id posting) {
  if (2 * (audit_actors_ + 1) > audit_actor_slots_.size()) {
    std::vector<actor_slot> grown(std::max<std::size_t>(1024, 2 * audit_actor_slots_.size()));
    const std::size_t mask = grown.size() - 1;
    for (const auto& s : audit_actor_slots_) {
      if (s.posting == keyed_state::no_posting) continue;
      std::size_t i = s.hash & mask;
      while (grown[i].posting != keyed_state::no_posting) i = (i + 1) & mask;
      grown[i] = s;
    }
    audit_actor_slots_.swap(grown);
  }
  const std::size_t mask = audit_actor_slots_.size() - 1;
  std::size_t i = hash & mask;
  while (audit_actor_slots_[i].posting != keyed_state::no_posting) i = (i + 1) & mask;
  auto& s = audit_actor_slots_[i];
  s.hash = hash;
  s.posting = posting;
  s.size = static_cast<std::uint32_t>(user.size());
  if (user.size() <= s.name.size()) {
    std::copy(user.begin(), user.end(), s.name.begin());
  } else {
    s.spilled = static_cast<std::uint32_t>(audit_actor_names_.size());
    audit_actor_names_.append(user);
  }
  ++audit_actors_;
}

// ---- persistence ----

namespace {

std::string encode_member(std::uint64_t id, const member_record& m) {
  binary::writer w;
  w.u(id);
  w.u(m.org);
  w.u(m.affiliation);
  w.u(m.formal);
  w.u(m.status);
  w.u(m.flags);
  return w.take();
}

std::string encode_branch(const branch_record& b) {
  binary::writer w;
  w.u(b.id);
  w.u(b.type);
  w.u(b.mode);
  w.u(b.dissolved);
  w.u(b.orgs.size());
  for (auto o : b.orgs) w.u(o);
  return w.take();
}

std::string encode_instructor(const instructor_record& r) {
  binary::writer w;
  w.u(r.id);
  w.u(r.affiliation);
  w.u(r.released);
  w.u(r.orgs.size());
  for (auto o : r.orgs) w.u(o);
  return w.take();
}

// The workflow value ("w", and inside snapshots):
//   version 1: campaigns count, campaigns, bulletins, interviews (no place, no answer).
//   version 2: the marker kWorkflowV2, then as version 1 with, per interview: the place after
//              the scheduled time; held time, answer and pledge after the status; each item's
//              done date after its done flag; conclusion, closed date, then escalation reason and
//              date around escalated_to.
//   version 3: the marker kWorkflowV3, then as version 2 with each interview's affiliation after
//              its place.
//   version 4: the marker kWorkflowV4, then as version 3 with each interview's last changing
//              position at its end (earlier versions read it as the scheduling position: it only
//              tells a running server's subscribers what changed since they were sent it, and
//              they all subscribed after the load).
// Version 1 began with the campaigns count, which is never near the markers, so the first varint
// tells them apart and stores written before version 2 still load. Versions 1 and 2 were written
// before League interviews existed: their interviews are Party interviews, so a store of either
// reads correctly without a rebuild.
constexpr std::uint64_t kWorkflowV2 = 0xffff'ffff'ffff'ff02ULL;
constexpr std::uint64_t kWorkflowV3 = 0xffff'ffff'ffff'ff03ULL;
constexpr std::uint64_t kWorkflowV4 = 0xffff'ffff'ffff'ff04ULL;

void write_bulletin(binary::writer& w, const bulletin_record& b) {
  w.u(b.campaign);
  w.u(b.round);
  w.i(b.as_of.days_since_epoch);
  w.u(b.log_position);
  w.u(b.position);
  w.u(b.rankings.size());
  for (const auto& r : b.rankings) write_ranking(w, r);
}

bulletin_record read_bulletin(binary::reader& r) {
  bulletin_record b;
  b.campaign = r.u();
  b.round = static_cast<std::uint32_t>(r.u());
  b.as_of.days_since_epoch = static_cast<std::int32_t>(r.i());
  b.log_position = r.u();
  b.position = r.u();
  auto rankings = r.u();
  for (std::uint64_t j = 0; j < rankings && r.ok(); ++j) b.rankings.push_back(read_ranking(r));
  return b;
}

void write_interview(binary::writer& w, const interview_record& r) {
  w.u(r.id);
  w.u(r.campaign);
  w.str(r.jurisdiction);
  w.str(r.responsible_person);
  w.u(r.reasons.size());
  for (auto reason : r.reasons) w.u(idx(reason));
  w.u(r.round);
  w.i(r.scheduled_at_ms);
  w.str(r.place);
  w.u(idx(r.affiliation));
  w.u(idx(r.status));
  w.i(r.held_at_ms);
  w.str(r.answer);
  w.str(r.pledge);
  w.u(r.items.size());
  for (std::size_t k = 0; k < r.items.size(); ++k) {
    w.str(r.items[k].problem);
    w.str(r.items[k].requirement);
    w.i(r.items[k].deadline.days_since_epoch);
    w.u(r.items_done[k]);
    w.i(r.items_done_on[k].days_since_epoch);
  }
  w.str(r.conclusion);
  w.i(r.closed_on.days_since_epoch);
  w.str(r.escalated_to);
  w.str(r.escalation_reason);
  w.i(r.escalated_on.days_since_epoch);
  w.u(r.scheduled_at_position);
  w.u(r.changed_at_position);
}

// `version`: the workflow value's (1 to 4) the interview was written in.
interview_record read_interview(binary::reader& r, int version) {
  const bool v2 = version >= 2, v3 = version >= 3, v4 = version >= 4;
  interview_record iv;
  iv.id = r.u();
  iv.campaign = r.u();
  iv.jurisdiction = r.str();
  iv.responsible_person = r.str();
  auto reasons = r.u();
  for (std::uint64_t j = 0; j < reasons && r.ok(); ++j) iv.reasons.push_back(static_cast<domain::interview_reason>(r.u()));
  iv.round = static_cast<std::uint32_t>(r.u());
  iv.scheduled_at_ms = r.i();
  if (v2) iv.place = r.str();
  if (v3) iv.affiliation = static_cast<domain::member_affiliation>(r.u());
  iv.status = static_cast<domain::interview_status>(r.u());
  if (v2) {
    iv.held_at_ms = r.i();
    iv.answer = r.str();
    iv.pledge = r.str();
  }
  auto items = r.u();
  for (std::uint64_t j = 0; j < items && r.ok(); ++j) {
    domain::rectification_item item;
    item.problem = r.str();
    item.requirement = r.str();
    item.deadline.days_since_epoch = static_cast<std::int32_t>(r.i());
    iv.items.push_back(std::move(item));
    iv.items_done.push_back(r.u() != 0);
    iv.items_done_on.push_back(domain::date{v2 ? static_cast<std::int32_t>(r.i()) : 0});
  }
  if (v2) {
    iv.conclusion = r.str();
    iv.closed_on.days_since_epoch = static_cast<std::int32_t>(r.i());
  }
  iv.escalated_to = r.str();
  if (v2) {
    iv.escalation_reason = r.str();
    iv.escalated_on.days_since_epoch = static_cast<std::int32_t>(r.i());
  }
  iv.scheduled_at_position = r.u();
  iv.changed_at_position = v4 ? r.u() : iv.scheduled_at_position;
  return iv;
}

std::string encode_workflow(const std::map<std::uint64_t, campaign_record>& campaigns,
                            const std::vector<bulletin_record>& bulletins,
                            const std::map<std::uint64_t, interview_record>& interviews) {
  binary::writer w;
  w.u(kWorkflowV4);
  w.u(campaigns.size());
  for (const auto& [id, c] : campaigns) {
    w.u(c.id);
    w.str(c.name);
    w.i(c.starts_on.days_since_epoch);
    w.i(c.ends_on.days_since_epoch);
    w.u(c.cadence_days);
    w.u(idx(c.ranking_indicator));
    w.u(idx(c.tie_break_indicator));
    w.u(c.rules.bottom_n);
    w.u(c.rules.bottom_percent);
    w.u(c.rules.no_progress_since_last_bulletin);
    w.u(c.rules.below_target_rate_permille);
    w.u(c.closed);
    w.u(c.opened_at);
  }
  w.u(bulletins.size());
  for (const auto& b : bulletins) write_bulletin(w, b);
  w.u(interviews.size());
  for (const auto& [id, r] : interviews) write_interview(w, r);
  return w.take();
}

bool decode_workflow(std::string_view bytes, std::map<std::uint64_t, campaign_record>& campaigns,
                     std::vector<bulletin_record>& bulletins, std::map<std::uint64_t, interview_record>& interviews) {
  binary::reader r(bytes);
  auto n = r.u();
  const int version = n == kWorkflowV4 ? 4 : n == kWorkflowV3 ? 3 : n == kWorkflowV2 ? 2 : 1;
  if (version >= 2) n = r.u();
  for (std::uint64_t k = 0; k < n && r.ok(); ++k) {
    campaign_record c;
    c.id = r.u();
    c.name = r.str();
    c.starts_on.days_since_epoch = static_cast<std::int32_t>(r.i());
    c.ends_on.days_since_epoch = static_cast<std::int32_t>(r.i());
    c.cadence_days = static_cast<std::uint32_t>(r.u());
    c.ranking_indicator = static_cast<domain::indicator>(r.u());
    c.tie_break_indicator = static_cast<domain::indicator>(r.u());
    c.rules.bottom_n = static_cast<std::uint32_t>(r.u());
    c.rules.bottom_percent = static_cast<std::uint32_t>(r.u());
    c.rules.no_progress_since_last_bulletin = r.u() != 0;
    c.rules.below_target_rate_permille = static_cast<std::uint32_t>(r.u());
    c.closed = r.u() != 0;
    c.opened_at = r.u();
    campaigns[c.id] = std::move(c);
  }
  n = r.u();
  for (std::uint64_t k = 0; k < n && r.ok(); ++k) bulletins.push_back(read_bulletin(r));
  n = r.u();
  for (std::uint64_t k = 0; k < n && r.ok(); ++k) {
    auto iv = read_interview(r, version);
    interviews[iv.id] = std::move(iv);
  }
  return r.ok() && r.at_end();
}

// Persisted apart from the campaigns ("w"), so that a checkpoint writes only what changed: each
// bulletin once, under its event's position (w/b/<u64 position>: loaded back in log order), and
// each interview when it changed (w/i/<u64 id>), as the interview part of a version-4 value.
// Until 2026-12-07 "w" held them all and was written whole whenever one interview changed: with
// League rankings in every bulletin (6,432 each) and the demo's 24,000 interviews, the demo spent
// a quarter of its CPU compacting those copies.
std::string bulletin_key(const bulletin_record& b) {
  std::string k = "w/b/";
  binary::key_u64(k, b.position);
  return k;
}
std::string interview_key(std::uint64_t id) {
  std::string k = "w/i/";
  binary::key_u64(k, id);
  return k;
}
std::string encode_bulletin(const bulletin_record& b) {
  binary::writer w;
  write_bulletin(w, b);
  return w.take();
}
std::string encode_interview(const interview_record& r) {
  binary::writer w;
  write_interview(w, r);
  return w.take();
}

}  // namespace

void projection_state::persist_into(eventstore::consumer_commit& commit) {
  for (auto n : model_.drain_dirty_nodes()) commit.puts.emplace_back(key_with_index('n', n), model_.encode_node(n));
  for (auto i : model_.drain_dirty_orgs()) commit.puts.emplace_back(key_with_index('o', i), model_.encode_org(i));
  std::sort(dirty_members_.begin(), dirty_members_.end());
  for (auto i : dirty_members_) {
    commit.puts.emplace_back(key_with_index('p', i), encode_member(member_ids_.id_at(i), members_.get(i)));
    member_dirty_[i] = false;
  }
  dirty_members_.clear();
  std::sort(dirty_branches_.begin(), dirty_branches_.end());
  for (auto i : dirty_branches_) {
    commit.puts.emplace_back(key_with_index('b', i), encode_branch(branches_[i]));
    branch_dirty_[i] = false;
  }
  dirty_branches_.clear();
  // The letters' index lines since the last checkpoint, as postings (member_transfers.h), placed
  // so that the puts stay a few runs in key order: d/ and g/ between b/ and i/, r/ after i/.
  letter_lines_.drain(letter_index::branch, commit.puts);
  letter_lines_.drain(letter_index::org, commit.puts);
  std::sort(dirty_instructors_.begin(), dirty_instructors_.end());
  for (auto i : dirty_instructors_) {
    commit.puts.emplace_back(key_with_index('i', i), encode_instructor(instructors_[i]));
    instructor_dirty_[i] = false;
  }
  dirty_instructors_.clear();
  letter_lines_.drain(letter_index::member, commit.puts);
  if (campaigns_dirty_) {
    commit.puts.emplace_back("w", encode_workflow(campaigns_, {}, {}));
    campaigns_dirty_ = false;
  }
  for (auto i : dirty_bulletins_) commit.puts.emplace_back(bulletin_key(bulletins_[i]), encode_bulletin(bulletins_[i]));
  dirty_bulletins_.clear();
  std::sort(dirty_interviews_.begin(), dirty_interviews_.end());
  dirty_interviews_.erase(std::unique(dirty_interviews_.begin(), dirty_interviews_.end()), dirty_interviews_.end());
  for (auto id : dirty_interviews_) commit.puts.emplace_back(interview_key(id), encode_interview(interviews_.at(id)));
  dirty_interviews_.clear();
  binary::writer meta;
  meta.u(last_applied_.value);
  meta.u(events_applied_);
  meta.str(model_.encode_meta());
  commit.puts.emplace_back("m", meta.take());
  commit.puts.emplace_back(std::string(audit_line_marker), std::to_string(audit_line_size));
  commit.puts.emplace_back(std::string(projection_layout_key), std::to_string(projection_layout_version));
}

bool projection_state::load(const eventstore::event_store& store, std::string_view consumer) {
  *this = projection_state();
  auto meta = store.consumer_get(consumer, "m");
  if (!meta) return false;
  if (!*meta) return true;  // nothing persisted yet: the empty state
  binary::reader r(**meta);
  last_applied_ = eventstore::position{r.u()};
  events_applied_ = r.u();
  if (!model_.restore_meta(r.str()) || !r.ok()) return false;
  bool ok = true;
  auto scan = [&](char prefix, auto&& each) {
    std::string p{prefix, '/'};
    auto res = store.consumer_scan(consumer, p, eventstore::read_direction::forward,
                                   [&](std::string_view key, std::string_view value) {
                                     if (!key.starts_with(p)) return false;
                                     if (!each(binary::parse_key_u32(key.substr(2)), value)) ok = false;
                                     return ok;
                                   });
    if (!res) ok = false;
  };
  scan('n', [&](std::uint32_t i, std::string_view v) { return model_.restore_node(i, v); });
  model_.finish_nodes();
  scan('o', [&](std::uint32_t i, std::string_view v) { return model_.restore_org(i, v); });
  scan('p', [&](std::uint32_t i, std::string_view v) { return restore_member(i, v); });
  scan('b', [&](std::uint32_t i, std::string_view v) { return restore_branch(i, v); });
  scan('i', [&](std::uint32_t i, std::string_view v) { return restore_instructor(i, v); });
  // "w" holds the campaigns (and, written before the bulletins and interviews had keys of their
  // own, those too: such a store still loads).
  auto workflow = store.consumer_get(consumer, "w");
  if (!workflow) return false;
  if (*workflow && !decode_workflow(**workflow, campaigns_, bulletins_, interviews_)) return false;
  auto scan_workflow = [&](std::string_view prefix, auto&& each) {
    auto res = store.consumer_scan(consumer, prefix, eventstore::read_direction::forward,
                                   [&](std::string_view key, std::string_view value) {
                                     if (!key.starts_with(prefix)) return false;
                                     binary::reader record(value);
                                     each(record);
                                     if (!record.ok() || !record.at_end()) ok = false;
                                     return ok;
                                   });
    if (!res) ok = false;
  };
  scan_workflow("w/b/", [&](binary::reader& record) { bulletins_.push_back(read_bulletin(record)); });
  scan_workflow("w/i/", [&](binary::reader& record) {
    auto iv = read_interview(record, 4);
    interviews_[iv.id] = std::move(iv);
  });
  campaigns_dirty_ = false;
  // Everything just loaded is what the store holds: nothing is dirty.
  model_.drain_dirty_nodes();
  model_.drain_dirty_orgs();
  return ok;
}

std::string projection_state::canonical() const {
  binary::writer w;
  w.u(last_applied_.value);
  w.u(events_applied_);
  model_.canonical(w);
  w.u(members_.size());
  for (std::uint32_t i = 0; i < members_.size(); ++i) w.str(encode_member(member_ids_.id_at(i), members_.get(i)));
  w.u(branches_.size());
  for (const auto& b : branches_) w.str(encode_branch(b));
  w.u(instructors_.size());
  for (const auto& ins : instructors_) w.str(encode_instructor(ins));
  w.str(encode_workflow(campaigns_, bulletins_, interviews_));
  return w.take();
}

bool projection_state::restore_canonical(std::string_view bytes) {
  const bool audit = audit_indexing_;
  *this = projection_state();
  audit_indexing_ = audit;
  binary::reader r(bytes);
  last_applied_ = eventstore::position{r.u()};
  events_applied_ = r.u();
  if (!model_.restore_canonical(r)) return false;
  const auto members = r.u();
  for (std::uint64_t i = 0; i < members && r.ok(); ++i) {
    if (!restore_member(static_cast<std::uint32_t>(i), r.str())) return false;
  }
  const auto branches = r.u();
  for (std::uint64_t i = 0; i < branches && r.ok(); ++i) {
    if (!restore_branch(static_cast<std::uint32_t>(i), r.str())) return false;
  }
  const auto instructors = r.u();
  for (std::uint64_t i = 0; i < instructors && r.ok(); ++i) {
    if (!restore_instructor(static_cast<std::uint32_t>(i), r.str())) return false;
  }
  if (!decode_workflow(r.str(), campaigns_, bulletins_, interviews_)) return false;
  campaigns_dirty_ = false;
  return r.ok() && r.at_end();
}

bool projection_state::restore_member(std::uint32_t i, std::string_view v) {
  binary::reader rd(v);
  std::uint64_t id = rd.u();
  member_record m;
  m.org = static_cast<org_index>(rd.u());
  m.affiliation = static_cast<std::uint8_t>(rd.u());
  m.formal = static_cast<std::uint8_t>(rd.u());
  m.status = static_cast<std::uint8_t>(rd.u());
  m.flags = static_cast<std::uint8_t>(rd.u());
  if (!rd.ok() || !rd.at_end()) return false;
  // Members are persisted from the event that first names them, so they come back numbered
  // 0, 1, 2 … (a gap or a repeated id means the stored state is damaged).
  if (i != members_.size() || member_ids_.find(id) != domain::id_slots::none) return false;
  member_ids_.insert(id);
  members_.push_back(m);
  member_dirty_.push_back(false);
  return true;
}

namespace {
// A count followed by that many org indices, as the branch and instructor records store them.
void read_org_list(binary::reader& rd, std::vector<org_index>& orgs) {
  const auto n = rd.u();
  for (std::uint64_t k = 0; k < n && rd.ok(); ++k) orgs.push_back(static_cast<org_index>(rd.u()));
}
}  // namespace

bool projection_state::restore_branch(std::uint32_t i, std::string_view v) {
  binary::reader rd(v);
  branch_record b;
  b.id = rd.u();
  b.type = static_cast<std::uint8_t>(rd.u());
  b.mode = static_cast<std::uint8_t>(rd.u());
  b.dissolved = rd.u() != 0;
  read_org_list(rd, b.orgs);
  if (branches_.size() <= i) {
    branches_.resize(i + 1);
    branch_dirty_.resize(i + 1, false);
  }
  branch_index_.insert(b.id + 1, i);
  branches_[i] = std::move(b);
  return rd.ok() && rd.at_end();
}

bool projection_state::restore_instructor(std::uint32_t i, std::string_view v) {
  binary::reader rd(v);
  instructor_record ins;
  ins.id = rd.u();
  ins.affiliation = static_cast<std::uint8_t>(rd.u());
  ins.released = rd.u() != 0;
  read_org_list(rd, ins.orgs);
  if (instructors_.size() <= i) {
    instructors_.resize(i + 1);
    instructor_dirty_.resize(i + 1, false);
  }
  instructor_index_.insert(ins.id + 1, i);
  instructors_[i] = std::move(ins);
  return rd.ok() && rd.at_end();
}

}  // namespace gongjian::projections
