#pragma once
// Everything the projections derive from the log, and the one function that folds an event into
// it. The in-memory part (read_model for indicators and rankings; compact member, branch and
// instructor tables needed to place later events; the campaign/bulletin/interview workflow
// state) is small per organization; the ledger and the audit index go to keyed_state (RocksDB).
//
// Threading: single-threaded; the runner's thread owns it.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gongjian/domain/dense_table.h"
#include "gongjian/domain/events.h"
#include "gongjian/eventstore/types.h"
#include "gongjian/projections/keyed_state.h"
#include "gongjian/projections/ledger.h"
#include "gongjian/projections/member_transfers.h"
#include "gongjian/projections/read_model.h"

namespace gongjian::projections {

// The layout of what the projections keep, written with every checkpoint under
// projection_layout_key. A build that starts keeping something a store of an older layout lacks
// (and cannot derive from what it holds) bumps the version: projection_runner::open then resets a
// consumer whose stored version differs, and its projections start again from the log's first
// event, once. The same goes for a change to what a stored counter means (node records and
// snapshots would be read as today's). Versions:
//   1 (no key stored): every build before 2;
//   2: each member's transfer letters indexed under r/ (member_transfers.h);
//   3: counter::instructors_assigned counts instructors, not instructor-to-org assignments, and a
//      jurisdiction's audit trail holds its interviews' follow-up;
//   4: (3343e99 to 826cd65, taken out) each letter's state under e/ and one key per letter under
//      d/ and g/; its d/ and g/ keys are not today's postings, so a store of it starts again too;
//   5: the letters addressed to each branch (d/) and of each org's members (g/), and a member's
//      letters (r/, one key per letter before), as postings (member_transfers.h); each bulletin
//      (w/b/) and interview (w/i/) under a key of its own (a `w` holding them still loads);
//   6: an org recorded as a shell or dormant firm is out of the base (org_record's
//      flag_not_operating), which states of 5 and before do not know;
//   7: a fact recorded after the campaign opened but dated before its start is in the baseline
//      too (projection_state::baseline_day), which states of 6 and before left out of it.
inline constexpr std::string_view projection_layout_key = "v";
inline constexpr std::uint32_t projection_layout_version = 7;

// One of an organization's members, packed into 8 bytes: where the member works and the bits that
// decide whether they count towards the 3-formal-member rule (formal, and disclosed or active).
struct member_record {
  org_index org = 0;
  std::uint8_t affiliation = 0;  // twin
  std::uint8_t formal = 0;
  std::uint8_t status = 0;  // domain::member_status
  std::uint8_t flags = 0;   // bit 0 present in the org, bit 1 attached to a nearby organization
  bool present() const { return flags & 1; }
  bool attached() const { return flags & 2; }
  bool counts_as_formal() const {
    return present() && formal &&
           (status == static_cast<std::uint8_t>(domain::member_status::disclosed) ||
            status == static_cast<std::uint8_t>(domain::member_status::active));
  }
  bool operator==(const member_record&) const = default;
};

// The members' records in two columns, 5 bytes a member instead of 8 (30 million members: 90 MB):
// the org, and one byte for affiliation (1 bit), formal (1), status (3) and flags (2).
class member_table {
 public:
  std::size_t size() const { return orgs_.size(); }
  void push_back(const member_record& m) {
    orgs_.push_back(m.org);
    bits_.push_back(pack(m));
  }
  member_record get(std::size_t i) const {
    const std::uint8_t b = bits_[i];
    member_record m;
    m.org = orgs_[i];
    m.affiliation = static_cast<std::uint8_t>(b & 1u);
    m.formal = static_cast<std::uint8_t>((b >> 1) & 1u);
    m.status = static_cast<std::uint8_t>((b >> 2) & 7u);
    m.flags = static_cast<std::uint8_t>(b >> 5);
    return m;
  }
  void set(std::size_t i, const member_record& m) {
    orgs_[i] = m.org;
    bits_[i] = pack(m);
  }

