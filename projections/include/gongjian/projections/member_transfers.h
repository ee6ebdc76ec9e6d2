#pragma once
// A member's transfer letters (组织关系接转), found by member. The letters' events sit in their
// own streams (transfer-<id>), and only the letter's id names them, so a member's read view needs
// the ids of the member's letters to show them. Kept in the store's consumer state, keyed
//
//   r/<member id, 8 bytes big-endian><transfer id, 8 bytes big-endian>   -> ""
//
// put by every transfer event (each names its letter and member): a key per letter on disk,
// nothing in memory per member.

#include <cstddef>
#include <string>
#include <vector>

#include "gongjian/domain/ids.h"
#include "gongjian/projections/keyed_state.h"

namespace gongjian::projections {

std::string member_transfer_key(domain::member_id member, domain::transfer_id transfer);

// The member's letters in id order, at most `limit` of them.
std::vector<domain::transfer_id> member_transfers(const keyed_state& state, domain::member_id member,
                                                  std::size_t limit);

}  // namespace gongjian::projections
