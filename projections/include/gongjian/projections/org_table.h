#pragma once
// Per-organization read state, packed: 36 bytes per organization plus 12 bytes of index slot, so
// that ten million organizations take about half a gigabyte. No per-organization strings are
// kept: organizations are found by their 64-bit domain id and refer to their jurisdiction by an
// interned node index.
//
// Threading: owned by the read model; not synchronized.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "gongjian/projections/jurisdiction_tree.h"

namespace gongjian::projections {

using org_index = std::uint32_t;

// The key an organization is indexed by: its domain id plus one (0 marks an empty slot).
inline std::uint64_t org_key(domain::organization_id id) { return id.value + 1; }

struct org_record {
  static constexpr std::uint8_t flag_registered = 1;
  static constexpr std::uint8_t flag_removed = 2;  // removed from the base: out of scope
  // Recorded as a shell or dormant firm (operating_status): out of the base while it is one. The
  // base counts orgs in real operation (domain README, "Practice"); unlike a removal, a later
  // correction of the status brings the org back.
  static constexpr std::uint8_t flag_not_operating = 4;

  node_index node = no_node;  // the organization's jurisdiction (normally an office)
  std::uint8_t kind = 0;      // org_kind
  std::uint8_t flags = 0;
  std::uint8_t survey_steps_done = 0;  // 0..4, in order
  std::uint8_t reserved = 0;
  std::array<std::uint16_t, twin_count> formal_members{};
  std::array<std::uint16_t, twin_count> attached_members{};  // attached to a nearby organization
  std::array<std::uint16_t, twin_count> instructors{};       // active instructor assignments
  std::array<std::uint8_t, branch_type_count> covering{};    // organizations covering it, any mode
  std::array<std::uint8_t, twin_count> standalone{};         // its own (standalone) organizations
  std::array<std::uint8_t, branch_type_count> targets{};     // formation targets designated
  std::array<std::uint8_t, branch_type_count> struck_off{};  // ... of which struck off

  void set_operating(bool operating) {
    flags = operating ? static_cast<std::uint8_t>(flags & ~flag_not_operating)
                      : static_cast<std::uint8_t>(flags | flag_not_operating);
  }
  bool in_scope() const { return (flags & flag_registered) && !(flags & (flag_removed | flag_not_operating)); }
  bool operator==(const org_record&) const = default;
};

// Open-addressing map from org_key to org_index (linear probing, power-of-two capacity, load
// factor at most 3/4). 12 bytes a slot.
class org_key_index {
 public:
  std::optional<org_index> find(std::uint64_t key) const;
  // Inserts key -> value; the key must not be present.
  void insert(std::uint64_t key, org_index value);
  std::size_t size() const { return size_; }
  void clear();

 private:
  void grow();
  std::vector<std::uint64_t> keys_;  // 0 = empty
  std::vector<org_index> values_;
  std::size_t size_ = 0;
};

}  // namespace gongjian::projections