 private:
  static std::uint8_t pack(const member_record& m) {
    return static_cast<std::uint8_t>((m.affiliation & 1u) | ((m.formal & 1u) << 1) | ((m.status & 7u) << 2) |
                                     ((m.flags & 3u) << 5));
  }
  domain::chunked_array<org_index> orgs_;
  domain::chunked_array<std::uint8_t> bits_;
};

// A formed organization (党/团组织, 工会, 妇联) and the orgs it covers.
struct branch_record {
  std::uint64_t id = 0;
  std::uint8_t type = 0;  // branch_type
  std::uint8_t mode = 0;  // formation_mode
  bool dissolved = false;
  std::vector<org_index> orgs;
  bool operator==(const branch_record&) const = default;
};


struct instructor_record {
  std::uint64_t id = 0;
  std::uint8_t affiliation = 0;
  bool released = false;
  std::vector<org_index> orgs;
  bool operator==(const instructor_record&) const = default;
};

struct campaign_record {
  std::uint64_t id = 0;
  std::string name;
  domain::date starts_on;
  domain::date ends_on;
  std::uint32_t cadence_days = 15;
  domain::indicator ranking_indicator = domain::indicator::ledger_progress;
  domain::indicator tie_break_indicator = domain::indicator::standalone_formation_rate;
  domain::interview_rules rules;
  bool closed = false;
  std::uint64_t opened_at = 0;  // log position
  bool operator==(const campaign_record&) const = default;
};

struct bulletin_record {
  std::uint64_t campaign = 0;
  std::uint32_t round = 0;
  domain::date as_of;
  std::uint64_t log_position = 0;  // the position the frozen rankings reflect
  std::uint64_t position = 0;      // where the bulletin event itself sits
  // Every parent's ranking of its children, for each twin the bulletin ranked: bulletins issued
  // before League rankings were frozen hold Party rankings only.
  std::vector<domain::ranking> rankings;
  bool operator==(const bulletin_record&) const = default;
  // The ranking of `parent`'s children for `affiliation` (nullptr when the bulletin has none).
  const domain::ranking* ranking_of(std::string_view parent, domain::member_affiliation affiliation) const;
  bool ranked(domain::member_affiliation affiliation) const;
};

struct interview_record {
  std::uint64_t id = 0;
  std::uint64_t campaign = 0;
  std::string jurisdiction;  // code
  std::string responsible_person;
  std::vector<domain::interview_reason> reasons;
  std::uint32_t round = 0;
  std::int64_t scheduled_at_ms = 0;
  std::string place;
  domain::member_affiliation affiliation = domain::member_affiliation::party;  // whose ranking called it
  domain::interview_status status = domain::interview_status::scheduled;
  // What the interviewee said (表态), once the interview is held; held_at_ms 0 until then.
  std::int64_t held_at_ms = 0;
  std::string answer;
  std::string pledge;
  std::vector<domain::rectification_item> items;
  std::vector<bool> items_done;
  std::vector<domain::date> items_done_on;  // parallel to items; meaningful where items_done
  std::string conclusion;                   // once closed
  domain::date closed_on;
  std::string escalated_to;                 // once escalated: the level above, why and when
  std::string escalation_reason;
  domain::date escalated_on;
  std::uint64_t scheduled_at_position = 0;
  // The newest event that changed it (scheduled, held, items, closed, escalated): what the
  // interviews topic sends again after a pass.
  std::uint64_t changed_at_position = 0;
  bool operator==(const interview_record&) const = default;
};

class projection_state {
 public:
  projection_state();

  // Folds one recorded event (already decoded) into the state; ledger and audit writes go to
  // `keyed`. Events must come in log order, each exactly once.
  void apply(const eventstore::recorded_event& recorded, const domain::event& event, keyed_state& keyed);

  // As-of replays do not index the audit trail, nor the branches' and orgs' incoming letters,
  // again (the store already holds every line).
  void set_audit_indexing(bool on) { audit_indexing_ = on; }

  // Advances past an event this build cannot decode (the runner logs and counts it).
  void skip(const eventstore::recorded_event& recorded) {
    last_applied_ = recorded.pos;
    ++events_applied_;
  }

  const read_model& model() const { return model_; }
  // The transfer letters' index lines not checkpointed yet, which readers take beside the store's
  // postings (member_transfers.h).
  const letter_lines& pending_letter_lines() const { return letter_lines_; }
  eventstore::position last_applied() const { return last_applied_; }
  std::uint64_t events_applied() const { return events_applied_; }

  const std::map<std::uint64_t, campaign_record>& campaigns() const { return campaigns_; }
  const std::vector<bulletin_record>& bulletins() const { return bulletins_; }
  const std::map<std::uint64_t, interview_record>& interviews() const { return interviews_; }
  // The most recently opened campaign that is not closed, if any.
  const campaign_record* active_campaign() const;
  // The start of the campaign whose baseline the model holds (the last opened, closed or not): facts
  // dated before it are part of the baseline, whenever they are recorded. The zero date when none.
  domain::date baseline_day() const;
  // Bulletins of one campaign, by round (nullptr when none).
  const bulletin_record* bulletin(std::uint64_t campaign, std::uint32_t round) const;
  const bulletin_record* last_bulletin(std::uint64_t campaign) const;

  // The jurisdiction an event concerns, for the audit index (no_node when none).
  node_index jurisdiction_of(const domain::event& event) const;

  // ---- persistence ----
  // Writes everything changed since the last call into `commit` (as puts), and the small meta
  // record. The runner calls it at each checkpoint.
  void persist_into(eventstore::consumer_commit& commit);
  // Loads a persisted state back (the runner at start-up); false if the stored state is damaged.
  bool load(const eventstore::event_store& store, std::string_view consumer);

  // Canonical serialization of the whole in-memory state: equal states give equal bytes. It is
  // also the snapshot format (as_of.h): restore_canonical reads it back.
  std::string canonical() const;
  bool restore_canonical(std::string_view bytes);

