#pragma once
// Transfer letters (介绍信, 组织关系接转) on the read side. A letter's events sit in its own stream
// (transfer-<id>) and name only the letter and its member, so the views that show letters find
// them through three indexes; a letter's state is folded from its member's letters' events when
// it is read (server/src/query_routes.cc, as the member's view shows it), never kept here. Kept
// in the store's consumer state, as postings:
//
//   r/<u64 member><u64 last pos>  -> lines   a member's letters (layout 2; postings since layout 5):
//                                            a line for every transfer event (each names its letter
//                                            and member), so a letter whose issue the log lacks is
//                                            found all the same
//   d/<u64 branch><u64 last pos>  -> lines   the letters addressed to the branch (destination): a
//                                            branch secretary's incoming letters (layout 5)
//   g/<u64 org><u64 last pos>     -> lines   the letters of the org's (公司) members: the member's
//                                            org when the letter was opened (layout 5)
//
//   r/ line = <u64 position><u64 transfer>                                    16 bytes
//   d/ line = <u64 position><u64 transfer><u64 member><u64 the member's org>  32 bytes
//   g/ line = <u64 position><u64 transfer><u64 member>                        24 bytes
//   (letter_line_size; ids and positions 8 bytes big-endian; the org 0 when not known: the
//   member's org when the letter was opened)
//
// d/ and g/ get a line from the event that opens a letter (transfer_letter_issued,
// transfer_letter_reissued for the new letter, transfer_completed_by_certificate), none from the
// events that settle it. A posting holds the lines of one checkpoint for one member (branch, org),
// in log order, as ONE key that ends with the position of its last line, as the audit index's
// (audit.h): the fold appends each line to a vector in memory (letter_lines: no key built, nothing
// looked up) and the checkpoint writes them (projection_state::persist_into), so a rebuild writes
// a key per member (branch, org) and checkpoint. A keyed put per letter and index cost a demo
// rebuild an eighth of its rate each (docs/benchmarks.md). A reader gathers the postings of one
// member (branch, org) and the lines not yet checkpointed, keeps those at or before its position
// and each letter once (at its first line), in id order.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gongjian/domain/ids.h"
#include "gongjian/projections/keyed_state.h"

namespace gongjian::projections {

enum class letter_index : std::uint8_t { member, branch, org };  // r/, d/, g/

// A line of an index's postings: what the key does not say already.
inline constexpr std::size_t letter_line_size(letter_index index) {
  return index == letter_index::member ? 16 : index == letter_index::org ? 24 : 32;
}

// The prefix of one member's (branch's, org's) postings: "r/<u64 member>", ...
std::string letter_postings_prefix(letter_index index, std::uint64_t id);

struct letter_line {
  std::uint64_t key = 0;  // the member, branch or org
  std::uint64_t pos = 0;
  std::uint64_t transfer = 0;
  std::uint64_t member = 0;
  std::uint64_t org = 0;  // the member's org when a letter is opened (not kept under r/)
};

// The lines the fold appended since the last checkpoint, per index, in log order. Owned by
// projection_state (the runner's thread writes it under the runner's exclusive lock; readers read
// it under the shared one).
class letter_lines {
 public:
  void add(letter_index index, const letter_line& line) { lines_[static_cast<std::size_t>(index)].push_back(line); }
  const std::vector<letter_line>& of(letter_index index) const { return lines_[static_cast<std::size_t>(index)]; }
  // Appends the postings of `index` to `puts`, in key order, and forgets its lines.
  void drain(letter_index index, std::vector<std::pair<std::string, std::string>>& puts);

 private:
  std::array<std::vector<letter_line>, 3> lines_;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> order_;  // drain's scratch
};

// A letter as an index line names it.
struct incoming_letter {
  domain::transfer_id transfer;
  domain::member_id member;
  domain::organization_id org;  // the member's org when the letter was opened; 0 when not known
  std::uint64_t opened_at = 0;  // the position of its first line
  bool operator==(const incoming_letter&) const = default;
};

// The letters of one member, addressed to one branch, or of one org's members, with a line at or
// before `position`, each once, in id order: from the store's postings and the lines `pending`
// holds (projection_state::pending_letter_lines()). Thread-safe when `state` and `pending` are only
// read, as under the runner's read().
std::vector<incoming_letter> indexed_letters(const keyed_state& state, const letter_lines& pending, letter_index index,
                                             std::uint64_t id, std::uint64_t position = UINT64_MAX);

// The member's letters in id order, at most `limit` of them.
std::vector<domain::transfer_id> member_transfers(const keyed_state& state, const letter_lines& pending,
                                                  domain::member_id member, std::size_t limit);
inline std::vector<incoming_letter> letters_to_branch(const keyed_state& state, const letter_lines& pending,
                                                      domain::branch_id branch, std::uint64_t position = UINT64_MAX) {
  return indexed_letters(state, pending, letter_index::branch, branch.value, position);
}
inline std::vector<incoming_letter> letters_of_org(const keyed_state& state, const letter_lines& pending,
                                                   domain::organization_id org, std::uint64_t position = UINT64_MAX) {
  return indexed_letters(state, pending, letter_index::org, org.value, position);
}

}  // namespace gongjian::projections
