#pragma once
// The ledger (对账销号): every formation target (组建对象) with its status, deadline, overdue flag,
// and who struck it off and when. Kept in the store's consumer state, keyed
//
//   t/<target id, 8 bytes big-endian>                      -> ledger_entry (binary.h encoding)
//   l/<jurisdiction path "000000/110000/.../"><target id>   -> ""   (listing by subtree)
//   x/<org id, 8 bytes><target id>                         -> ""   (an org's targets, for moves)
//
// so that a jurisdiction's page is one prefix scan of its subtree and the ledger never has to fit
// in memory.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gongjian/domain/ids.h"
#include "gongjian/domain/values.h"
#include "gongjian/eventstore/types.h"
#include "gongjian/projections/keyed_state.h"

namespace gongjian::projections {

struct ledger_entry {
  domain::target_id target;
  domain::organization_id org;
  std::string jurisdiction;  // code of the org's jurisdiction
  domain::organization_type type = domain::organization_type::party;
  domain::formation_mode planned_mode = domain::formation_mode::standalone;
  domain::date deadline;
  std::string person_responsible;
  domain::date designated_on;
  std::uint64_t designated_at = 0;  // log position
  eventstore::actor designated_by;
  domain::target_status status = domain::target_status::open;
  std::optional<domain::no_organization_reason> reason;
  std::string reason_note;
  // Set when struck off (销号): by which organization, on which day, at which position, by whom.
  std::uint64_t struck_off_branch = 0;
  domain::date struck_off_on;
  std::uint64_t struck_off_at = 0;
  eventstore::actor struck_off_by;
  domain::date withdrawn_on;
  std::uint64_t withdrawn_at = 0;

  // Open and past its deadline on `today`.
  bool overdue(domain::date today) const { return status == domain::target_status::open && today > deadline; }
  bool operator==(const ledger_entry&) const = default;
};

std::string encode(const ledger_entry& e);
std::optional<ledger_entry> decode_ledger_entry(std::string_view bytes);

std::string ledger_target_key(domain::target_id t);
std::string ledger_listing_key(std::string_view jurisdiction_path, domain::target_id t);
std::string ledger_org_key(domain::organization_id org, domain::target_id t);

struct ledger_query {
  std::string jurisdiction_path;  // jurisdiction_tree::path(node): the subtree to list
  std::string after;              // cursor: the last key of the previous page ("" = first page)
  std::size_t limit = 100;
  bool only_open = false;
  bool only_overdue = false;
  domain::date today;  // for the overdue flag
};

struct ledger_line {
  ledger_entry entry;
  bool overdue = false;
};

struct ledger_page {
  std::vector<ledger_line> lines;
  std::string next;  // cursor for the next page; empty when this was the last
};

// Puts `entry` on the page unless the query's filters leave it out; `key` becomes the cursor.
// Shared by the live and the as-of readers so both page and filter alike.
void add_to_ledger_page(ledger_page& page, ledger_entry entry, const ledger_query& q, std::string_view key);

// Reads a page of the ledger from keyed state (thread-safe when `state` has no buffered writes
// and is only read, as the runner's query copy is).
ledger_page read_ledger(const keyed_state& state, const ledger_query& q);

}  // namespace gongjian::projections