 private:
  bool restore_member(std::uint32_t i, std::string_view bytes);
  bool restore_branch(std::uint32_t i, std::string_view bytes);
  bool restore_instructor(std::uint32_t i, std::string_view bytes);
  void apply_member_change(std::uint64_t member, const member_record& after);
  void cover(const branch_record& b, org_index org, int sign);
  std::optional<org_index> org_of(domain::organization_id id);
  void mark_member_dirty(std::uint32_t i);
  void mark_branch_dirty(std::uint32_t i);
  void mark_instructor_dirty(std::uint32_t i);
  // Instructors assigned, counted per node over the union of an instructor's orgs' chains.
  void count_instructor(const instructor_record& ins, int sign);
  void uncount_instructors_of(org_index org);
  void recount_uncounted_instructors();
  void write_ledger(const ledger_entry& e, keyed_state& keyed, bool is_new);
  void index_audit(const eventstore::recorded_event& recorded, const domain::event& event, keyed_state& keyed);

  // Event handlers, one per event that changes the read side.
  struct handler;
  friend struct handler;

  read_model model_;
  eventstore::position last_applied_;
  std::uint64_t events_applied_ = 0;

  // By member index, in the order members were first seen; with tens of millions of members the
  // ids sit in a compact id-to-index table (about 10 bytes a member, not 8 + 12 per index slot)
  // and the records in chunked columns (no doubling vector's copy at the peak).
  member_table members_;
  domain::id_slots member_ids_;
  std::vector<branch_record> branches_;
  org_key_index branch_index_;
  std::vector<instructor_record> instructors_;
  org_key_index instructor_index_;
  // Scratch of count_instructor and uncount_instructors_of, reused: no allocation per event.
  std::vector<node_index> instructor_nodes_scratch_;
  std::vector<std::uint32_t> instructors_uncounted_;

  std::map<std::uint64_t, campaign_record> campaigns_;
  std::vector<bulletin_record> bulletins_;
  std::map<std::uint64_t, interview_record> interviews_;
  // What the next checkpoint writes of the workflow: the campaigns ("w"), the bulletins issued
  // (indexes into bulletins_) and the interviews changed (ids, repeats allowed) since the last.
  bool campaigns_dirty_ = true;
  std::vector<std::size_t> dirty_bulletins_;
  std::vector<std::uint64_t> dirty_interviews_;
  bool audit_indexing_ = true;
  std::string audit_prefix_scratch_;  // reused by index_audit: no allocation per event
  // The postings index_audit appended to since keyed_state's postings epoch `audit_epoch_`: by
  // jurisdiction node, and by event type (the variant's index, with the type's name to check),
  // so that most lines need no key built and no hash lookup.
  std::uint64_t audit_epoch_ = 0;
  std::vector<keyed_state::posting_id> audit_by_node_;
  std::array<std::pair<std::string, keyed_state::posting_id>, std::variant_size_v<domain::event>> audit_by_type_ =
      no_type_postings();
  // And the time index's posting of minute `audit_time_bucket_` (most events share it with the
  // event before), and the actors' postings by user: the actor changes on 60% of a demo log's
  // events (clerks interleave), so a last-actor cache missed into keyed_state's table of every
  // posting (one per node, minute and actor: large, and a cache miss or two per lookup); this
  // table holds only the actors.
  keyed_state::posting_id audit_by_time_ = keyed_state::no_posting;
  std::uint64_t audit_time_bucket_ = 0;
  // That table is open-addressed, one cache line a slot with the user's name inside when it fits
  // (a demo's "demo-op-<office code>" does): a hit reads one slot, where std::unordered_map read a
  // bucket, a node and the name's heap buffer, three cache misses with a few thousand actors.
  struct actor_slot {
    std::uint64_t hash = 0;
    keyed_state::posting_id posting = keyed_state::no_posting;  // no_posting: an empty slot
    std::uint32_t size = 0;                   // of the user's name
    std::uint32_t spilled = 0;                // its offset in audit_actor_names_ when too long
    std::array<char, 40> name{};              // the name, when it fits
  };
  keyed_state::posting_id find_actor(std::string_view user, std::uint64_t hash) const;
  void add_actor(std::string_view user, std::uint64_t hash, keyed_state::posting_id posting);
  static std::array<std::pair<std::string, keyed_state::posting_id>, std::variant_size_v<domain::event>>
  no_type_postings() {
    std::array<std::pair<std::string, keyed_state::posting_id>, std::variant_size_v<domain::event>> none;
    for (auto& t : none) t.second = keyed_state::no_posting;
    return none;
  }
  std::vector<actor_slot> audit_actor_slots_;  // a power of two, at most half full
  std::size_t audit_actors_ = 0;
  std::string audit_actor_names_;  // the names that do not fit a slot

  // The transfer letters' index lines since the last checkpoint (member_transfers.h);
  // persist_into writes them as postings. Not part of the canonical state.
  letter_lines letter_lines_;

  std::vector<bool> member_dirty_, branch_dirty_, instructor_dirty_;
  std::vector<std::uint32_t> dirty_members_, dirty_branches_, dirty_instructors_;
};

}  // namespace gongjian::projections
