#pragma once
// The in-memory read model behind indicators and rankings: the jurisdiction tree with one
// counter_block per node, and one packed org_record per organization. It is updated
// incrementally: a change to one organization recomputes that organization's contribution (its
// derived flags: in scope, eligible, has a standalone organization, covered, work covered, ...)
// and pushes only the difference to its jurisdiction and every ancestor up to the nation. Event
// counts (disclosures, transfers, members developed) are pushed up the same chain.
//
// It also keeps two frozen copies of every node's counters: at the campaign's baseline (when the
// campaign opened) and at the last bulletin, so every indicator has its change since each. While
// `set_backdated(true)` holds, every change goes to the baseline as well: the projections set it
// for a fact recorded after the campaign opened but dated before its start, which was part of the
// existing base the campaign's progress is measured from.
//
// Threading: single-threaded. The projection runner's thread is the only writer; readers on other
// threads go through the runner, which hands out consistent copies (see runner.h).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gongjian/domain/dense_table.h"
#include "gongjian/domain/ids.h"
#include "gongjian/projections/binary.h"
#include "gongjian/projections/indicators.h"
#include "gongjian/projections/jurisdiction_tree.h"
#include "gongjian/projections/org_table.h"

namespace gongjian::projections {

class read_model {
 public:
  read_model();

  // ---- jurisdictions ----
  const jurisdiction_tree& tree() const { return tree_; }
  node_index ensure_jurisdiction(std::string_view code, std::string_view parent_code = {},
                                 std::optional<level> lvl = {}, std::string_view name = {});
  void set_responsible_leader(node_index n, std::string leader);

  // ---- organizations ----
  std::optional<org_index> find_org(domain::organization_id id) const;
  // Registers (or re-registers after a correction) an organization under a jurisdiction;
  // `operating` false (a shell or dormant firm) keeps it out of the base (flag_not_operating).
  org_index register_org(domain::organization_id id, node_index node, org_kind kind, bool operating = true);
  const org_record& org(org_index i) const { return orgs_[i]; }
  domain::organization_id org_id(org_index i) const { return domain::organization_id{org_ids_.id_at(i)}; }
  std::size_t org_count() const { return orgs_.size(); }

  // Changes one organization: `change` edits the record; the change of the organization's
  // contribution is pushed to its old and new jurisdiction chains. Counts that would go below
  // zero stay at zero and are counted in anomalies() (an event the read side cannot place).
  template <class F>
  void mutate_org(org_index i, F&& change) {
    // The org's jurisdiction's counters are a cache miss in a large tree (most of
    // push_difference's time): asked for now, they arrive while the contributions are computed.
    if (const node_index n = orgs_[i].node; n < current_.size()) {
      const char* block = reinterpret_cast<const char*>(&current_[n]);
      for (std::size_t line = 0; line < sizeof(counter_block); line += 64) __builtin_prefetch(block + line, 1);
    }
    org_record before = orgs_[i];
    change(orgs_[i]);
    push_difference(before, orgs_[i]);
    mark_org_dirty(i);
  }
  // Adds `delta` to one counter of a node and all its ancestors (event counts).
  void count(node_index n, std::size_t counter_index, std::int64_t delta);
  // Adds `delta` to one counter of one node only (a count that is not a sum over the children:
  // instructors, who may cover orgs under several of them).
  void count_at(node_index n, std::size_t counter_index, std::int64_t delta);
  void note_anomaly() { ++anomalies_; }
  std::uint64_t anomalies() const { return anomalies_; }

  // ---- counters and indicators ----
  const counter_block& counters(node_index n) const { return current_[n]; }
  const counter_block& baseline(node_index n) const { return baseline_[n]; }
  const counter_block& at_last_bulletin(node_index n) const { return last_bulletin_[n]; }
  indicator_value value(node_index n, indicator i, twin t) const { return evaluate(current_[n], i, t); }
  // Freezes the current counters as the campaign baseline / as of the last bulletin.
  void freeze_baseline();
  void freeze_bulletin();
  void set_backdated(bool on) { backdated_ = on; }

  // ---- persistence (driven by the runner) ----
  // Nodes and organizations changed since the last drain, each once, in ascending order.
  std::vector<node_index> drain_dirty_nodes();
  std::vector<org_index> drain_dirty_orgs();
  std::string encode_node(node_index n) const;
  std::string encode_org(org_index i) const;
  // Restoring: nodes first (in any order), then finish_nodes(), then organizations.
  bool restore_node(node_index n, std::string_view bytes);
  void finish_nodes();
  bool restore_org(org_index i, std::string_view bytes);
  std::string encode_meta() const;
  bool restore_meta(std::string_view bytes);

  // Canonical serialization of the whole model: equal models give equal bytes; readable back.
  void canonical(binary::writer& out) const;
  bool restore_canonical(binary::reader& in);

 private:
  void push_difference(const org_record& before, const org_record& after);
  void add_contribution(const org_record& r, std::int64_t sign);
  void mark_org_dirty(org_index i);
  void mark_node_dirty(node_index n);
  void grow_nodes();

  jurisdiction_tree tree_;
  std::vector<counter_block> current_;
  std::vector<counter_block> baseline_;
  std::vector<counter_block> last_bulletin_;
  // By org_index, in the order organizations were first seen. Chunked: at ten million orgs a
  // doubling vector would briefly hold its old and new buffers (hundreds of MB) while it moves.
  domain::chunked_array<org_record> orgs_;
  domain::id_slots org_ids_;  // org_index <-> domain id
  std::uint64_t anomalies_ = 0;
  bool backdated_ = false;

  std::vector<bool> node_dirty_;
  std::vector<node_index> dirty_nodes_;
  std::vector<bool> org_dirty_;
  std::vector<org_index> dirty_orgs_;
};

// The counters one organization contributes to its jurisdiction chain (zero when out of scope),
// written into `out` (which is cleared first). Exposed for tests of the definitions.
void org_contribution(const org_record& r, counter_block& out);

}  // namespace gongjian::projections
