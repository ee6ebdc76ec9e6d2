#pragma once
// Transfer letters (介绍信, 组织关系接转) on the read side. A letter's events sit in its own stream
// (transfer-<id>) and name only the letter (and its member), so the views that show letters find
// them here: a member's letters, the letters addressed to an organization formed here (a branch
// secretary's incoming letters), and the letters of an org's members. Kept in the store's
// consumer state, keyed
//
//   r/<member id><transfer id>   -> ""               a member's letters (layout 2)
//   e/<transfer id>              -> transfer_letter  the letter as the domain settles it (layout 4)
//   d/<branch id><transfer id>   -> ""               letters addressed to the branch (destination)
//   g/<org id><transfer id>      -> ""               letters of the org's (公司) members: the
//                                                    member's org when the letter was issued
//
// (o/, b/ and i/ hold the packed org, branch and instructor records: projections/README.md.)
//
// ids as 8 bytes big-endian, so a prefix scan lists a member's, branch's or org's letters in id
// order. Every transfer event puts its letter's keys (the same key again is a no-op), so a letter
// whose issue the log lacks is found all the same: a key per letter on disk, nothing in memory.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gongjian/domain/ids.h"
#include "gongjian/domain/values.h"
#include "gongjian/projections/keyed_state.h"

namespace gongjian::projections {

std::string member_transfer_key(domain::member_id member, domain::transfer_id transfer);

// The member's letters in id order, at most `limit` of them.
std::vector<domain::transfer_id> member_transfers(const keyed_state& state, domain::member_id member,
                                                  std::size_t limit);

// A letter with what its events say, settled as domain::apply settles it. Positions make it
// readable as of a past position (transfer_letter_as_of), as ledger entries are.
struct transfer_letter {
  domain::transfer_id transfer;
  domain::member_id member;
  domain::branch_id to_branch;
  domain::organization_id org;  // the member's org when the letter was issued; 0 when not known
  domain::transfer_status status = domain::transfer_status::issued;
  std::optional<domain::member_standing> standing;
  std::string from_organization;
  std::optional<domain::date> dues_paid_until;
  std::optional<domain::date> issued_on;
  std::optional<domain::date> valid_until;
  std::uint64_t issued_at = 0;      // log position of the issue (or reissue, or certificate); 0: not in the log
  domain::transfer_id replaces;     // a reissued letter: the lost one
  domain::transfer_id replaced_by;  // a lost letter: its reissue
  std::string reason;               // rejected, revoked
  std::optional<domain::certificate_issuer> certificate_issuer;  // 身份证明
  std::string certificate_issuer_name;
  std::string certificate_number;
  // The day and position it stopped being open (received, rejected, revoked, expired, voided by a
  // reissue, completed by certificate); 0 while issued.
  std::optional<domain::date> settled_on;
  std::uint64_t settled_at = 0;

  bool operator==(const transfer_letter&) const = default;
};

std::string encode(const transfer_letter& letter);
std::optional<transfer_letter> decode_transfer_letter(std::string_view bytes);

std::string transfer_letter_key(domain::transfer_id transfer);
std::string branch_transfer_key(domain::branch_id branch, domain::transfer_id transfer);
std::string org_transfer_key(domain::organization_id org, domain::transfer_id transfer);

// The letter as it was at `position`: nullopt before it was written, issued (with nothing of its
// settling) before it was settled.
std::optional<transfer_letter> transfer_letter_as_of(transfer_letter letter, std::uint64_t position);

std::optional<transfer_letter> read_transfer_letter(const keyed_state& state, domain::transfer_id transfer);

struct transfer_letter_query {
  domain::transfer_id after;  // cursor: the last letter of the previous page (0 = first page)
  std::size_t limit = 100;
  std::optional<domain::transfer_status> status;  // only letters in this status (at `position`)
  std::uint64_t position = UINT64_MAX;            // as of this log position
};

struct transfer_letter_page {
  std::vector<transfer_letter> letters;
  // The cursor of the next page: set only when another letter matches after this page.
  std::optional<domain::transfer_id> next;
};

// Letters addressed to a branch, and letters of an org's members, in id order (thread-safe when
// `state` has no buffered writes and is only read, as the runner's query copy is).
transfer_letter_page letters_to_branch(const keyed_state& state, domain::branch_id branch,
                                       const transfer_letter_query& q);
transfer_letter_page letters_of_org(const keyed_state& state, domain::organization_id org,
                                    const transfer_letter_query& q);

}  // namespace gongjian::projections
