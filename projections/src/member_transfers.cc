#include "gongjian/projections/member_transfers.h"

#include "gongjian/projections/binary.h"

namespace gongjian::projections {

std::string member_transfer_key(domain::member_id member, domain::transfer_id transfer) {
  std::string k = "r/";
  binary::key_u64(k, member.value);
  binary::key_u64(k, transfer.value);
  return k;
}

std::vector<domain::transfer_id> member_transfers(const keyed_state& state, domain::member_id member,
                                                  std::size_t limit) {
  std::string prefix = "r/";
  binary::key_u64(prefix, member.value);
  std::vector<domain::transfer_id> out;
  if (limit == 0) return out;
  state.scan(prefix, prefix, [&](std::string_view key, std::string_view) {
    out.push_back(domain::transfer_id{binary::parse_key_u64(key.substr(key.size() - 8))});
    return out.size() < limit;
  });
  return out;
}

}  // namespace gongjian::projections
